import { describe, expect, it } from 'vitest';
import { render } from '../../../lib/domain/template';
import { LruCache } from '../../../lib/domain/template/cache';

describe('Class: LruCache', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // `a` is now the most recent
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('replaces an existing key without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});

describe('Function: render (repeated use)', () => {
  it('renders the same command for thousands of executions independently', () => {
    const template = 'echo \'{{ trigger.date ?? execution.startDate | date("yyyy-MM-dd") }}\' {{ execution.id }}';
    for (let i = 0; i < 2_000; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      const out = render(template, { execution: { id: `e${i}`, startDate: new Date() }, trigger: { date: `2024-02-${day}T00:00:00Z` } });
      if (out !== `echo '2024-02-${day}' e${i}`) throw new Error(`unexpected output ${out}`);
    }
  });

  it('takes the fast path for strings without template syntax', () => {
    const plain = 'x'.repeat(100_000);
    expect(render(plain, {}, { maxOutputLength: 10 })).toBe(plain);
  });
});
