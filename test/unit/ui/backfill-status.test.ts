import { describe, expect, it } from 'vitest';
import { backfillStatus, cancelledNote } from '../../../lib/ui/client/backfill-status';

const TRIP = { kind: 'FAILURE_POLICY' as const, failed: 4, threshold: 3, at: '2026-03-01T12:00:00.000Z' };

describe('backfillStatus', () => {
  it('running, paused (by hand, or by its failure policy saying why), or being cancelled', () => {
    expect(backfillStatus({ paused: false })).toEqual({ label: 'Running', badge: 'state-running' });
    expect(backfillStatus({ paused: true })).toEqual({ label: 'Paused', badge: 'state-paused' });
    expect(backfillStatus({ paused: true, pausedReason: TRIP })).toEqual({
      label: 'Paused',
      badge: 'state-paused',
      note: 'Paused by its failure policy: 4 executions FAILED, more than the 3 its failure policy tolerates',
    });
    expect(backfillStatus({ paused: true, cancelling: { at: TRIP.at, by: 'x' } })).toEqual({
      label: 'Cancelling',
      badge: 'state-killed',
      note: 'Cancelled: its running executions are being killed',
    });
    expect(backfillStatus({ paused: false, cancelling: { at: TRIP.at, by: 'x', reason: TRIP } }).note).toBe(
      'Cancelled by its failure policy (4 executions FAILED, more than the 3 its failure policy tolerates): its running executions are being killed',
    );
  });
});

describe('cancelledNote', () => {
  it('says why a cancelled backfill was cancelled, when its failure policy did it', () => {
    expect(cancelledNote({ id: 'b', outcome: 'CANCELLED', endedDate: TRIP.at, cancelledReason: TRIP })).toBe(
      'Cancelled by its failure policy: 4 executions FAILED, more than the 3 its failure policy tolerates',
    );
    expect(cancelledNote({ id: 'b', outcome: 'CANCELLED', endedDate: TRIP.at })).toBeUndefined();
  });
});
