/** What a running backfill's badge says: running, paused (and why, when its failure policy paused it) or being cancelled. */
import type { Backfill, Trigger } from './api';

type FailurePolicyTrip = NonNullable<Backfill['pausedReason']>;

export interface BackfillStatus {
  label: 'Running' | 'Paused' | 'Cancelling';
  /** The badge's state class. */
  badge: string;
  /** Why it stopped, in words, when it says (its failure policy tripped). */
  note?: string;
}

/** The failure policy's trip in words: how many FAILED, how many it tolerates. */
function failurePolicyNote(trip: FailurePolicyTrip): string {
  return `${trip.failed} execution${trip.failed === 1 ? '' : 's'} FAILED, more than the ${trip.threshold} its failure policy tolerates`;
}

/** The backfill's status as the Triggers tab and the Details drawer show it. */
export function backfillStatus(b: Pick<Backfill, 'paused' | 'pausedReason' | 'cancelling'>): BackfillStatus {
  if (b.cancelling) {
    const why = b.cancelling.reason ? `Cancelled by its failure policy (${failurePolicyNote(b.cancelling.reason)})` : 'Cancelled';
    return { label: 'Cancelling', badge: 'state-killed', note: `${why}: its running executions are being killed` };
  }
  if (b.paused)
    return {
      label: 'Paused',
      badge: 'state-paused',
      ...(b.pausedReason ? { note: `Paused by its failure policy: ${failurePolicyNote(b.pausedReason)}` } : {}),
    };
  return { label: 'Running', badge: 'state-running' };
}

/** Why the previous backfill was cancelled, when its failure policy cancelled it. */
export function cancelledNote(last: NonNullable<Trigger['lastBackfill']>): string | undefined {
  return last.cancelledReason ? `Cancelled by its failure policy: ${failurePolicyNote(last.cancelledReason)}` : undefined;
}
