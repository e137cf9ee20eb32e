/** What the triggers table says about a trigger's previous backfill, once it is gone. */
import type { Trigger } from './api';

/**
 * A FAILED previous backfill, with its reason, for as long as no new one runs: its state machine
 * gave up on it (its tasks kept failing), and the operator should know before starting another.
 * The other outcomes (completed, deleted, abandoned) need no notice.
 */
export function failedLastBackfill(trigger: Pick<Trigger, 'backfill' | 'lastBackfill'>): { endedDate: string; reason: string } | undefined {
  const last = trigger.lastBackfill;
  if (trigger.backfill || last?.outcome !== 'FAILED') return undefined;
  return { endedDate: last.endedDate, reason: last.reason ?? 'no reason recorded' };
}
