import { describe, expect, it } from 'vitest';
import { render, renderValue, TemplateError } from '../../../lib/domain/template';

const startDate = new Date('2025-04-29T11:30:00.512Z');
const scheduled = {
  execution: { id: 'exec1', startDate },
  trigger: { date: '2025-04-29T03:00:00Z', next: '2025-04-30T03:00:00Z' },
};
const manual = { execution: { id: 'exec2', startDate } };

/** Runs `fn` and returns the `TemplateError` it throws (fails the test otherwise). */
function templateError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).name).toBe('TemplateError');
    return error as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

describe('Function: render', () => {
  describe('Kestra coalescing idioms', () => {
    it('uses trigger.date on a scheduled or backfilled execution', () => {
      expect(render('{{ trigger.date ?? execution.startDate }}', scheduled)).toBe('2025-04-29T03:00:00Z');
    });

    it('falls back to execution.startDate when there is no trigger', () => {
      expect(render('{{ trigger.date ?? execution.startDate }}', manual)).toBe('2025-04-29T11:30:00.512Z');
    });

    it('keeps the left side whenever it is defined (execution.startDate ?? trigger.date)', () => {
      expect(render('{{ execution.startDate ?? trigger.date }}', scheduled)).toBe('2025-04-29T11:30:00.512Z');
      expect(render('{{ execution.startDate ?? trigger.date }}', manual)).toBe('2025-04-29T11:30:00.512Z');
    });

    it('binds ?? tighter than the filter pipe', () => {
      const template = '{{ trigger.date ?? execution.startDate | date("yyyy-MM-dd HH:mm") }}';
      expect(render(template, scheduled)).toBe('2025-04-29 03:00');
      expect(render(template, manual)).toBe('2025-04-29 11:30');
    });

    it('?? falls back on null and on a missing attribute of null', () => {
      expect(render("{{ x ?? 'fallback' }}", { x: null })).toBe('fallback');
      expect(render("{{ x.y.z ?? 'fallback' }}", { x: null })).toBe('fallback');
      expect(render("{{ a ?? b ?? 'third' }}", {})).toBe('third');
    });

    it('??? falls back only when the left side is undefined, not when it is null', () => {
      expect(render("{{ missing ??? 'IS UNDEFINED' }}", {})).toBe('IS UNDEFINED');
      expect(render("[{{ x ??? 'IS NULL' }}]", { x: null })).toBe('[]');
      expect(render("{{ null ??? 'IS NULL' }}", {})).toBe('');
      expect(render("{{ x ??? 'no' }}", { x: 0 })).toBe('0');
    });

    it('does not swallow errors other than undefined variables', () => {
      expect(templateError(() => render("{{ (1 / 0) ?? 'x' }}", {})).message).toContain('/ by zero');
    });
  });

  describe('strict variables', () => {
    it('names the missing variable and the path it starts', () => {
      const error = templateError(() => render('Day: {{ trigger.date }}', manual));
      expect(error.message).toContain("Unable to find variable 'trigger'");
      expect(error.message).toContain('trigger.date');
      expect(error.line).toBe(1);
      expect(error.column).toBe(9);
    });

    it('names a missing attribute', () => {
      const error = templateError(() => render('{{ execution.nope }}', manual));
      expect(error.message).toContain("'execution.nope'");
      expect(error.message).toContain("no attribute 'nope'");
    });

    it('fails on an attribute of null', () => {
      expect(templateError(() => render('{{ x.y }}', { x: null })).message).toContain("'x' is null");
    });

    it('reports the line and column of the failing expression', () => {
      const error = templateError(() => render('line one\n  {{ ok }} {{ nope }}', { ok: 1 }));
      expect(error.line).toBe(2);
      expect(error.column).toBe(15);
      expect(error.message).toContain('line 2, column 15');
    });

    it('treats a variable set to undefined as missing', () => {
      expect(() => render('{{ trigger }}', { trigger: undefined })).toThrow(/Unable to find variable 'trigger'/);
    });
  });

  describe('printing', () => {
    it('prints strings, numbers, booleans, null and dates like Kestra', () => {
      const vars = { s: 'txt', i: 42, f: 1.5, big: 1e21, small: 1.5e-7, t: true, n: null, d: new Date('2024-03-28T06:30:00Z') };
      expect(render('{{ s }}|{{ i }}|{{ f }}|{{ big }}|{{ small }}|{{ t }}|{{ n }}|{{ d }}', vars)).toBe('txt|42|1.5|1.0E21|1.5E-7|true||2024-03-28T06:30:00Z');
    });

    it('prints lists and maps as JSON, without null map entries', () => {
      expect(render('{{ l }} {{ m }}', { l: [1, 'a', null], m: { a: 1, b: null, c: [true] } })).toBe('[1,"a",null] {"a":1,"c":[true]}');
    });

    it('returns a string without template syntax unchanged', () => {
      const text = 'echo "{ not a template }" and { {';
      expect(render(text, {})).toBe(text);
    });
  });

  describe('expressions', () => {
    it('evaluates literals, lists, maps, attributes and subscripts', () => {
      const vars = { m: { 'a-b': { c: [10, 20] } }, k: 'a-b' };
      expect(render("{{ m['a-b'].c[1] }} {{ m[k]['c'][0] }} {{ [1, 'two', [3]] }} {{ {'x': 1, 'y': 'z'} }}", vars)).toBe('20 10 [1,"two",[3]] {"x":1,"y":"z"}');
      expect(render("{{ true }} {{ FALSE }} {{ none }} {{ \"d\\\"q\" }} {{ 's\\'q' }} {{ 'back\\n' }}", {})).toBe('true false  d"q s\'q back\\n');
    });

    it('follows Java arithmetic: integer division, float literals, string +', () => {
      expect(render('{{ 10 / 4 }} {{ 10 / 4.0 }} {{ -7 / 2 }} {{ 7 % 3 }} {{ 2 * 3 + 1 }} {{ 2 + 3 * 4 }} {{ (2 + 3) * 4 }}', {})).toBe('2 2.5 -3 1 7 14 20');
      expect(render("{{ 'a' + 1 }} {{ 1 + 'a' }} {{ 'n' + null }}", {})).toBe('a1 1a nnull');
      expect(templateError(() => render('{{ 1 / 0 }}', {})).message).toContain('/ by zero');
      expect(templateError(() => render("{{ 1 - 'a' }}", {})).message).toContain('invalid operands');
    });

    it('concatenates with ~ before applying a filter (~ is 110, | is 100)', () => {
      expect(render("{{ 'a' ~ 'b' | upper }}", {})).toBe('AB');
      expect(render("{{ 'n=' ~ 1 + 2 }}", {})).toBe('n=12');
      expect(render("{{ 'n=' ~ (1 + 2) }}", {})).toBe('n=3');
    });

    it('compares numbers, strings and values', () => {
      expect(
        render("{{ 1 < 2 }} {{ 2 <= 1 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ 'a' == 'a' }} {{ [1,2] == [1,2] }} {{ {'a':1} equals {'a':1} }} {{ 1 != 2 }}", {}),
      ).toBe('true false true true true true true true');
      expect(render('{{ n > 1 }}', { n: null })).toBe('false');
      expect(templateError(() => render("{{ 1 < 'a' }}", {})).message).toContain('compare');
    });

    it('supports and, or, not with Pebble precedence and short-circuit', () => {
      expect(render('{{ true and false or true }} {{ not false }} {{ false and missing }} {{ true or missing }}', {})).toBe('true true false true');
      expect(render('{{ not 1 == 2 }}', {})).toBe('false'); // (not 1) == 2
    });

    it('supports contains, in and not in', () => {
      const vars = { l: ['a', 'b'], m: { k: 'v' } };
      expect(
        render(
          "{{ l contains 'a' }} {{ l contains ['a','b'] }} {{ m contains 'k' }} {{ 'hello' contains 'ell' }} {{ 'c' in l }} {{ 'v' in m }} {{ 'c' not in l }}",
          vars,
        ),
      ).toBe('true true true true false true true');
    });

    it('supports the ternary operator, also nested', () => {
      expect(render("{{ x > 1 ? 'big' : 'small' }} {{ x > 5 ? 'a' : x > 1 ? 'b' : 'c' }}", { x: 3 })).toBe('big b');
      expect(render("{{ n ? 'yes' : 'no' }}", { n: null })).toBe('no');
    });

    it('supports tests with is and is not', () => {
      const vars = { n: null, e: '  ', l: [], m: { a: 1 }, four: 4 };
      expect(
        render(
          '{{ missing is defined }} {{ n is defined }} {{ four is defined }} {{ n is null }} {{ e is empty }} {{ l is empty }} {{ m is not empty }} {{ four is even }} {{ four is odd }} {{ l is iterable }} {{ m is map }} {{ \'{"a":1}\' is json }}',
          vars,
        ),
      ).toBe('false false true true true true true true false true true true');
      expect(render('{{ four + 1 is odd }}', vars)).toBe('true'); // `is` (20) binds looser than `+` (40)
    });

    it('supports ranges and Pebble string interpolation', () => {
      expect(render("{{ 1..4 }} {{ 'a'..'c' }} {{ 3..1 }}", {})).toBe('[1,2,3,4] ["a","b","c"] []');
      expect(render('{{ "Hi #{ name | upper }, #{ 1 + 1 }!" }}', { name: 'bob' })).toBe('Hi BOB, 2!');
    });

    it('calls functions with positional and named arguments', () => {
      expect(render('{{ range(0, 10, 5) }} {{ min(3, 1, 2) }} {{ max(3, 9) }}', {})).toBe('[0,5,10] 1 9');
    });
  });

  describe('tags', () => {
    it('renders if / elseif / else', () => {
      const t = '{% if n > 10 %}big{% elseif n > 5 %}medium{% else %}small{% endif %}';
      expect(render(t, { n: 11 })).toBe('big');
      expect(render(t, { n: 6 })).toBe('medium');
      expect(render(t, { n: 1 })).toBe('small');
      expect(render("{% if 'x' %}str{% endif %}{% if 0 %}zero{% endif %}", {})).toBe('str');
    });

    it('fails on a null or list condition, like Pebble in strict mode', () => {
      expect(() => render('{% if n %}x{% endif %}', { n: null })).toThrow(TemplateError);
      expect(() => render('{% if l %}x{% endif %}', { l: [1] })).toThrow(TemplateError);
    });

    it('renders for loops with loop.index (0-based), first, last, length, revindex', () => {
      const t =
        '{% for x in items %}{{ loop.index }}/{{ loop.length }}:{{ x }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{{ loop.revindex }} {% endfor %}';
      expect(render(t, { items: ['a', 'b', 'c'] })).toBe('0/3:aF2 1/3:b1 2/3:cL0 ');
    });

    it('iterates over maps as key/value entries and over ranges', () => {
      expect(render('{% for e in m %}{{ e.key }}={{ e.value }};{% endfor %}', { m: { a: 1, b: 2 } })).toBe('a=1;b=2;');
      expect(render('{% for i in 1..3 %}{{ i }}{% endfor %}', {})).toBe('123');
    });

    it('renders the else branch of an empty loop, and nothing for null', () => {
      expect(render('{% for x in l %}{{ x }}{% else %}empty{% endfor %}', { l: [] })).toBe('empty');
      expect(render('[{% for x in l %}{{ x }}{% else %}empty{% endfor %}]', { l: null })).toBe('[]');
    });

    it('sets variables, updating an outer one from inside a loop', () => {
      expect(render('{% set total = 0 %}{% for i in [1, 2, 3] %}{% set total = total + i %}{% endfor %}{{ total }}', {})).toBe('6');
      expect(render("{% set name = 'x' %}{{ name }}", { name: 'shadowed' })).toBe('x');
      expect(() => render('{% for i in [1] %}{% set inner = i %}{% endfor %}{{ inner }}', {})).toThrow(/inner/);
    });

    it('keeps raw blocks and drops comments', () => {
      expect(render('{% raw %}{{ not.rendered }} {% if %}{% endraw %}!', {})).toBe('{{ not.rendered }} {% if %}!');
      expect(render('{% verbatim %}{{ x }}{% endverbatim %}', {})).toBe('{{ x }}');
      expect(render('a{# a {{ comment }} #}b', {})).toBe('ab');
    });

    it('applies whitespace control on both sides', () => {
      expect(render('a \n {{- x -}} \n b', { x: 1 })).toBe('a1b');
      expect(render('<ul>\n  {%- for i in [1, 2] %}\n  <li>{{ i }}</li>\n  {%- endfor %}\n</ul>', {})).toBe('<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>');
      expect(render('a  {#- c -#}  b', {})).toBe('ab');
      expect(render('x {%- raw -%}  {{ y }}  {%- endraw -%} z', {})).toBe('x{{ y }}z');
      expect(render('{{ 5 - 3 }}', {})).toBe('2');
    });

    it('reports unclosed or unexpected tags with their position', () => {
      expect(templateError(() => render('{% if true %}x', {})).message).toMatch(/Unclosed "if".*line 1, column 1/);
      expect(templateError(() => render('{% for x in l %}', { l: [] })).message).toContain('endfor');
      expect(templateError(() => render('{% endif %}', {})).message).toContain('Unexpected tag "endif"');
      expect(templateError(() => render('{{ x ', {})).message).toContain('Unclosed "{{"');
      expect(templateError(() => render('{{ (1 }}', {})).message).toContain('Unclosed "("');
      expect(templateError(() => render("{{ 'abc }}", {})).message).toContain('Unclosed string');
      expect(templateError(() => render('{# never closed', {})).message).toContain('Unclosed comment');
      expect(templateError(() => render('{% raw %} x', {})).message).toContain('endraw');
      expect(templateError(() => render('{{ }}', {})).message).toContain('Empty expression');
      expect(templateError(() => render('{{ a b }}', { a: 1, b: 2 })).message).toContain('Expected "}}"');
    });
  });

  describe('argument binding', () => {
    it('rejects unknown named arguments and too many positional ones', () => {
      expect(templateError(() => render('{{ d | date(timezone="UTC") }}', { d: startDate })).message).toContain('no argument named "timezone"');
      expect(templateError(() => render("{{ 'a' | upper(1) }}", {})).message).toContain('too many');
      expect(templateError(() => render("{{ 'a' | replace(regexp=false, {'a': 'b'}) }}", {})).message).toContain('Positional');
      expect(templateError(() => render("{{ 'a' | default('x', default='y') }}", {})).message).toContain('twice');
    });
  });
});

describe('Function: renderValue', () => {
  it('renders every string of a nested value, keys included, and keeps the rest', () => {
    const input = { cmd: ['echo {{ inputs.day }}', 3, true, null], '{{ inputs.key }}': { deep: '{{ inputs.day | upper }}' } };
    const output = renderValue(input, { inputs: { day: 'mon', key: 'k' } });
    expect(output).toEqual({ cmd: ['echo mon', 3, true, null], k: { deep: 'MON' } });
    expect(input.cmd[0]).toBe('echo {{ inputs.day }}');
  });

  it('renders a plain string and returns non-strings as they are', () => {
    expect(renderValue('{{ 1 + 1 }}', {})).toBe('2');
    expect(renderValue(42, {})).toBe(42);
    const date = new Date(0);
    expect(renderValue(date, {})).toBe(date);
  });

  it('raises TemplateError for a bad string anywhere in the value', () => {
    expect(() => renderValue({ a: [{ b: '{{ nope }}' }] }, {})).toThrow(/nope/);
  });
});
