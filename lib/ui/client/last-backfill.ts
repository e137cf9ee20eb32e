/** What the triggers table says about a trigger's previous backfill, once it is gone. */
import type { Trigger } from './api';
import { cancelledNote } from './backfill-status';

type LastBackfill = NonNullable<Trigger['lastBackfill']>;

/** The badge of an outcome; neutral for the others (DELETED, ABANDONED). */
const BADGES: Partial<Record<LastBackfill['outcome'], string>> = { FAILED: 'state-failed', CANCELLED: 'state-killed', COMPLETED: 'state-success' };

/** The previous backfill's summary as the Triggers tab shows it. */
export interface LastBackfillNote {
  outcome: LastBackfill['outcome'];
  /** The badge's state class: failed for FAILED, killed for CANCELLED, success for COMPLETED, neutral otherwise. */
  badge: string;
  endedDate: string;
  /** For a FAILED one: why its state machine gave up; for one its failure policy cancelled, the failures. */
  reason?: string;
  start?: string;
  end?: string;
  createdDate?: string;
  counts?: LastBackfill['counts'];
  /** The counts in one line: "10 of 10 ticks dispatched: 9 succeeded · 1 failed". */
  countsText?: string;
}

/**
 * The previous backfill, for as long as no new one runs: how and when it ended, its window and
 * counts, so that the operator sees what it did before starting another (and, for a FAILED one,
 * why its state machine gave up on it).
 */
export function lastBackfillNote(trigger: Pick<Trigger, 'backfill' | 'lastBackfill'>): LastBackfillNote | undefined {
  const last = trigger.lastBackfill;
  if (trigger.backfill || !last) return undefined;
  const badge = BADGES[last.outcome] ?? 'state-created';
  const cancelled = cancelledNote(last);
  return {
    outcome: last.outcome,
    badge,
    endedDate: last.endedDate,
    ...(last.outcome === 'FAILED' ? { reason: last.reason ?? 'no reason recorded' } : {}),
    ...(cancelled ? { reason: cancelled } : {}),
    ...(last.start ? { start: last.start } : {}),
    ...(last.end ? { end: last.end } : {}),
    ...(last.createdDate ? { createdDate: last.createdDate } : {}),
    ...(last.counts ? { counts: last.counts, countsText: countsText(last.counts) } : {}),
  };
}

function countsText(c: NonNullable<LastBackfill['counts']>): string {
  const parts = [`${c.succeeded} succeeded`, `${c.failed} failed`];
  if (c.killed) parts.push(`${c.killed} killed`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  // Executions a deleted, abandoned or failed backfill left queued or running: they ran on.
  if (c.unfinished) parts.push(`${c.unfinished} still running when it ended`);
  return `${c.dispatched} of ${c.total} ticks dispatched: ${parts.join(' · ')}`;
}
