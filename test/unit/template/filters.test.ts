import { describe, expect, it } from 'vitest';
import { render, TemplateError } from '../../../lib/domain/template';

const r = (template: string, vars: Record<string, unknown> = {}): string => render(template, vars);

describe('String filters', () => {
  it('upper, lower, capitalize, title, trim', () => {
    expect(r("{{ 'hello World' | upper }} {{ 'Hello' | lower }} {{ 'hello world' | capitalize }}")).toBe('HELLO WORLD hello Hello world');
    expect(r("{{ 'the quick  fox' | title }}|{{ '  pad \t\n' | trim }}|")).toBe('The Quick  Fox|pad|');
    expect(r('[{{ n | upper }}]', { n: null })).toBe('[]');
  });

  it('replace with a map of literal pairs', () => {
    expect(r("{{ 'a.b.c' | replace({'.': '/', 'a': 'A'}) }}")).toBe('A/b/c');
    expect(r("{{ 'cost: 5' | replace({'5': '$1'}) }}")).toBe('cost: $1');
    expect(() => r("{{ 'x' | replace({'x': 'y'}, regexp=true) }}")).toThrow(/regexp/);
  });

  it('split with a literal delimiter and Java limit semantics', () => {
    expect(r("{{ 'a,b,,c,,' | split(',') }}")).toBe('["a","b","","c"]');
    expect(r("{{ 'a.b.c' | split('.') }}")).toBe('["a","b","c"]');
    expect(r("{{ 'a,b,c' | split(',', 2) }}")).toBe('["a","b,c"]');
    expect(r("{{ 'a,b,,' | split(',', -1) }}")).toBe('["a","b","",""]');
    expect(r("{{ 'abc' | split('-') }}")).toBe('["abc"]');
  });

  it('slice on strings and lists, with Pebble bounds checks', () => {
    expect(r("{{ 'abcdef' | slice(1, 3) }} {{ [1,2,3,4] | slice(2) }}")).toBe('bc [3,4]');
    expect(() => r("{{ 'abc' | slice(1, 9) }}")).toThrow(/toIndex/);
  });

  it('escapeChar for shell, single and double quotes', () => {
    expect(r(`{{ "it's" | escapeChar('shell') }}`)).toBe("it'\\''s");
    expect(r(`{{ "L'eau c'est la vie" | escapeChar('single') }}`)).toBe("L\\'eau c\\'est la vie");
    expect(r(`{{ '"Hello"' | escapeChar('double') }}`)).toBe('\\"Hello\\"');
    expect(r("echo '{{ v | escapeChar('shell') }}'", { v: "a'; rm -rf /; echo '" })).toBe("echo 'a'\\''; rm -rf /; echo '\\'''");
    expect(() => r("{{ 'x' | escapeChar('foo') }}")).toThrow(/single', 'double', or 'shell/);
    expect(() => r("{{ 'x' | escapeChar }}")).toThrow(/expects an argument 'type'/);
  });

  it('abbreviate, urlencode, urldecode, base64, startsWith, endsWith, substring*', () => {
    expect(r("{{ 'Hello world' | abbreviate(8) }}")).toBe('Hello...');
    expect(r("{{ 'a b&c=d/é' | urlencode }}")).toBe('a+b%26c%3Dd%2F%C3%A9');
    expect(r("{{ 'a+b%26c' | urldecode }}")).toBe('a b&c');
    expect(r("{{ 'héllo' | base64encode }} {{ 'aMOpbGxv' | base64decode }}")).toBe('aMOpbGxv héllo');
    expect(r("{{ 'kestra' | startsWith('kes') }} {{ 'kestra' | endsWith('x') }}")).toBe('true false');
    expect(
      r(
        "{{ 'a/b/c' | substringBefore('/') }} {{ 'a/b/c' | substringBeforeLast('/') }} {{ 'a/b/c' | substringAfter('/') }} {{ 'a/b/c' | substringAfterLast('/') }}",
      ),
    ).toBe('a a/b b/c c');
  });
});

describe('Value and collection filters', () => {
  it('default applies to undefined, null, blank strings and empty collections', () => {
    expect(
      r(
        "{{ missing | default('d') }} {{ n | default('d') }} {{ '' | default('d') }} {{ '  ' | default('d') }} {{ [] | default('d') }} {{ 'v' | default('d') }} {{ 0 | default('d') }}",
        { n: null },
      ),
    ).toBe('d d d d d v 0');
    expect(r("{{ missing.deep.path | default('d') }}")).toBe('d');
  });

  it('length, first, last, join, reverse, sort, rsort, distinct, merge', () => {
    const vars = { l: [3, 1, 2], m: { a: 1, b: 2 }, s: 'abc', n: null };
    expect(r('{{ l | length }} {{ m | length }} {{ s | length }} {{ n | length }}', vars)).toBe('3 2 3 0');
    expect(r('{{ l | first }} {{ l | last }} {{ s | first }} {{ s | last }}', vars)).toBe('3 2 a c');
    expect(r("{{ l | join(', ') }}|{{ l | join }}|{{ [1, null, 'x'] | join('-') }}", vars)).toBe('3, 1, 2|312|1-null-x');
    expect(r("{{ l | reverse }} {{ l | sort }} {{ l | rsort }} {{ ['b', 'a'] | sort }} {{ [1, 1, 2, 1] | distinct }}", vars)).toBe(
      '[2,1,3] [1,2,3] [3,2,1] ["a","b"] [1,2]',
    );
    expect(r("{{ l | merge([4]) }} {{ m | merge({'c': 3}) }}", vars)).toBe('[3,1,2,4] {"a":1,"b":2,"c":3}');
    expect(r('{{ l }}', vars)).toBe('[3,1,2]'); // filters never mutate their input
  });

  it('keys and values of a map', () => {
    expect(r('{{ m | keys }} {{ m | values }}', { m: { a: 1, b: 'x' } })).toBe('["a","b"] [1,"x"]');
    expect(() => r('{{ 1 | keys }}')).toThrow(/expects a map/);
  });

  it('abs, number and numberFormat', () => {
    expect(r('{{ -5 | abs }} {{ -2.5 | abs }}')).toBe('5 2.5');
    expect(r("{{ '42' | number + 1 }} {{ '2.5' | number * 2 }} {{ '1e3' | number }}")).toBe('43 5 1000');
    expect(() => r("{{ 'abc' | number }}")).toThrow(/not a valid number/);
    expect(
      r(
        "{{ 1234567.891 | numberFormat('#,##0.00') }} {{ 0.125 | numberFormat('0.00') }} {{ 0.135 | numberFormat('0.00') }} {{ 3 | numberFormat('000') }} {{ 0.5 | numberFormat('#.##') }} {{ 0.256 | numberFormat('0.#%') }}",
      ),
    ).toBe('1,234,567.89 0.12 0.14 003 .5 25.6%');
    expect(r('{{ 1234.5678 | numberFormat }} {{ -1234.5 | numberFormat("#,##0.00") }}')).toBe('1,234.568 -1,234.50');
  });

  it('json and toJson serialize like Jackson (nulls dropped unless includeNulls)', () => {
    const vars = { m: { a: 1, b: null, s: 'q"uote', l: [1, null], d: new Date('2024-01-01T00:00:00Z') } };
    expect(r('{{ m | toJson }}', vars)).toBe('{"a":1,"s":"q\\"uote","l":[1,null],"d":"2024-01-01T00:00:00Z"}');
    expect(r('{{ m | json(includeNulls=true) }}', vars)).toBe('{"a":1,"b":null,"s":"q\\"uote","l":[1,null],"d":"2024-01-01T00:00:00Z"}');
    expect(r("{{ 'x' | toJson }} {{ n | toJson }} {{ 1.5 | json }}", { n: null })).toBe('"x" null 1.5');
  });

  it('fromJson parses as a filter and as a function', () => {
    expect(r(`{{ ('{"a": {"b": [1, 2]}}' | fromJson).a.b[1] }}`)).toBe('2');
    expect(r(`{{ fromJson('{"k": "v"}').k }} {{ json('[1,2]') | length }}`)).toBe('v 2');
    expect(() => r("{{ '{bad' | fromJson }}")).toThrow(/Invalid JSON/);
  });
});

describe('Unknown names', () => {
  it('fails on an unknown filter, function or test, at parse time', () => {
    const message = (template: string): string => {
      try {
        r(template);
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateError);
        return (error as Error).message;
      }
      throw new Error('no error');
    };
    expect(message("{% if false %}{{ 'x' | nosuchfilter }}{% endif %}")).toContain('Unknown filter "nosuchfilter"');
    expect(message('{{ nosuchfunction() }}')).toContain('Unknown function "nosuchfunction"');
    expect(message('{{ 1 is prime }}')).toContain('Unknown test "prime"');
    expect(message('{% nosuchtag %}')).toContain('Unknown tag "nosuchtag"');
  });
});
