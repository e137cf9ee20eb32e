import { describe, expect, it } from 'vitest';
import { mapYielding } from '../../../lib/util/yielding';

/** A clock that moves `msPerRead` each time it is read: the work is measured in reads, not in the machine's time. */
function workClock(msPerRead: number): () => number {
  let ms = 0;
  return () => (ms += msPerRead);
}

describe('mapYielding', () => {
  it('maps in order, giving the event loop a turn between items once the work took `everyMs`', async () => {
    const order: string[] = [];
    // Other work on the loop (a request, say), queued again each time it runs: it only runs in a turn of the event loop.
    const other = () =>
      setImmediate(() => {
        order.push('other');
        if (order.length < 7) other();
      });
    other();
    const results = await mapYielding(
      [1, 2, 3, 4],
      (n) => {
        order.push(`item ${n}`);
        return n * 10;
      },
      { everyMs: 10, elapsedMs: workClock(12) }, // one read per item: 12 "ms" of work each
    );
    expect(results).toEqual([10, 20, 30, 40]);
    expect(order).toEqual(['item 1', 'other', 'item 2', 'other', 'item 3', 'other', 'item 4']);
  });

  it('runs fast work in one go', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('other'));
    await mapYielding([1, 2, 3], (n) => order.push(`item ${n}`), { everyMs: 10, elapsedMs: workClock(1) });
    expect(order.slice(0, 3)).toEqual(['item 1', 'item 2', 'item 3']);
  });
});
