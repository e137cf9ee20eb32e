import { type DispatchOutput, dispatchBatch } from '../lib/app/dispatch';
import type { BackfillRunInput } from '../lib/ports';
import { services } from '../lib/services';

/** State machine task "Dispatch next batch". */
export const handler = async (input: BackfillRunInput): Promise<DispatchOutput> => dispatchBatch(await services(), input);
