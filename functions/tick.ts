import { type LiveScheduleDeps, type LiveTickResult, runDueSchedules } from '../lib/app/live-schedule';
import type { Clock } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

/** Stop looping this long before the Lambda timeout. */
const MARGIN_MS = 6000;

export interface TickDeps extends LiveScheduleDeps {
  clock: Clock;
  /** Waits between two passes of one invocation (a timer on AWS; tests drive it). */
  sleep: (ms: number) => Promise<void>;
}

export type TickHandler = (event?: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<LiveTickResult>;

/**
 * The live schedule tick: runs the Schedule triggers that are due. EventBridge calls it once a
 * minute on AWS; when some trigger ticks faster (`withSeconds`), the invocation keeps ticking every
 * second until shortly before its timeout, so sub-minute ticks land within a second of their time.
 * Those later passes read only the sub-minute triggers; the next invocation reads them all again.
 * Locally it is called every second, with no Lambda context, and makes one pass.
 */
export function createTickHandler(deps: TickDeps): TickHandler {
  return async (_event, context) => {
    const total = await runDueSchedules(deps, deps.clock.now());
    let last = total;
    while (context && last.subMinute && context.getRemainingTimeInMillis() > MARGIN_MS) {
      // Just past the next whole second, when the next sub-minute tick is due.
      await deps.sleep(1000 - (deps.clock.now().getTime() % 1000) + 5);
      last = await runDueSchedules(deps, deps.clock.now(), last.subMinuteTriggers);
      total.created += last.created;
      total.due += last.due;
    }
    return total;
  };
}

export const handler = onFirstCall(() => createTickHandler(awsDependencies()));
