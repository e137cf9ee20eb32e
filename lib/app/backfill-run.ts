import { backfillExecutionName } from '../domain/backfill';
import type { BackfillRunInput, BackfillWorkflows, TriggerStore } from '../ports';

export interface ContinueAsNewDeps {
  triggers: Pick<TriggerStore, 'setBackfillExecution'>;
  workflows: Pick<BackfillWorkflows, 'start'>;
}

export interface ParkDeps {
  triggers: Pick<TriggerStore, 'storeTaskToken'>;
  workflows: Pick<BackfillWorkflows, 'resume'>;
}

/**
 * Continue-as-new: the running state machine execution starts the next generation and ends, so no
 * single execution's history approaches Step Functions' 25,000-event limit, whatever the window.
 */
export async function continueAsNew(deps: ContinueAsNewDeps, input: BackfillRunInput): Promise<{ handedOverTo: string }> {
  const generation = input.generation + 1;
  const name = backfillExecutionName(input.backfill, generation);
  // Recorded first, so the console name shown by the API is never behind; both steps are idempotent.
  await deps.triggers.setBackfillExecution(input.backfill, input.backfill.id, generation, name);
  await deps.workflows.start(name, { backfill: input.backfill, generation, iteration: 0 });
  return { handedOverTo: name };
}

/**
 * Runs inside the `.waitForTaskToken` state: keeps the token with the backfill so that unpausing
 * can hand it back. If the backfill was resumed (or deleted) before the token was stored, nobody
 * would ever send it, so the park hands it back itself.
 */
export async function parkUntilResumed(deps: ParkDeps, input: BackfillRunInput & { taskToken: string }): Promise<{ parked: boolean }> {
  const state = await deps.triggers.storeTaskToken(input.backfill, input.backfill.id, input.taskToken);
  if (state?.backfill?.paused) return { parked: true };
  await deps.workflows.resume(input.taskToken, { resumedBy: 'park' });
  return { parked: false };
}
