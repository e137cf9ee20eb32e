import { describe, expect, it } from 'vitest';
import { readsOf } from '../../../lib/domain/template';

const names = (template: string) => [...readsOf(template).variables].sort();

describe('readsOf', () => {
  it('names the root variables a template looks up, wherever they appear', () => {
    expect(names("{{ trigger.date | date('yyyy') }}-{{ flow.id }}")).toEqual(['flow', 'trigger']);
    expect(names('{{ a ?? b.c[d] }}')).toEqual(['a', 'b', 'd']);
    expect(names("{{ x ? y : z }}{{ 'k' ~ w }}{{ [p, {q: r}] }}{{ -s }}{{ t is defined }}{{ u..v }}")).toEqual([
      'p',
      'q',
      'r',
      's',
      't',
      'u',
      'v',
      'w',
      'x',
      'y',
      'z',
    ]);
    expect(names("{{ 'a' | replace({'a': execution.id}) }}")).toEqual(['execution']);
  });

  it('walks tags: if, for (iterable, body, else) and set', () => {
    expect(names('{% if a %}{{ b }}{% elseif c %}{{ d }}{% else %}{{ e }}{% endif %}')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(names('{% for i in items %}{{ i }}{% else %}{{ empty }}{% endfor %}')).toEqual(['empty', 'i', 'items']);
    expect(names('{% set x = trigger.date %}')).toEqual(['trigger']);
  });

  it('counts a name the template defines itself, so shadowing a variable never hides a read', () => {
    expect(names('{% set trigger = 1 %}{{ trigger }}')).toEqual(['trigger']);
  });

  it('reports the clock for now(), however deep', () => {
    expect(readsOf('{{ now() }}').clock).toBe(true);
    expect(readsOf("{{ 'x' ~ (now(format='yyyy') | upper) }}").clock).toBe(true);
    expect(readsOf("{{ '2024-01-01' | date('yyyy') }}{{ range(1, 3) | join(',') }}").clock).toBe(false);
  });

  it('reads nothing from plain text or a template of literals', () => {
    expect(readsOf('no template here')).toEqual({ variables: new Set(), clock: false });
    expect(readsOf('{% for i in 0..3 %}{% endfor %}{{ 1 + 2 }}')).toEqual({ variables: new Set(), clock: false });
  });

  it('throws the syntax error of a template that does not parse', () => {
    expect(() => readsOf('{{ trigger.date ')).toThrow(/line 1/);
  });
});
