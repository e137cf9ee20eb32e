import { type DispatchDeps, type DispatchOutput, dispatchBatch } from '../lib/app/dispatch';
import type { BackfillRunInput } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export type DispatchHandler = (input: BackfillRunInput) => Promise<DispatchOutput>;

/** State machine task "Dispatch next batch". */
export function createDispatchHandler(deps: DispatchDeps): DispatchHandler {
  return (input) => dispatchBatch(deps, input);
}

export const handler = onFirstCall(() => createDispatchHandler(awsDependencies()));
