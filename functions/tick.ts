import { type LiveTickResult, runDueSchedules } from '../lib/app/live-schedule';
import { services } from '../lib/services';

/** Stop looping this long before the Lambda timeout. */
const MARGIN_MS = 6000;

/**
 * The live schedule tick: runs the Schedule triggers that are due. EventBridge calls it once a
 * minute on AWS; when some trigger ticks faster (`withSeconds`), the invocation keeps ticking every
 * second until shortly before its timeout, so sub-minute ticks land within a second of their time.
 * Those later passes read only the sub-minute triggers; the next invocation reads them all again.
 * Locally it is called every second, with no Lambda context, and makes one pass.
 */
export const handler = async (_event?: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<LiveTickResult> => {
  const svc = await services();
  const total = await runDueSchedules(svc, new Date());
  let last = total;
  while (context && last.subMinute && context.getRemainingTimeInMillis() > MARGIN_MS) {
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    last = await runDueSchedules(svc, new Date(), last.subMinuteTriggers);
    total.created += last.created;
    total.due += last.due;
  }
  return total;
};
