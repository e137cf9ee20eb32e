import { backfillExecutionName } from '../domain/backfill';
import type { TriggerRef } from '../domain/trigger-state';
import type { BackfillRunInput, BackfillWorkflows, Clock, ExecutionStore, TriggerStore } from '../ports';

export interface ContinueAsNewDeps {
  triggers: Pick<TriggerStore, 'setBackfillExecution'>;
  workflows: Pick<BackfillWorkflows, 'start'>;
}

export interface ParkDeps {
  triggers: Pick<TriggerStore, 'storeTaskToken'>;
  workflows: Pick<BackfillWorkflows, 'resume'>;
}

export interface CompleteIfDrainedDeps {
  clock: Clock;
  triggers: Pick<TriggerStore, 'get' | 'finishBackfill'>;
  executions: Pick<ExecutionStore, 'countUnfinished'>;
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

/**
 * Called by the worker after an execution of a backfill ended: if it was the last one, the backfill
 * is complete and leaves the trigger now, not at the state machine's next check. The row is read
 * before counting: its cursor moves only after a batch's executions exist, so "all dispatched" seen
 * first means the count covers every execution. Reading the row first is also the cheap order: one
 * small read, where counting may query every shard of the unfinished index, and only the last
 * executions of a backfill, once its cursor passed the end, go on to count.
 */
export async function completeIfDrained(deps: CompleteIfDrainedDeps, ref: TriggerRef, backfillId: string): Promise<boolean> {
  const backfill = (await deps.triggers.get(ref))?.backfill;
  if (!backfill || backfill.id !== backfillId || backfill.paused || backfill.cursorMs <= Date.parse(backfill.end)) return false;
  if ((await deps.executions.countUnfinished(backfillId, 1)) > 0) return false;
  return deps.triggers.finishBackfill(ref, backfillId, 'COMPLETED', deps.clock.now().toISOString());
}
