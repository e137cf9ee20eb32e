import { describe, expect, it } from 'vitest';
import type { TimelineBucket } from '../../../lib/api/responses';
import { cellBackground, describeCell, mainState } from '../../../lib/ui/client/timeline-cells';

const bucket = (counts: Partial<TimelineBucket>): TimelineBucket => ({
  from: '2026-02-01T00:00:00Z',
  to: '2026-02-03T23:59:59.999Z',
  ticks: 0,
  pending: 0,
  queued: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  killed: 0,
  skipped: 0,
  ...counts,
});

describe('timeline cells', () => {
  it('say the tick and its state for a cell of one tick', () => {
    expect(describeCell(bucket({ from: '2026-02-01T03:00:00Z', to: '2026-02-01T03:00:00Z', ticks: 1, running: 1 }))).toBe(
      'Tick 2026-02-01 03:00:00 UTC: running',
    );
  });

  it('say the range, its ticks and the count in each state for a larger cell, or that it has none', () => {
    expect(describeCell(bucket({ ticks: 72, succeeded: 60, failed: 2, pending: 10 }))).toBe(
      '2026-02-01 00:00:00 UTC → 2026-02-03 23:59:59 UTC: 72 ticks: 60 succeeded, 2 failed, 10 pending',
    );
    expect(describeCell(bucket({}))).toBe('2026-02-01 00:00:00 UTC → 2026-02-03 23:59:59 UTC: no tick');
  });

  it('are painted as stacked shares of their states, bottom up, and named by the largest', () => {
    const mixed = bucket({ ticks: 4, succeeded: 1, failed: 1, pending: 2 });

    expect(cellBackground(mixed)).toBe('linear-gradient(to top, var(--tl-succeeded) 0% 25%, var(--tl-failed) 25% 50%, var(--tl-pending) 50% 100%)');
    expect(mainState(mixed)).toBe('pending');
    expect(mainState(bucket({ ticks: 2, succeeded: 1, failed: 1 }))).toBe('succeeded');
    expect(mainState(bucket({}))).toBe('empty');
    expect(cellBackground(bucket({}))).toBeUndefined();
  });
});
