/**
 * Lexer: splits a template into text and expression tokens, the way Pebble's `LexerImpl` does.
 *
 * Whitespace control (`{{-`, `-}}`, `{%-`, `-%}`, `{#-`, `-#}`) and the `raw`/`verbatim` blocks are
 * resolved here, so the parser only sees text that is already trimmed. Like Pebble, word operators
 * are matched before names (with a look-ahead so that `organization` is not `or` + `ganization`),
 * and string escapes only cover the quote character and the backslash (`'\n'` stays two characters).
 */
import { errorAt } from './errors';

/** Kinds of token; `istring` is a double-quoted string containing `#{…}`. */
export type TokenType =
  | 'text'
  | 'print_start'
  | 'print_end'
  | 'execute_start'
  | 'execute_end'
  | 'name'
  | 'number'
  | 'string'
  | 'istring'
  | 'operator'
  | 'punct'
  | 'eof';

/** One token with its source offset. */
export interface Token {
  type: TokenType;
  value: string;
  /** Offset in the template source, for error positions. */
  pos: number;
  /** For `istring` (a double-quoted string with `#{…}`): literal parts and the tokens of each expression. */
  parts?: Array<string | Token[]>;
}

/** Binary and unary operator symbols, longest first so `???` wins over `??` and `is not` over `is`. */
const OPERATORS = [
  'is not',
  'not in',
  'contains',
  'equals',
  '???',
  'and',
  'not',
  '??',
  '==',
  '!=',
  '<=',
  '>=',
  '..',
  'or',
  'is',
  'in',
  '<',
  '>',
  '+',
  '-',
  '~',
  '*',
  '/',
  '%',
  '|',
];

function buildOperatorRegex(): RegExp {
  const alternatives = OPERATORS.map((op) => {
    const escaped = op.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(' ', '\\s+');
    // A word operator must not be the start of a longer name.
    return /[a-z]$/.test(op) ? `${escaped}(?![A-Za-z0-9_])` : escaped;
  });
  return new RegExp(alternatives.join('|'), 'y');
}

const OPERATOR_RE = buildOperatorRegex();
const NAME_RE = /[\p{L}_][\p{L}\p{N}_]*/uy;
const LONG_RE = /[0-9]+L/y;
const NUMBER_RE = /[0-9]+(?:\.[0-9]+)?/y;
const SINGLE_QUOTED_RE = /'((?:[^'\\]|\\[\s\S])*)'/y;
const START_DELIMITERS_RE = /\{[{%#]/g;
const RAW_START_RE = /\s*(raw|verbatim)\s*(-?)%\}/y;
const RAW_END_RE: Record<'raw' | 'verbatim', RegExp> = {
  raw: /\{%(-?)\s*endraw\s*(-?)%\}/g,
  verbatim: /\{%(-?)\s*endverbatim\s*(-?)%\}/g,
};
const PUNCTUATION = '()[]{}?:.,=';
const CLOSING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const WHITESPACE_RE = /\s/;
/** `"#{ "#{ … }" }"` nesting beyond this is not a real template. */
const MAX_INTERPOLATION_DEPTH = 16;

/** Java's `\s` (what Pebble strips for whitespace control): space, \t, \n, \v, \f, \r. */
const isJavaSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);

// Loops rather than `/\s+$/`, which backtracks quadratically on long inner runs of spaces.
function ltrim(s: string): string {
  let i = 0;
  while (i < s.length && isJavaSpace(s.charCodeAt(i))) i++;
  return s.slice(i);
}

function rtrim(s: string): string {
  let end = s.length;
  while (end > 0 && isJavaSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(0, end);
}

/** Tokenizes a whole template. Throws `TemplateError` on unclosed tags, strings or brackets. */
export function tokenize(source: string): Token[] {
  return new Lexer(source).run();
}

class Lexer {
  private pos = 0;
  private readonly tokens: Token[] = [];
  /** Set by a closing `-}}`/`-%}`/`-#}`: the next text loses its leading whitespace. */
  private trimNext = false;

  public constructor(private readonly src: string) {}

  public run(): Token[] {
    const src = this.src;
    while (this.pos < src.length) {
      START_DELIMITERS_RE.lastIndex = this.pos;
      const match = START_DELIMITERS_RE.exec(src);
      const textPos = this.pos;
      let text = src.slice(this.pos, match ? match.index : src.length);
      if (this.trimNext) {
        text = ltrim(text);
        this.trimNext = false;
      }
      if (!match) {
        this.pushText(text, textPos);
        this.pos = src.length;
        break;
      }
      let p = match.index + 2;
      if (src[p] === '-') {
        text = rtrim(text);
        p++;
      }
      this.pushText(text, textPos);
      const kind = match[0][1];
      if (kind === '#') {
        this.comment(match.index, p);
      } else if (kind === '{') {
        this.tokens.push({ type: 'print_start', value: '{{', pos: match.index });
        this.pos = p;
        this.expression(this.tokens, '}}', 'print_end', match.index, 0);
      } else {
        RAW_START_RE.lastIndex = p;
        const raw = RAW_START_RE.exec(src);
        if (raw) {
          this.raw(raw, match.index, p + raw[0].length);
        } else {
          this.tokens.push({ type: 'execute_start', value: '{%', pos: match.index });
          this.pos = p;
          this.expression(this.tokens, '%}', 'execute_end', match.index, 0);
        }
      }
    }
    this.tokens.push({ type: 'eof', value: '', pos: src.length });
    return this.tokens;
  }

  private pushText(text: string, pos: number): void {
    if (text.length > 0) this.tokens.push({ type: 'text', value: text, pos });
  }

  private comment(openPos: number, contentStart: number): void {
    const end = this.src.indexOf('#}', contentStart);
    if (end < 0) throw errorAt('Unclosed comment "{#"', this.src, openPos);
    if (end > contentStart && this.src[end - 1] === '-') this.trimNext = true;
    this.pos = end + 2;
  }

  /** `{% raw %}…{% endraw %}` (and Pebble's `verbatim`): the content is emitted as plain text. */
  private raw(start: RegExpExecArray, openPos: number, contentStart: number): void {
    const word = start[1] === 'verbatim' ? 'verbatim' : 'raw';
    const endRe = RAW_END_RE[word];
    endRe.lastIndex = contentStart;
    const end = endRe.exec(this.src);
    if (!end) throw errorAt(`Unclosed "${word}" tag: missing {% end${word} %}`, this.src, openPos);
    let text = this.src.slice(contentStart, end.index);
    if (start[2] === '-') text = ltrim(text);
    if (end[1] === '-') text = rtrim(text);
    if (end[2] === '-') this.trimNext = true;
    this.pushText(text, contentStart);
    this.pos = end.index + end[0].length;
  }

  /**
   * Lexes expression tokens into `out` until `close` (`}}`, `%}`, or `}` for `#{…}` when `close` is
   * null) is found outside brackets.
   */
  private expression(out: Token[], close: string | null, endType: TokenType, openPos: number, depth: number): void {
    const src = this.src;
    const brackets: Array<{ char: string; pos: number }> = [];
    for (;;) {
      while (this.pos < src.length && WHITESPACE_RE.test(src.charAt(this.pos))) this.pos++;
      if (this.pos >= src.length) {
        const open = brackets.length > 0 ? brackets[brackets.length - 1] : undefined;
        if (open) throw errorAt(`Unclosed "${open.char}"`, src, open.pos);
        throw errorAt(close === null ? 'Unclosed "#{"' : `Unclosed "${close === '}}' ? '{{' : '{%'}"`, src, openPos);
      }
      const pos = this.pos;
      if (brackets.length === 0) {
        if (close === null) {
          if (src[pos] === '}') {
            this.pos++;
            return;
          }
        } else if (src.startsWith(close, pos) || (src[pos] === '-' && src.startsWith(close, pos + 1))) {
          if (src[pos] === '-') {
            this.trimNext = true;
            this.pos++;
          }
          this.pos += 2;
          out.push({ type: endType, value: close, pos });
          return;
        }
      }
      OPERATOR_RE.lastIndex = pos;
      let m = OPERATOR_RE.exec(src);
      if (m) {
        out.push({ type: 'operator', value: m[0].replace(/\s+/, ' '), pos });
        this.pos += m[0].length;
        continue;
      }
      NAME_RE.lastIndex = pos;
      m = NAME_RE.exec(src);
      if (m) {
        out.push({ type: 'name', value: m[0], pos });
        this.pos += m[0].length;
        continue;
      }
      LONG_RE.lastIndex = pos;
      m = LONG_RE.exec(src);
      if (m) {
        out.push({ type: 'number', value: m[0].slice(0, -1), pos });
        this.pos += m[0].length;
        continue;
      }
      NUMBER_RE.lastIndex = pos;
      m = NUMBER_RE.exec(src);
      if (m) {
        out.push({ type: 'number', value: m[0], pos });
        this.pos += m[0].length;
        continue;
      }
      const c = src.charAt(pos);
      if (PUNCTUATION.includes(c)) {
        if (c in CLOSING) {
          brackets.push({ char: c, pos });
        } else if (c === ')' || c === ']' || c === '}') {
          const open = brackets.pop();
          if (!open) throw errorAt(`Unexpected "${c}"`, src, pos);
          if (CLOSING[open.char] !== c) throw errorAt(`Unclosed "${open.char}"`, src, open.pos);
        }
        out.push({ type: 'punct', value: c, pos });
        this.pos++;
        continue;
      }
      if (c === "'") {
        SINGLE_QUOTED_RE.lastIndex = pos;
        m = SINGLE_QUOTED_RE.exec(src);
        if (!m) throw errorAt('Unclosed string', src, pos);
        out.push({ type: 'string', value: unescapeQuoted(m[1]!, "'"), pos }); // the group always takes part
        this.pos += m[0].length;
        continue;
      }
      if (c === '"') {
        this.doubleQuoted(out, depth);
        continue;
      }
      throw errorAt(`Unexpected character "${c}"`, src, pos);
    }
  }

  /** A double-quoted string, which may contain Pebble interpolations `#{ expression }`. */
  private doubleQuoted(out: Token[], depth: number): void {
    const src = this.src;
    const start = this.pos;
    this.pos++;
    const parts: Array<string | Token[]> = [];
    let buffer = '';
    for (;;) {
      if (this.pos >= src.length) throw errorAt('Unclosed string', src, start);
      const c = src[this.pos];
      if (c === '\\' && this.pos + 1 < src.length) {
        const next = src[this.pos + 1];
        buffer += next === '"' || next === '\\' ? next : `\\${next}`;
        this.pos += 2;
        continue;
      }
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === '#' && src[this.pos + 1] === '{') {
        if (depth >= MAX_INTERPOLATION_DEPTH) throw errorAt('String interpolation nested too deeply', src, this.pos);
        parts.push(buffer);
        buffer = '';
        const openPos = this.pos;
        this.pos += 2;
        const inner: Token[] = [];
        this.expression(inner, null, 'eof', openPos, depth + 1);
        inner.push({ type: 'eof', value: '', pos: this.pos - 1 });
        parts.push(inner);
        continue;
      }
      buffer += c;
      this.pos++;
    }
    if (parts.length === 0) {
      out.push({ type: 'string', value: buffer, pos: start });
    } else {
      parts.push(buffer);
      out.push({ type: 'istring', value: '', pos: start, parts });
    }
  }
}

/** Pebble only unescapes the quote character and the backslash. */
function unescapeQuoted(body: string, quote: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && i + 1 < body.length && (body[i + 1] === quote || body[i + 1] === '\\')) {
      out += body[i + 1];
      i++;
    } else {
      out += c;
    }
  }
  return out;
}
