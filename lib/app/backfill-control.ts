import type { Settings } from '../config';
import { checkMaxConcurrency } from '../domain/backfill';
import { NoBackfillError, NotFoundError } from '../domain/errors';
import { inNamespace } from '../domain/namespaces';
import type { BackfillState, BackfillTarget, TriggerRef, TriggerState } from '../domain/trigger-state';
import type { BackfillWorkflows, Clock, DispatchLedger, TriggerStore } from '../ports';
import { changeEvent } from '../domain/backfill-events';
import { randomId } from '../domain/ids';
import { endBackfill } from './backfill-ending';
import { type AnnounceDeps, announce } from './backfill-notifications';
import type { FinalNotificationDeps } from './backfill-notifications';
import { eachTargeted, refOf, reread } from './backfill-targets';
import { type TriggerLookupDeps, resolveTrigger } from './backfills';

export interface PauseBackfillDeps extends TriggerLookupDeps, AnnounceDeps {
  clock: Clock;
  triggers: Pick<TriggerStore, 'get' | 'setBackfillPaused'>;
}

export interface UnpauseBackfillDeps extends PauseBackfillDeps {
  workflows: Pick<BackfillWorkflows, 'resume'>;
}

export interface DeleteBackfillDeps extends TriggerLookupDeps, FinalNotificationDeps {
  clock: Clock;
  triggers: Pick<TriggerStore, 'get' | 'getBackfill' | 'finishBackfill' | 'claimNotification' | 'recordNotification'>;
  workflows: Pick<BackfillWorkflows, 'stop'>;
  ledger: Pick<DispatchLedger, 'read' | 'remove'>;
}

/**
 * Pause: the flag is all it takes. The state machine finishes the batch in hand, sees the flag on
 * its next iteration and parks on a task token stored with the backfill. Without `backfillId`,
 * every active backfill of the trigger.
 */
export async function pauseBackfill(deps: PauseBackfillDeps, target: BackfillTarget): Promise<TriggerState> {
  const ref = refOf(target);
  const { state } = await resolveTrigger(deps, ref);
  const updatedDate = deps.clock.now().toISOString();
  await eachTargeted(state, target, async (before) => {
    const result = await deps.triggers.setBackfillPaused(ref, before.id, true, updatedDate);
    if (result) await announcePauseChange(deps, ref, before, result.backfill, updatedDate);
    return result !== undefined;
  });
  return reread(deps, ref, state);
}

/**
 * PAUSED or RESUMED, when the action changed the flag as the trigger read just before had it: pausing
 * a paused backfill again (a retried call, a bulk action's redelivered part) announces nothing.
 */
async function announcePauseChange(deps: AnnounceDeps, ref: TriggerRef, before: BackfillState, after: BackfillState, at: string): Promise<void> {
  if (before.paused === after.paused) return;
  await announce(deps, changeEvent(after.paused ? 'PAUSED' : 'RESUMED', ref, after, at, randomId()));
}

/**
 * Unpause: clears the flag and hands the parked token back. If the machine has not parked yet,
 * there is no token; it will see the flag cleared when it stores its token and resume itself.
 * A backfill its failure policy paused has its failure count restarted (`rebaseFailures`): the
 * failures it was paused for do not trip the policy again at once.
 */
export async function unpauseBackfill(deps: UnpauseBackfillDeps, target: BackfillTarget): Promise<TriggerState> {
  const ref = refOf(target);
  const { state } = await resolveTrigger(deps, ref);
  const updatedDate = deps.clock.now().toISOString();
  await eachTargeted(state, target, async (before) => {
    const rebaseFailures = before.pausedReason !== undefined;
    const result = await deps.triggers.setBackfillPaused(ref, before.id, false, updatedDate, rebaseFailures ? { rebaseFailures } : {});
    if (!result) return false;
    if (result.taskToken) await deps.workflows.resume(result.taskToken, { resumedBy: 'unpause' });
    await announcePauseChange(deps, ref, before, result.backfill, updatedDate);
    return true;
  });
  return reread(deps, ref, state);
}

export interface UpdateBackfillDeps extends TriggerLookupDeps, AnnounceDeps {
  clock: Clock;
  settings: Pick<Settings, 'dispatch'>;
  triggers: Pick<TriggerStore, 'get' | 'setBackfillMaxConcurrency'>;
}

/**
 * Changes a running backfill's `maxConcurrency`. Storing it is all it takes: dispatch re-reads the
 * backfill before every batch and every poll while it waits for room, so the new bound applies at
 * the next one (within `roundPollMs`, or the state machine's `throttleWaitSeconds` Wait). Lowering
 * it stops nothing already in flight; dispatch waits until fewer are.
 */
export async function updateBackfill(deps: UpdateBackfillDeps, target: BackfillTarget, maxConcurrency: number): Promise<TriggerState> {
  const ref = refOf(target);
  const { state } = await resolveTrigger(deps, ref);
  checkMaxConcurrency(maxConcurrency, deps.settings.dispatch.maxInFlight);
  const updatedDate = deps.clock.now().toISOString();
  await eachTargeted(state, target, async (before) => {
    const after = await deps.triggers.setBackfillMaxConcurrency(ref, before.id, maxConcurrency, updatedDate);
    // Announced when it changed the bound as read just before (a retried call changes nothing).
    if (after && before.maxConcurrency !== maxConcurrency) await announce(deps, changeEvent('UPDATED', ref, after, updatedDate, randomId()));
    return after !== undefined;
  });
  return reread(deps, ref, state);
}

/**
 * Delete: removes the backfill (restoring the live `nextExecutionDate` once none is left), stops its
 * state machine execution and drops its open ledger pages (the marks of executions still running
 * then find no page and write nothing). Executions already sent run on, as in Kestra.
 */
export async function deleteBackfill(deps: DeleteBackfillDeps, target: BackfillTarget): Promise<TriggerState> {
  const ref = refOf(target);
  const { state } = await resolveTrigger(deps, ref);
  const updatedDate = deps.clock.now().toISOString();
  await eachTargeted(state, target, async (backfill) => {
    // Its executions still queued or running are counted `unfinished` in the summary it leaves.
    const ended = await endBackfill(deps, ref, backfill, 'DELETED', updatedDate);
    if (!ended) return false;
    // A hand-over may have started the next generation meanwhile; it finds the backfill gone and ends by itself.
    await deps.workflows.stop(ended.executionName);
    await deps.ledger.remove(ended.openPages);
    return true;
  });
  return reread(deps, ref, state);
}

/** One trigger action (pause, unpause, delete, enable, disable), its dependencies already bound; a backfill action acts on every backfill of the trigger. */
export type TriggerAction = (ref: TriggerRef) => Promise<TriggerState>;

/**
 * Applies an action to many triggers; those without a backfill, or unknown, are skipped, as Kestra
 * does. Returns how many it changed.
 */
export async function applyToTriggers(refs: readonly TriggerRef[], action: TriggerAction): Promise<{ count: number }> {
  let count = 0;
  for (const ref of refs) {
    try {
      await action(ref);
      count++;
    } catch (error) {
      if (!(error instanceof NoBackfillError) && !(error instanceof NotFoundError)) throw error;
    }
  }
  return { count };
}

/** Which triggers a by-query action selects. */
export interface TriggerQuery {
  /** The namespace and its children (Kestra's prefix filter). */
  namespace?: string;
  /** Exactly this flow id. */
  flowId?: string;
}

export interface SelectTriggersDeps {
  triggers: Pick<TriggerStore, 'list' | 'listWithBackfill'>;
}

/**
 * The triggers a query selects. Backfill actions look only at triggers with a backfill
 * (`rowsWith: 'backfill'`); enabling and disabling at every trigger.
 */
export async function selectTriggers(deps: SelectTriggersDeps, query: TriggerQuery, rowsWith: 'backfill' | 'any'): Promise<TriggerRef[]> {
  const candidates = rowsWith === 'backfill' ? await deps.triggers.listWithBackfill() : await deps.triggers.list();
  return candidates
    .filter((row) => inNamespace(row.namespace, query.namespace) && (!query.flowId || row.flowId === query.flowId))
    .map(({ namespace, flowId, triggerId }) => ({ namespace, flowId, triggerId }));
}
