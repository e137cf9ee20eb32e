import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRenderer, DEFAULT_TIMEOUT_MS, render, renderValue, TemplateError, TemplateTimeLimitError } from '../../../lib/domain/template';

const engineDir = fileURLToPath(new URL('../../../lib/domain/template/', import.meta.url));

/** Asserts `fn` throws a TemplateError (never another error type) and returns its message. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function failsWith(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return (error as Error).message;
  }
  throw new Error('expected a TemplateError');
}

afterEach(() => {
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Array.prototype).not.toHaveProperty('polluted');
});

describe('No access to constructors or prototypes', () => {
  const vars = { x: { a: 1 }, list: [1, 2], s: 'str', n: 5 };

  it.each([
    "{{ ''.constructor }}",
    "{{ ''['constructor'] }}",
    '{{ [].constructor }}',
    '{{ {}.constructor }}',
    '{{ x.constructor }}',
    "{{ x['constructor'] }}",
    "{{ x['constr' ~ 'uctor'] }}",
    '{{ x.__proto__ }}',
    "{{ x['__proto__'] }}",
    '{{ list.__proto__ }}',
    '{{ x.prototype }}',
    '{{ s.constructor.prototype }}',
    "{{ x['constructor']['constructor'] }}",
    '{{ n.constructor }}',
    '{{ x.toString }}',
    '{{ x.hasOwnProperty }}',
    '{{ x.valueOf }}',
    '{{ list.length }}',
    '{{ list.push }}',
    '{{ s.length }}',
    "{{ s['length'] }}",
    '{{ constructor }}',
    '{{ __proto__ }}',
    '{{ toString }}',
  ])('%s is not resolvable', (template) => {
    expect(failsWith(() => render(template, vars))).toMatch(/Unable to find variable/);
  });

  it('cannot call anything that is not a registered function', () => {
    expect(failsWith(() => render("{{ x.constructor.constructor('return process')() }}", vars))).toMatch(/Method calls are not supported|Only named functions/);
    expect(failsWith(() => render("{{ ''.constructor('x') }}", vars))).toContain('Method calls are not supported');
    expect(failsWith(() => render("{{ (x)('a') }}", vars))).toContain('Only named functions');
    expect(failsWith(() => render('{{ s.toUpperCase() }}', vars))).toContain('Method calls are not supported');
    expect(failsWith(() => render("{{ constructor('return 1') }}", vars))).toContain('Unknown function "constructor"');
    expect(failsWith(() => render('{{ x | constructor }}', vars))).toContain('Unknown filter "constructor"');
    expect(failsWith(() => render('{{ x is constructor }}', vars))).toContain('Unknown test "constructor"');
    expect(failsWith(() => render('{{ 1 | date("iso") | toString }}', vars))).toContain('Unknown filter "toString"');
    expect(failsWith(() => render('{{ d | date("constructor") }}', { d: new Date() }))).toContain('pattern letter');
  });

  it('never calls functions found in the variables', () => {
    const fn = vi.fn(() => 'called');
    const method = vi.fn(() => 'called');
    const template = (t: string): string => failsWith(() => render(t, { fn, obj: { method }, list: [fn] }));
    expect(template('{{ fn }}')).toContain("Unable to find variable 'fn'");
    expect(template('{{ fn() }}')).toContain('Unknown function "fn"');
    expect(template('{{ obj.method }}')).toContain("no attribute 'method'");
    expect(template('{{ obj.method() }}')).toContain('Method calls are not supported');
    expect(template("{{ obj['method'] }}")).toContain("no attribute 'method'");
    expect(render('{{ list }} {{ obj }} {{ obj | toJson }}', { fn, obj: { method, v: 1 }, list: [fn] })).toBe('[null] {"v":1} {"v":1}');
    expect(fn).not.toHaveBeenCalled();
    expect(method).not.toHaveBeenCalled();
  });

  it('never runs getters, toJSON or toString of the variables', () => {
    const getter = vi.fn(() => 'secret');
    const toJSON = vi.fn(() => 'hijacked');
    const toStringSpy = vi.fn(() => 'hijacked');
    const obj = Object.defineProperty({ plain: 1, toJSON, toString: toStringSpy }, 'computed', { get: getter, enumerable: true });
    expect(failsWith(() => render('{{ obj.computed }}', { obj }))).toContain("no attribute 'computed'");
    expect(render('{{ obj }} {{ obj | json }} {{ [obj] | join }}', { obj })).toBe('{"plain":1} {"plain":1} {"plain":1}');
    expect(getter).not.toHaveBeenCalled();
    expect(toJSON).not.toHaveBeenCalled();
    expect(toStringSpy).not.toHaveBeenCalled();
  });

  it('does not see into class instances, Maps or inherited properties', () => {
    class Secret {
      public token = 'abc';
    }
    const inherited = Object.create({ token: 'abc' }) as Record<string, unknown>;
    expect(failsWith(() => render('{{ s.token }}', { s: new Secret() }))).toContain("no attribute 'token'");
    expect(failsWith(() => render('{{ m.size }}', { m: new Map([['size', 1]]) }))).toContain("no attribute 'size'");
    expect(failsWith(() => render('{{ i.token }}', { i: inherited }))).toContain("no attribute 'token'");
    expect(failsWith(() => render('{{ s }}', { s: new Secret() }))).toContain('Cannot print');
  });

  it('treats constructor/__proto__ keys in data as unreachable data, and never pollutes prototypes', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "ok": 1}');
    expect(failsWith(() => render('{{ p.__proto__.polluted }}', { p: parsed }))).toContain('not accessible');
    expect(failsWith(() => render('{{ p.constructor.prototype }}', { p: parsed }))).toContain('not accessible');
    expect(render('{{ p.ok }}', { p: parsed })).toBe('1');
    expect(render("{% set m = {'__proto__': {'polluted': 'yes'}} %}{{ m | keys }}", {})).toBe('["__proto__"]');
    expect(failsWith(() => render(`{{ fromJson('{"__proto__": {"polluted": 1}}').polluted }}`, {}))).toContain("no attribute 'polluted'");
    expect(render(`{{ ('{"a": 1}' | fromJson) | merge(fromJson('{"__proto__": {"polluted": 1}}')) | keys }}`, {})).toBe('["a","__proto__"]');
    const out = renderValue(parsed, {}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('has no eval, Function constructor, dynamic import, require or I/O in the engine source', () => {
    const files = readdirSync(engineDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(8);
    for (const file of files) {
      // Comments may name what the engine avoids; only code counts.
      const source = readFileSync(join(engineDir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect(source, file).not.toMatch(/\beval\s*\(/);
      expect(source, file).not.toMatch(/new\s+Function\b|\bFunction\s*\(/);
      expect(source, file).not.toMatch(/\bimport\s*\(/);
      expect(source, file).not.toMatch(/\brequire\s*\(/);
      expect(source, file).not.toMatch(/from\s+'(node:)?(fs|child_process|net|http|https|vm|worker_threads|process)'/);
      expect(source, file).not.toMatch(/\bprocess\./);
    }
  });
});

describe('Unsupported and unknown tags, filters and functions', () => {
  it.each([
    ["{% include 'other' %}", 'Tag "include" is not supported'],
    ["{% import 'macros' %}", 'Tag "import" is not supported'],
    ["{% extends 'base' %}", 'Tag "extends" is not supported'],
    ["{% from 'x' import y %}", 'Tag "from" is not supported'],
    ['{% macro m() %}{% endmacro %}', 'Tag "macro" is not supported'],
    ['{% block b %}{% endblock %}', 'Tag "block" is not supported'],
    ['{% filter upper %}x{% endfilter %}', 'Tag "filter" is not supported'],
    ['{% exec %}', 'Unknown tag "exec"'],
    ["{{ source('/etc/hostname') }}", 'Unknown function "source"'],
    ["{{ read('/etc/passwd') }}", 'Unknown function "read"'],
    ["{{ include('x') }}", 'Unknown function "include"'],
    ["{{ secret('TOKEN') }}", 'Unknown function "secret"'],
    ["{{ 'x' | jq('.') }}", 'Unknown filter "jq"'],
    ["{{ 'x' | raw }}", 'Unknown filter "raw"'],
  ])('%s → %s', (template, message) => {
    expect(failsWith(() => render(template, {}))).toContain(message);
  });
});

/**
 * A clock that moves one millisecond each time it is read: the engine reads it every few hundred
 * evaluation steps, so a time limit is reached after a fixed amount of work, however busy the machine.
 */
function workClock(): () => number {
  let ms = 0;
  return () => ms++;
}

describe('Time limits', () => {
  it('stops a huge loop with a time-limit error', () => {
    const message = failsWith(() => render('{% for i in 0..100000000 %}{% endfor %}', {}, { timeoutMs: 100, elapsedMs: workClock() }));
    expect(message).toContain('time limit of 100 ms');
  });

  it('stops nested loops with a time-limit error', () => {
    const template = '{% for i in 0..100000 %}{% for j in 0..100000 %}{% set x = i + j %}{% endfor %}{% endfor %}';
    expect(failsWith(() => render(template, {}, { timeoutMs: 100, elapsedMs: workClock() }))).toContain('time limit');
  });

  it('stops a loop over a large list built from variables', () => {
    const big = Array.from({ length: 50_000 }, (_, i) => i);
    const template = '{% for a in big %}{% for b in big %}{% endfor %}{% endfor %}';
    expect(failsWith(() => render(template, { big }, { timeoutMs: 50, elapsedMs: workClock() }))).toContain('time limit');
  });

  it('applies one deadline to a whole renderValue call', () => {
    const loop = '{% for i in 0..20000 %}{% endfor %}';
    // How long one render of the loop takes on the work clock: a limit of twice that lets one through…
    const clock = workClock();
    render(loop, {}, { timeoutMs: 1_000_000, elapsedMs: clock });
    const oneRender = clock();
    expect(render(loop, {}, { timeoutMs: 2 * oneRender, elapsedMs: workClock() })).toBe('');
    // …but not three in one call, which share the deadline.
    expect(failsWith(() => renderValue([loop, loop, loop], {}, { timeoutMs: 2 * oneRender, elapsedMs: workClock() }))).toContain('time limit');
  });

  it('shares one deadline between the renders of one renderer', () => {
    const loop = '{% for i in 0..20000 %}{% endfor %}';
    const clock = workClock();
    render(loop, {}, { timeoutMs: 1_000_000, elapsedMs: clock });
    const oneRender = clock();
    const renderer = createRenderer({}, { timeoutMs: 2 * oneRender, elapsedMs: workClock() });
    expect(renderer.render(loop)).toBe('');
    expect(renderer.render(loop)).toBe('');
    const error = thrown(() => renderer.render(loop));
    expect(error).toBeInstanceOf(TemplateTimeLimitError);
    expect((error as TemplateTimeLimitError).timeoutMs).toBe(2 * oneRender);
  });

  it('allows 50 ms by default: a render holds the event loop no longer', () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(50);
    // A hundred million iterations take seconds on any machine: the default budget stops them.
    expect(failsWith(() => render('{% for i in 0..100000000 %}{% endfor %}', {}))).toContain('time limit of 50 ms');
  });

  it('is not caught by ?? or default', () => {
    const template = "{{ (range(0, 99999) | join(',') | length) ?? 'x' }}{% for i in 0..100000000 %}{% endfor %}";
    expect(failsWith(() => render(template, {}, { timeoutMs: 50, elapsedMs: workClock() }))).toContain('time limit');
  });
});

describe('Size limits', () => {
  it('caps materialized ranges', () => {
    expect(failsWith(() => render('{{ (0..100000000) | length }}', {}))).toContain('limit is 100000');
    expect(failsWith(() => render('{{ range(0, 100000000) }}', {}))).toContain('limit is 100000');
    expect(failsWith(() => render('{% set r = 0..100000000 %}', {}))).toContain('limit is 100000');
    expect(failsWith(() => render("{% for c in 'a'..'z' %}{% endfor %}{{ range(1, 10, 0) }}", {}))).toContain('must not be 0');
  });

  it('refuses string repetition with * (not a Pebble operation)', () => {
    expect(failsWith(() => render("{{ 'ab' * 100000000 }}", {}))).toContain('invalid operands');
  });

  it('caps strings that grow by doubling', () => {
    const template = "{% set s = 'xxxxxxxxxx' %}{% for i in 0..40 %}{% set s = s ~ s %}{% endfor %}{{ s | length }}";
    expect(failsWith(() => render(template, {}))).toContain('exceeds the output limit');
  });

  it('caps join, replace, json and list growth', () => {
    expect(failsWith(() => render("{{ range(0, 99999) | join('-') }}", {}, { maxOutputLength: 10_000 }))).toContain('limit');
    const big = 'x'.repeat(10_000);
    expect(failsWith(() => render("{{ big | replace({'x': big}) }}", { big }))).toContain('output limit');
    expect(failsWith(() => render('{% set l = [1] %}{% for i in 0..20 %}{% set l = l + l %}{% endfor %}', {}))).toContain('limit is 100000');
    const nested = '{% set l = [1] %}{% for i in 0..40 %}{% set l = [l, l] %}{% endfor %}{{ l }}';
    expect(failsWith(() => render(nested, {}, { maxOutputLength: 10_000 }))).toContain('output limit');
  });

  it('caps the rendered output', () => {
    expect(failsWith(() => render('{% for i in 0..100000 %}0123456789{% endfor %}', {}, { maxOutputLength: 1000 }))).toContain(
      'Rendered output exceeds the limit of 1000 characters',
    );
    expect(render('{% for i in 1..3 %}ab{% endfor %}', {}, { maxOutputLength: 6 })).toBe('ababab');
  });

  it('stops at cyclic or very deep data', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const other: Record<string, unknown> = { a: 1 };
    other.self = other;
    expect(failsWith(() => render('{{ c }}', { c: cyclic }))).toContain('nested too deeply');
    expect(failsWith(() => render('{{ c == d }}', { c: cyclic, d: other }))).toContain('nested too deeply');
    expect(render('{{ c.self.self.a }}', { c: cyclic })).toBe('1');
    expect(failsWith(() => renderValue(cyclic, {}))).toContain('nested too deeply');
  });
});

describe('Deep nesting', () => {
  it.each([
    ['parentheses', `{{ ${'('.repeat(10_000)}1${')'.repeat(10_000)} }}`],
    ['lists', `{{ ${'['.repeat(10_000)}${']'.repeat(10_000)} }}`],
    ['maps', `{{ ${"{'a':".repeat(10_000)}1${'}'.repeat(10_000)} }}`],
    ['unary operators', `{{ ${'not '.repeat(10_000)}true }}`],
    ['minus signs', `{{ ${'- '.repeat(10_000)}1 }}`],
    ['operator chains', `{{ 1${' + 1'.repeat(10_000)} }}`],
    ['filter chains', `{{ 'a'${' | upper'.repeat(10_000)} }}`],
    ['attribute chains', `{{ a${'.b'.repeat(10_000)} }}`],
    ['subscript chains', `{{ a${"['b']".repeat(10_000)} }}`],
    ['ternaries', `{{ ${'true ? '.repeat(5_000)}1${' : 2'.repeat(5_000)} }}`],
    ['if blocks', `${'{% if true %}'.repeat(10_000)}x${'{% endif %}'.repeat(10_000)}`],
    ['for blocks', `${'{% for i in [1] %}'.repeat(10_000)}x${'{% endfor %}'.repeat(10_000)}`],
    ['function arguments', `{{ ${'max('.repeat(10_000)}1${')'.repeat(10_000)} }}`],
    ['string interpolations', `{{ ${'"#{'.repeat(1_000)}1${'}"'.repeat(1_000)} }}`],
  ])('%s give a TemplateError, not a stack overflow', (_name, template) => {
    expect(failsWith(() => render(template, { a: {} }))).toMatch(/nested too deeply|too complex/);
  });

  it('still renders reasonable nesting', () => {
    expect(render(`{{ ${'('.repeat(50)}1${')'.repeat(50)} }}`, {})).toBe('1');
    expect(render(`{{ 1${' + 1'.repeat(200)} }}`, {})).toBe('201');
  });
});

describe('Pathological input', () => {
  it.each([
    ['a long run of spaces before {{-', `${' '.repeat(300_000)}x{{- 1 }}`, {}],
    ['trim of a long inner run of spaces', '{{ s | trim }}', { s: `a${' '.repeat(300_000)}a` }],
    ['number on a long digit string', '{{ s | number }}', { s: `${'1'.repeat(300_000)}x` }],
    ['an unclosed string', `{{ '${'a'.repeat(300_000)}`, {}],
    ['a long non-date', '{{ s | date }}', { s: '2024'.repeat(100_000) }],
    ['an existingFormat with many variable-width fields', '{{ s | date(existingFormat="MdMdMdMdMdMdMdMdMdMd") }}', { s: '1'.repeat(40) }],
    // Linear work takes milliseconds; a quadratic scan of 300,000 characters would run for minutes and
    // hit the test's limit, whatever the machine's load (no elapsed time is asserted).
  ])(
    '%s completes (no super-linear scan)',
    (_name, template, vars) => {
      try {
        render(template, vars);
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateError);
      }
    },
    10_000,
  );
});
