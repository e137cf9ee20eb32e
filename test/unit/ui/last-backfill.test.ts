import { describe, expect, it } from 'vitest';
import { lastBackfillNote } from '../../../lib/ui/client/last-backfill';

const failed = { id: 'bf1', outcome: 'FAILED' as const, endedDate: '2026-03-01T15:00:00.000Z', reason: 'dispatch kept failing' };
const completed = {
  id: 'bf2',
  outcome: 'COMPLETED' as const,
  endedDate: '2026-03-01T15:00:00.000Z',
  start: '2026-02-01T00:00:00Z',
  end: '2026-02-01T09:00:00Z',
  createdDate: '2026-03-01T14:00:00.000Z',
  counts: { total: 10, dispatched: 10, succeeded: 8, failed: 1, killed: 0, skipped: 1, unfinished: 0 },
};

describe('lastBackfillNote', () => {
  it('shows a FAILED previous backfill and its reason while no backfill runs', () => {
    expect(lastBackfillNote({ lastBackfill: failed })).toEqual({
      outcome: 'FAILED',
      badge: 'state-failed',
      endedDate: failed.endedDate,
      reason: 'dispatch kept failing',
    });
  });

  it("shows a finished backfill's window, times and counts in one line", () => {
    expect(lastBackfillNote({ lastBackfill: completed })).toEqual({
      outcome: 'COMPLETED',
      badge: 'state-success',
      endedDate: completed.endedDate,
      start: completed.start,
      end: completed.end,
      createdDate: completed.createdDate,
      counts: completed.counts,
      countsText: '10 of 10 ticks dispatched: 8 succeeded · 1 failed · 1 skipped',
    });
  });

  it('says how many executions a deleted backfill left running', () => {
    const deleted = {
      ...completed,
      outcome: 'DELETED' as const,
      counts: { total: 10, dispatched: 6, succeeded: 3, failed: 0, killed: 0, skipped: 0, unfinished: 3 },
    };

    expect(lastBackfillNote({ lastBackfill: deleted })).toMatchObject({
      badge: 'state-created',
      countsText: '6 of 10 ticks dispatched: 3 succeeded · 0 failed · 3 still running when it ended',
    });
  });

  it('shows nothing once a new backfill runs, or when there was none', () => {
    expect(lastBackfillNote({ lastBackfill: failed, backfill: {} as never })).toBeUndefined();
    expect(lastBackfillNote({})).toBeUndefined();
  });
});
