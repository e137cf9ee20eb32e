/**
 * Parser: tokens → syntax tree, with Pebble's precedence-climbing algorithm and operator table
 * (`io.pebbletemplates…CoreExtension` plus Kestra's `??`/`???` at 120):
 *
 *   or 10 · and 15 · is, is not, contains, in, not in 20 · == != < > <= >= equals 30 · + - 40 ·
 *   * / % 60 · | (filter) 100 · ~ 110 · .. ?? ??? 120 · unary not - + 500
 *
 * so `a ?? b | date(…)` is `(a ?? b) | date(…)` and `'x' ~ y | upper` is `('x' ~ y) | upper`.
 * Filters, functions and tests are looked up here: an unknown name fails at parse time, before
 * any rendering. Nesting is bounded so hostile input gets a `TemplateError`, not a stack overflow.
 */
import { pathOf, type BoundArg, type CompiledTemplate, type Expr, type Node } from './ast';
import { errorAt } from './errors';
import { FILTERS } from './filters';
import { FUNCTIONS } from './functions';
import { tokenize, type Token } from './lexer';
import { TESTS } from './predicates';
import type { CallableDef } from './registry-types';

type OperatorKind = 'normal' | 'filter' | 'test';

const BINARY = new Map<string, { precedence: number; kind: OperatorKind }>([
  ['or', { precedence: 10, kind: 'normal' }],
  ['and', { precedence: 15, kind: 'normal' }],
  ['is', { precedence: 20, kind: 'test' }],
  ['is not', { precedence: 20, kind: 'test' }],
  ['contains', { precedence: 20, kind: 'normal' }],
  ['in', { precedence: 20, kind: 'normal' }],
  ['not in', { precedence: 20, kind: 'normal' }],
  ['==', { precedence: 30, kind: 'normal' }],
  ['equals', { precedence: 30, kind: 'normal' }],
  ['!=', { precedence: 30, kind: 'normal' }],
  ['<', { precedence: 30, kind: 'normal' }],
  ['>', { precedence: 30, kind: 'normal' }],
  ['<=', { precedence: 30, kind: 'normal' }],
  ['>=', { precedence: 30, kind: 'normal' }],
  ['+', { precedence: 40, kind: 'normal' }],
  ['-', { precedence: 40, kind: 'normal' }],
  ['*', { precedence: 60, kind: 'normal' }],
  ['/', { precedence: 60, kind: 'normal' }],
  ['%', { precedence: 60, kind: 'normal' }],
  ['|', { precedence: 100, kind: 'filter' }],
  ['~', { precedence: 110, kind: 'normal' }],
  ['..', { precedence: 120, kind: 'normal' }],
  ['??', { precedence: 120, kind: 'normal' }],
  ['???', { precedence: 120, kind: 'normal' }],
]);

const UNARY_PRECEDENCE = 500;
const UNARY = new Set(['not', '-', '+']);

/** Word operators that may still be used as attribute names after a dot (`x.in`, `x.contains`). */
const WORD_OPERATORS = new Set(['or', 'and', 'is', 'not', 'in', 'contains', 'equals']);

/** Pebble tags this engine deliberately does not implement (template loading, macros, blocks…). */
const UNSUPPORTED_TAGS = new Set([
  'include',
  'import',
  'from',
  'extends',
  'embed',
  'block',
  'endblock',
  'macro',
  'endmacro',
  'parallel',
  'endparallel',
  'cache',
  'endcache',
  'flush',
  'autoescape',
  'endautoescape',
  'filter',
  'endfilter',
]);

const RESERVED_NAMES = new Set(['true', 'false', 'null', 'none', 'TRUE', 'FALSE', 'NULL', 'NONE']);

/** Recursion guard for nested parentheses, lists, maps, arguments and blocks. */
const MAX_NESTING = 100;
/** Longest chain of operators/filters/attributes in one expression (the evaluator recurses on it). */
const MAX_EXPRESSION_DEPTH = 300;

/** Parses a template source into a compiled template. Throws `TemplateError` with a position. */
export function parseTemplate(source: string): CompiledTemplate {
  const parser = new Parser(source, tokenize(source), 0);
  return { source, nodes: parser.parseDocument() };
}

class Parser {
  private i = 0;

  public constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private nesting: number,
  ) {}

  // --- token helpers ---
  // The lexer ends every token list with an 'eof' token, and `i` never moves past it, so the
  // indexes below are always in range.

  private get current(): Token {
    return this.tokens[this.i]!;
  }

  private peek(offset = 1): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private advance(): Token {
    const token = this.tokens[this.i]!;
    if (this.i < this.tokens.length - 1) this.i++;
    return token;
  }

  private is(type: Token['type'], value?: string): boolean {
    const t = this.current;
    return t.type === type && (value === undefined || t.value === value);
  }

  private expect(type: Token['type'], value?: string): Token {
    if (!this.is(type, value)) throw this.error(`Expected ${describeExpected(type, value)} but found ${describe(this.current)}`);
    return this.advance();
  }

  private error(message: string, pos = this.current.pos): Error {
    return errorAt(message, this.source, pos);
  }

  private enter(pos: number): void {
    this.nesting++;
    if (this.nesting > MAX_NESTING) throw this.error(`Template is nested too deeply (more than ${MAX_NESTING} levels)`, pos);
  }

  private leave(): void {
    this.nesting--;
  }

  private checkDepth(expr: Expr): Expr {
    if (expr.depth > MAX_EXPRESSION_DEPTH) {
      throw this.error(`Expression is too complex (more than ${MAX_EXPRESSION_DEPTH} nested operations)`, expr.pos);
    }
    return expr;
  }

  // --- statements ---

  public parseDocument(): Node[] {
    const { nodes } = this.parseBody([]);
    return nodes;
  }

  /** Parses nodes until one of `endTags` (left unconsumed, after its `{%`) or the end of input. */
  private parseBody(endTags: string[]): { nodes: Node[]; endTag: string | null } {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.current;
      switch (t.type) {
        case 'text':
          nodes.push({ kind: 'text', pos: t.pos, text: t.value });
          this.advance();
          break;
        case 'print_start': {
          this.advance();
          if (this.is('print_end')) throw this.error('Empty expression "{{ }}"');
          const expr = this.parseExpression();
          this.expect('print_end');
          nodes.push({ kind: 'print', pos: t.pos, expr });
          break;
        }
        case 'execute_start': {
          this.advance();
          const tag = this.current;
          if (tag.type !== 'name') throw this.error(`Expected a tag name after "{%" but found ${describe(tag)}`);
          if (endTags.includes(tag.value)) return { nodes, endTag: tag.value };
          nodes.push(this.parseTag(tag, t.pos));
          break;
        }
        case 'eof':
          return { nodes, endTag: null };
        default:
          throw this.error(`Unexpected ${describe(t)}`);
      }
    }
  }

  private parseTag(tag: Token, openPos: number): Node {
    switch (tag.value) {
      case 'if':
        return this.parseIf(openPos);
      case 'for':
        return this.parseFor(openPos);
      case 'set':
        return this.parseSet(openPos);
      default:
        if (UNSUPPORTED_TAGS.has(tag.value)) throw this.error(`Tag "${tag.value}" is not supported`, tag.pos);
        if (['elseif', 'else', 'endif', 'endfor', 'endraw', 'endverbatim'].includes(tag.value)) {
          throw this.error(`Unexpected tag "${tag.value}"`, tag.pos);
        }
        throw this.error(`Unknown tag "${tag.value}"`, tag.pos);
    }
  }

  private parseIf(openPos: number): Node {
    this.enter(openPos);
    this.advance(); // if
    let condition = this.parseExpression();
    this.expect('execute_end');
    const branches: Array<{ condition: Expr; body: Node[] }> = [];
    let otherwise: Node[] | undefined;
    for (;;) {
      const { nodes, endTag } = this.parseBody(['elseif', 'else', 'endif']);
      if (endTag === null) throw this.error('Unclosed "if": missing {% endif %}', openPos);
      branches.push({ condition, body: nodes });
      this.advance(); // the tag name
      if (endTag === 'elseif') {
        condition = this.parseExpression();
        this.expect('execute_end');
        continue;
      }
      this.expect('execute_end');
      if (endTag === 'else') {
        const rest = this.parseBody(['endif']);
        if (rest.endTag === null) throw this.error('Unclosed "if": missing {% endif %}', openPos);
        this.advance();
        this.expect('execute_end');
        otherwise = rest.nodes;
      }
      break;
    }
    this.leave();
    return { kind: 'if', pos: openPos, branches, otherwise };
  }

  private parseFor(openPos: number): Node {
    this.enter(openPos);
    this.advance(); // for
    const variable = this.newVariableName();
    if (!(this.is('operator', 'in') || this.is('name', 'in'))) throw this.error(`Expected "in" but found ${describe(this.current)}`);
    this.advance();
    const iterable = this.parseExpression();
    this.expect('execute_end');
    const { nodes, endTag } = this.parseBody(['else', 'endfor']);
    if (endTag === null) throw this.error('Unclosed "for": missing {% endfor %}', openPos);
    this.advance();
    this.expect('execute_end');
    let otherwise: Node[] | undefined;
    if (endTag === 'else') {
      const rest = this.parseBody(['endfor']);
      if (rest.endTag === null) throw this.error('Unclosed "for": missing {% endfor %}', openPos);
      this.advance();
      this.expect('execute_end');
      otherwise = rest.nodes;
    }
    this.leave();
    return { kind: 'for', pos: openPos, variable, iterable, body: nodes, otherwise };
  }

  private parseSet(openPos: number): Node {
    this.advance(); // set
    const name = this.newVariableName();
    this.expect('punct', '=');
    const expr = this.parseExpression();
    this.expect('execute_end');
    return { kind: 'set', pos: openPos, name, expr };
  }

  private newVariableName(): string {
    const t = this.expect('name');
    if (RESERVED_NAMES.has(t.value)) throw this.error(`Can not assign a value to ${t.value}`, t.pos);
    return t.value;
  }

  // --- expressions ---

  /** Pebble's `parseExpression(minPrecedence)`; the ternary is only recognised at the top level. */
  public parseExpression(minPrecedence = 0): Expr {
    const start = this.current;
    this.enter(start.pos);
    let expr: Expr;
    if (start.type === 'operator' && UNARY.has(start.value)) {
      this.advance();
      const operand = this.parseExpression(UNARY_PRECEDENCE);
      expr = this.checkDepth({ kind: 'unary', pos: start.pos, depth: operand.depth + 1, op: start.value, operand });
    } else if (this.is('punct', '(')) {
      this.advance();
      expr = this.parseExpression();
      this.expect('punct', ')');
      expr = this.parsePostfix(expr);
    } else {
      expr = this.parsePrimary();
    }

    for (;;) {
      const op = this.current;
      const info = op.type === 'operator' ? BINARY.get(op.value) : undefined;
      if (!info || info.precedence < minPrecedence) break;
      this.advance();
      if (info.kind === 'filter') {
        expr = this.parseFilter(expr, op.pos);
      } else if (info.kind === 'test') {
        expr = this.parseTest(expr, op.value === 'is not', op.pos);
      } else {
        const right = this.parseExpression(info.precedence + 1);
        const depth = Math.max(expr.depth, right.depth) + 1;
        if (op.value === '??' || op.value === '???') {
          expr = { kind: 'coalesce', pos: op.pos, depth, undefinedOnly: op.value === '???', left: expr, right };
        } else if (op.value === '..') {
          expr = { kind: 'range', pos: op.pos, depth, from: expr, to: right };
        } else {
          expr = { kind: 'binary', pos: op.pos, depth, op: op.value === 'equals' ? '==' : op.value, left: expr, right };
        }
        this.checkDepth(expr);
      }
    }

    if (minPrecedence === 0 && this.is('punct', '?')) {
      const q = this.advance();
      const then = this.parseExpression();
      this.expect('punct', ':');
      const otherwise = this.parseExpression();
      expr = this.checkDepth({
        kind: 'ternary',
        pos: q.pos,
        depth: Math.max(expr.depth, then.depth, otherwise.depth) + 1,
        condition: expr,
        then,
        otherwise,
      });
    }
    this.leave();
    return expr;
  }

  private parsePrimary(): Expr {
    const t = this.current;
    let expr: Expr;
    switch (t.type) {
      case 'name': {
        this.advance();
        if (t.value === 'true' || t.value === 'TRUE') expr = literal(true, t.pos);
        else if (t.value === 'false' || t.value === 'FALSE') expr = literal(false, t.pos);
        else if (RESERVED_NAMES.has(t.value)) expr = literal(null, t.pos);
        else if (this.is('punct', '(')) expr = this.parseCall(t);
        else expr = { kind: 'var', pos: t.pos, depth: 1, name: t.value, path: t.value };
        break;
      }
      case 'number': {
        this.advance();
        expr = { kind: 'literal', pos: t.pos, depth: 1, value: Number(t.value), float: t.value.includes('.') };
        break;
      }
      case 'string':
        this.advance();
        expr = literal(t.value, t.pos);
        break;
      case 'istring':
        this.advance();
        expr = this.parseInterpolation(t);
        break;
      case 'punct':
        if (t.value === '[') {
          expr = this.parseList();
          break;
        }
        if (t.value === '{') {
          expr = this.parseMap();
          break;
        }
        throw this.error(`Unexpected ${describe(t)}`);
      default:
        throw this.error(`Unexpected ${describe(t)}`);
    }
    return this.parsePostfix(expr);
  }

  /** `a.b`, `a['b']`, `a[0]`; method calls (`a.b()`) are refused: templates never call host code. */
  private parsePostfix(node: Expr): Expr {
    let expr = node;
    for (;;) {
      if (this.is('punct', '.')) {
        this.advance();
        const t = this.current;
        let key: string | number;
        if (t.type === 'name' || (t.type === 'operator' && WORD_OPERATORS.has(t.value))) key = t.value;
        else if (t.type === 'number' && /^\d+$/.test(t.value)) key = Number(t.value);
        else throw this.error(`Expected an attribute name after "." but found ${describe(t)}`);
        this.advance();
        const path = `${pathOf(expr)}.${key}`;
        if (this.is('punct', '(')) throw this.error(`Method calls are not supported: "${path}(…)"`);
        expr = this.checkDepth({ kind: 'attr', pos: t.pos, depth: expr.depth + 1, object: expr, key, path });
      } else if (this.is('punct', '[')) {
        const open = this.advance();
        this.enter(open.pos);
        const keyExpr = this.parseExpression();
        this.leave();
        this.expect('punct', ']');
        const literalKey = keyExpr.kind === 'literal' && (typeof keyExpr.value === 'string' || typeof keyExpr.value === 'number') ? keyExpr.value : undefined;
        const path = `${pathOf(expr)}[${typeof literalKey === 'string' ? `'${literalKey}'` : (literalKey ?? '…')}]`;
        expr = this.checkDepth({
          kind: 'attr',
          pos: open.pos,
          depth: Math.max(expr.depth, keyExpr.depth) + 1,
          object: expr,
          key: literalKey ?? keyExpr,
          path,
        });
      } else if (this.is('punct', '(')) {
        throw this.error('Only named functions can be called');
      } else {
        if (expr !== node) {
          // Let the root variable know the full path it starts, for "Unable to find variable" messages.
          let root: Expr = expr;
          while (root.kind === 'attr') root = root.object;
          if (root.kind === 'var') root.chain = expr.kind === 'attr' ? expr.path : undefined;
        }
        return expr;
      }
    }
  }

  private parseList(): Expr {
    const open = this.expect('punct', '[');
    this.enter(open.pos);
    const items: Expr[] = [];
    while (!this.is('punct', ']')) {
      if (items.length > 0) this.expect('punct', ',');
      items.push(this.parseExpression());
    }
    this.advance();
    this.leave();
    return this.checkDepth({ kind: 'list', pos: open.pos, depth: maxDepth(items) + 1, items });
  }

  private parseMap(): Expr {
    const open = this.expect('punct', '{');
    this.enter(open.pos);
    const entries: Array<[Expr, Expr]> = [];
    while (!this.is('punct', '}')) {
      if (entries.length > 0) this.expect('punct', ',');
      const key = this.parseExpression();
      this.expect('punct', ':');
      entries.push([key, this.parseExpression()]);
    }
    this.advance();
    this.leave();
    return this.checkDepth({ kind: 'map', pos: open.pos, depth: maxDepth(entries.flat()) + 1, entries });
  }

  /** `"a #{b} c"` → concatenation of its parts. */
  private parseInterpolation(t: Token): Expr {
    const parts: Expr[] = [];
    for (const part of t.parts ?? []) {
      if (typeof part === 'string') {
        if (part !== '') parts.push(literal(part, t.pos));
        continue;
      }
      const inner = new Parser(this.source, part, this.nesting);
      if (inner.is('eof')) throw this.error('Empty interpolation "#{}"', t.pos);
      parts.push(inner.parseExpression());
      inner.expect('eof');
    }
    return this.checkDepth({ kind: 'concat', pos: t.pos, depth: maxDepth(parts) + 1, parts });
  }

  private parseCall(name: Token): Expr {
    const def = FUNCTIONS.get(name.value);
    if (!def) throw this.error(`Unknown function "${name.value}"`, name.pos);
    const args = this.bindArgs(def, 'Function', name.value, this.parseArguments());
    return this.checkDepth({ kind: 'call', pos: name.pos, depth: maxDepth(args.map((a) => a.value)) + 1, name: name.value, def, args });
  }

  private parseFilter(input: Expr, pos: number): Expr {
    const name = this.current;
    if (name.type !== 'name') throw this.error(`Expected a filter name after "|" but found ${describe(name)}`);
    this.advance();
    const def = FILTERS.get(name.value);
    if (!def) throw this.error(`Unknown filter "${name.value}"`, name.pos);
    const parsed = this.is('punct', '(') ? this.parseArguments() : { positional: [], named: [] };
    const args = this.bindArgs(def, 'Filter', name.value, parsed);
    const depth = Math.max(input.depth, maxDepth(args.map((a) => a.value))) + 1;
    return this.checkDepth({ kind: 'filter', pos, depth, name: name.value, def, input, args });
  }

  private parseTest(input: Expr, negate: boolean, pos: number): Expr {
    const name = this.current;
    if (name.type !== 'name') throw this.error(`Expected a test name after "is" but found ${describe(name)}`);
    this.advance();
    const def = TESTS.get(name.value);
    if (!def) throw this.error(`Unknown test "${name.value}"`, name.pos);
    const parsed = this.is('punct', '(') ? this.parseArguments() : { positional: [], named: [] };
    const args = this.bindArgs(def, 'Test', name.value, parsed);
    return this.checkDepth({ kind: 'test', pos, depth: input.depth + 1, name: name.value, def, negate, input, args });
  }

  private parseArguments(): { positional: Expr[]; named: Array<{ name: string; value: Expr; pos: number }> } {
    const open = this.expect('punct', '(');
    this.enter(open.pos);
    const positional: Expr[] = [];
    const named: Array<{ name: string; value: Expr; pos: number }> = [];
    while (!this.is('punct', ')')) {
      if (positional.length > 0 || named.length > 0) this.expect('punct', ',');
      if (this.is('name') && this.peek().type === 'punct' && this.peek().value === '=') {
        const name = this.advance();
        this.advance();
        named.push({ name: name.value, value: this.parseExpression(), pos: name.pos });
      } else {
        const value = this.parseExpression();
        if (named.length > 0) throw this.error('Positional arguments must be declared before any named arguments', value.pos);
        positional.push(value);
      }
    }
    this.advance();
    this.leave();
    return { positional, named };
  }

  /** Binds positional arguments to parameter names and validates named ones, like Pebble's `ArgumentsNode`. */
  private bindArgs(
    def: Pick<CallableDef, 'argNames'>,
    kind: string,
    name: string,
    parsed: { positional: Expr[]; named: Array<{ name: string; value: Expr; pos: number }> },
  ): BoundArg[] {
    const { argNames } = def;
    if (argNames === null) {
      const firstNamed = parsed.named[0];
      if (firstNamed) throw this.error(`${kind} "${name}" does not accept named arguments`, firstNamed.pos);
      return parsed.positional.map((value, i) => ({ name: String(i), value }));
    }
    const bound: BoundArg[] = [];
    parsed.positional.forEach((value, i) => {
      const argName = argNames[i];
      if (argName === undefined) {
        throw this.error(
          `${kind} "${name}" accepts ${argNames.length} argument(s)${argNames.length ? ` (${argNames.join(', ')})` : ''}; too many given`,
          value.pos,
        );
      }
      bound.push({ name: argName, value });
    });
    for (const arg of parsed.named) {
      if (!argNames.includes(arg.name)) {
        throw this.error(`${kind} "${name}" has no argument named "${arg.name}"${argNames.length ? `; expected one of ${argNames.join(', ')}` : ''}`, arg.pos);
      }
      if (bound.some((b) => b.name === arg.name)) throw this.error(`Argument "${arg.name}" of "${name}" is given twice`, arg.pos);
      bound.push({ name: arg.name, value: arg.value });
    }
    return bound;
  }
}

function literal(value: unknown, pos: number): Expr {
  return { kind: 'literal', pos, depth: 1, value };
}

function maxDepth(exprs: Expr[]): number {
  let depth = 0;
  for (const e of exprs) depth = Math.max(depth, e.depth);
  return depth;
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'the end of the template';
    case 'text':
      return 'text';
    case 'print_end':
    case 'execute_end':
    case 'print_start':
    case 'execute_start':
      return `"${t.value}"`;
    case 'string':
    case 'istring':
      return 'a string';
    default:
      return `"${t.value}"`;
  }
}

function describeExpected(type: Token['type'], value?: string): string {
  if (value !== undefined) return `"${value}"`;
  switch (type) {
    case 'print_end':
      return '"}}"';
    case 'execute_end':
      return '"%}"';
    case 'name':
      return 'a name';
    case 'eof':
      return 'the end of the expression';
    default:
      return type;
  }
}
