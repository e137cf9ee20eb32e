import { type ParkDeps, parkUntilResumed } from '../lib/app/backfill-run';
import type { BackfillRunInput } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export type ParkHandler = (input: BackfillRunInput & { taskToken: string }) => Promise<{ parked: boolean }>;

/** State machine task "Paused: wait for resume" (invoked with `.waitForTaskToken`). */
export function createParkHandler(deps: ParkDeps): ParkHandler {
  return (input) => parkUntilResumed(deps, input);
}

export const handler = onFirstCall(() => createParkHandler(awsDependencies()));
