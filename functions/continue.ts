import { type ContinueAsNewDeps, continueAsNew } from '../lib/app/backfill-run';
import type { BackfillRunInput } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export type ContinueHandler = (input: BackfillRunInput) => Promise<{ handedOverTo: string }>;

/** State machine task "Continue as new execution". */
export function createContinueHandler(deps: ContinueAsNewDeps): ContinueHandler {
  return (input) => continueAsNew(deps, input);
}

export const handler = onFirstCall(() => createContinueHandler(awsDependencies()));
