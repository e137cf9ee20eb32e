import type { DispatchOutput } from '../lib/app/dispatch';
import { type DispatchRoundDeps, dispatchRound } from '../lib/app/dispatch-round';
import type { BackfillRunInput } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

/**
 * Start no batch this close to the Lambda timeout: room for the batch in hand to finish (a batch is
 * a few requests of at most 100 items each). The round itself ends long before (BACKFILL_DISPATCH_ROUND_SECONDS).
 */
const MARGIN_MS = 30_000;

/** What the handler reads of a Lambda context; the local runtime passes one too (its time runs out when it closes). */
export interface TaskContext {
  getRemainingTimeInMillis(): number;
}

export type DispatchHandler = (input: BackfillRunInput, context?: TaskContext) => Promise<DispatchOutput>;

/** State machine task "Dispatch next batch": one round of batches (see dispatchRound). */
export function createDispatchHandler(deps: DispatchRoundDeps): DispatchHandler {
  return (input, context) => dispatchRound(deps, input, context ? { remainingMs: () => context.getRemainingTimeInMillis() - MARGIN_MS } : {});
}

export const handler = onFirstCall(() => createDispatchHandler(awsDependencies()));
