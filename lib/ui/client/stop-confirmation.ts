/**
 * What Delete and Cancel say before they act: Kestra's delete stops dispatching and lets what was
 * sent run on, our cancel kills it too. With the numbers of the backfill's `progress`, so the
 * difference is concrete ("the 3 already queued or running go on").
 */
import type { Backfill } from './api';

export type StopAction = 'delete' | 'cancel';

export interface StopConfirmation {
  title: string;
  /** What it does, in one sentence. */
  text: string;
  /** The confirming button. */
  confirm: string;
  /** Executions queued or running now. */
  inFlight: number;
  /** Ticks not dispatched yet: neither action ever runs them. */
  notDispatched: number;
}

/** The confirmation of `action` for a backfill whose counts are `progress`. */
export function stopConfirmation(action: StopAction, progress: Backfill['progress'] | undefined): StopConfirmation {
  return phrased(action, progress);
}

/**
 * The confirmation of `action` in bulk (the Triggers page), for the active backfills of the triggers
 * chosen: the same sentence, their counts summed, naming how many backfills it stops.
 */
export function bulkStopConfirmation(action: StopAction, backfills: readonly Pick<Backfill, 'progress'>[]): StopConfirmation {
  const summed = { total: 0, dispatched: 0, queued: 0, running: 0 };
  for (const { progress } of backfills) {
    summed.total += progress?.total ?? 0;
    summed.dispatched += progress?.dispatched ?? 0;
    summed.queued += progress?.queued ?? 0;
    summed.running += progress?.running ?? 0;
  }
  return phrased(action, summed, backfills.length);
}

/** The sentence for one backfill, or for `many` of them (bulk). */
function phrased(
  action: StopAction,
  progress: Pick<Backfill['progress'], 'total' | 'dispatched' | 'queued' | 'running'> | undefined,
  many?: number,
): StopConfirmation {
  const inFlight = (progress?.queued ?? 0) + (progress?.running ?? 0);
  const notDispatched = Math.max(0, (progress?.total ?? 0) - (progress?.dispatched ?? 0));
  const rest =
    notDispatched > 0
      ? ` The ${notDispatched.toLocaleString('en-US')} tick${notDispatched === 1 ? '' : 's'} not dispatched yet never run${notDispatched === 1 ? 's' : ''}.`
      : '';
  const backfills = many === undefined ? 'backfill' : `${many.toLocaleString('en-US')} backfill${many === 1 ? '' : 's'}`;
  // Whose executions: the backfill's, or those of the backfills chosen.
  const of = many === undefined ? '' : ` of the ${backfills} chosen`;
  if (action === 'delete') {
    const running =
      inFlight === 0
        ? "none is queued or running now (those would go on: Kestra's delete)"
        : `the ${inFlight.toLocaleString('en-US')} already queued or running ${inFlight === 1 ? 'goes' : 'go'} on (Kestra's delete)`;
    return {
      title: `Delete ${backfills}?`,
      text: `Delete stops dispatching new executions${of}; ${running}.${rest}`,
      confirm: `Delete ${backfills}`,
      inFlight,
      notDispatched,
    };
  }
  const killed =
    inFlight === 0
      ? `kills ${many === undefined ? 'its' : 'the'} running and queued executions${of} (none now; state KILLED)`
      : `kills the ${inFlight.toLocaleString('en-US')} running and queued execution${inFlight === 1 ? '' : 's'}${of} (state KILLED)`;
  return { title: `Cancel ${backfills}?`, text: `Cancel ${killed} and dispatches no more.${rest}`, confirm: `Cancel ${backfills}`, inFlight, notDispatched };
}
