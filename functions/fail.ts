import { type FailBackfillDeps, type FailBackfillInput, failBackfill } from '../lib/app/backfill-run';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export type FailHandler = (input: FailBackfillInput) => Promise<{ failed: boolean; reason: string }>;

/** State machine task "End the backfill FAILED": its tasks kept failing, so the backfill ends FAILED. */
export function createFailHandler(deps: FailBackfillDeps): FailHandler {
  return (input) => failBackfill(deps, input);
}

export const handler = onFirstCall(() => createFailHandler(awsDependencies()));
