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
  const inFlight = (progress?.queued ?? 0) + (progress?.running ?? 0);
  const notDispatched = Math.max(0, (progress?.total ?? 0) - (progress?.dispatched ?? 0));
  const rest =
    notDispatched > 0
      ? ` The ${notDispatched.toLocaleString('en-US')} tick${notDispatched === 1 ? '' : 's'} not dispatched yet never run${notDispatched === 1 ? 's' : ''}.`
      : '';
  if (action === 'delete') {
    const running =
      inFlight === 0
        ? "none is queued or running now (those would go on: Kestra's delete)"
        : `the ${inFlight.toLocaleString('en-US')} already queued or running ${inFlight === 1 ? 'goes' : 'go'} on (Kestra's delete)`;
    return {
      title: 'Delete backfill?',
      text: `Delete stops dispatching new executions; ${running}.${rest}`,
      confirm: 'Delete backfill',
      inFlight,
      notDispatched,
    };
  }
  const killed =
    inFlight === 0
      ? 'kills its running and queued executions (none now; state KILLED)'
      : `kills the ${inFlight.toLocaleString('en-US')} running and queued execution${inFlight === 1 ? '' : 's'} (state KILLED)`;
  return { title: 'Cancel backfill?', text: `Cancel ${killed} and dispatches no more.${rest}`, confirm: 'Cancel backfill', inFlight, notDispatched };
}
