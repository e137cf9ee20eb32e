import { continueAsNew } from '../lib/app/backfill-run';
import type { BackfillRunInput } from '../lib/ports';
import { services } from '../lib/services';

/** State machine task "Continue as new execution". */
export const handler = async (input: BackfillRunInput): Promise<{ handedOverTo: string }> => continueAsNew(await services(), input);
