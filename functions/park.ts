import { parkUntilResumed } from '../lib/app/backfill-run';
import type { BackfillRunInput } from '../lib/ports';
import { services } from '../lib/services';

/** State machine task "Paused: wait for resume" (invoked with `.waitForTaskToken`). */
export const handler = async (input: BackfillRunInput & { taskToken: string }): Promise<{ parked: boolean }> =>
  parkUntilResumed(await services(), input);
