import { describe, expect, it } from 'vitest';
import type { Backfill } from '../../../lib/ui/client/api';
import { nextScheduledDate } from '../../../lib/ui/client/trigger-dates';

const progress = (dispatched: number, total = 10): Backfill['progress'] => ({
  total,
  dispatched,
  queued: 0,
  running: 0,
  succeeded: dispatched,
  failed: 0,
  killed: 0,
  skipped: 0,
  rate: null,
  eta: null,
});
const backfill = (dispatched: number) => ({ currentDate: '2026-02-01T03:00:00Z', progress: progress(dispatched) }) as Backfill;

describe('trigger dates', () => {
  it("shows the live schedule's next tick as the next execution, never the backfill's cursor", () => {
    expect(nextScheduledDate({ nextEvaluationDate: '2026-03-01T13:00:00Z' })).toBe('2026-03-01T13:00:00Z');
    expect(nextScheduledDate({ nextEvaluationDate: '2026-02-01T03:00:00Z', liveNextEvaluationDate: '2026-03-01T13:00:00Z', backfill: backfill(2) })).toBe(
      '2026-03-01T13:00:00Z',
    );
    // Disabled, or a schedule with no tick to come: no live date, and the cursor is not shown in its place.
    expect(nextScheduledDate({ nextEvaluationDate: '2026-02-01T03:00:00Z', backfill: backfill(2) })).toBeUndefined();
    expect(nextScheduledDate({})).toBeUndefined();
  });
});
