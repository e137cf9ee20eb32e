import { type LiveTickResult, runDueSchedules } from '../lib/app/live-schedule';
import { services } from '../lib/services';

/** EventBridge schedule (every minute on AWS; every second locally) → runs the Schedule triggers that are due. */
export const handler = async (): Promise<LiveTickResult> => runDueSchedules(await services(), new Date());
