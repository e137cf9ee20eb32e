import { describe, expect, it } from 'vitest';
import { failedLastBackfill } from '../../../lib/ui/client/last-backfill';

const failed = { id: 'bf1', outcome: 'FAILED' as const, endedDate: '2026-03-01T15:00:00.000Z', reason: 'dispatch kept failing' };

describe('failedLastBackfill', () => {
  it('shows a FAILED previous backfill and its reason while no backfill runs', () => {
    expect(failedLastBackfill({ lastBackfill: failed })).toEqual({ endedDate: failed.endedDate, reason: 'dispatch kept failing' });
  });

  it('shows nothing once a new backfill runs, or when the previous one ended otherwise', () => {
    expect(failedLastBackfill({ lastBackfill: failed, backfill: {} as never })).toBeUndefined();
    expect(failedLastBackfill({ lastBackfill: { ...failed, outcome: 'COMPLETED' } })).toBeUndefined();
    expect(failedLastBackfill({})).toBeUndefined();
  });
});
