import { type Execution, type KillRequest, asSeen, killedState } from '../domain/execution';
import { ExecutionNotFoundError, ExecutionStateConflictError } from '../domain/errors';
import { hasEnded, slotMarkOf } from '../domain/ledger';
import type { TriggerRef } from '../domain/trigger-state';
import type { Clock, DispatchLedger, ExecutionStore, LogStore, StoredExecution, TriggerStore } from '../ports';
import { completeIfDrained } from './backfill-run';
import { type QueuedExecutionDeps, findQueuedBackfillExecution } from './dispatch';
import { killLogLine } from './kill-log';
import type { FinalNotificationDeps } from './backfill-notifications';

export interface KillExecutionDeps extends FinalNotificationDeps {
  clock: Clock;
  flows: QueuedExecutionDeps['flows'];
  triggers: Pick<TriggerStore, 'getBackfill' | 'finishBackfill' | 'listWithBackfill' | 'claimNotification' | 'recordNotification'>;
  executions: Pick<ExecutionStore, 'requestKill' | 'createIfAbsent'>;
  ledger: Pick<DispatchLedger, 'read' | 'remove' | 'markEnded'>;
  logs: Pick<LogStore, 'append'>;
}

/** What a kill came to, and the execution as it is now (KILLED, or KILLING while its worker stops it). */
export interface KillOutcome {
  outcome: 'KILLED' | 'KILLING';
  execution: Execution;
}

/**
 * Kills an execution (Kestra's `DELETE executions/{id}/actions/kill`), whatever it is doing:
 * - queued and never written (a backfill's, its message in the queue or its slot held by a pause):
 *   written KILLED from the document its message carries, its ledger slot marked ended; the message,
 *   when a worker takes it, finds it ended and runs nothing;
 * - stored but held by no worker (CREATED, RESTARTED, or RUNNING with its worker dead): written KILLED;
 * - running under a worker's lease: the request is stored beside it, and the answer is KILLING. The
 *   task runner polls it and kills the task's processes within about a second; the worker starts no
 *   further task (its save before each is refused) and ends it KILLED with a log line.
 * Ended already: a 409 naming its state. Unknown: a 404 naming it. `by` says who asked, for the log line.
 */
export async function killExecution(
  deps: KillExecutionDeps,
  executionId: string,
  by: string,
  /** An execution this same requester killed already counts as killed now (a bulk operation's redelivered part), not as a 409. */
  options: { sameRequesterAgain?: boolean } = {},
): Promise<KillOutcome> {
  const now = deps.clock.now();
  const request: KillRequest = { at: now.toISOString(), by };
  let result = await deps.executions.requestKill(executionId, request, now);
  if (result.outcome === 'MISSING') {
    const queued = await findQueuedBackfillExecution(deps, executionId);
    if (!queued) throw new ExecutionNotFoundError(`Execution ${executionId} not found`);
    const killed: StoredExecution = {
      execution: { ...queued.execution, state: killedState(queued.execution.state, request, now) },
      origin: queued.origin,
      killed: request,
    };
    // Written meanwhile (a worker took it): kill what is stored.
    result = (await deps.executions.createIfAbsent(killed))
      ? { outcome: 'KILLED', stored: killed }
      : await deps.executions.requestKill(executionId, request, now);
  }
  switch (result.outcome) {
    case 'MISSING':
      throw new ExecutionNotFoundError(`Execution ${executionId} not found`);
    case 'FINISHED':
      if (options.sameRequesterAgain && result.stored.execution.state.current === 'KILLED' && result.stored.killed?.by === by) {
        return { outcome: 'KILLED', execution: result.stored.execution };
      }
      throw new ExecutionStateConflictError(`Execution ${executionId} already ended ${result.stored.execution.state.current}: there is nothing to kill`);
    case 'KILLING':
      return { outcome: 'KILLING', execution: asSeen(result.stored.execution, result.stored.killed) };
    case 'KILLED':
      await endedHere(deps, result.stored, request);
      return { outcome: 'KILLED', execution: result.stored.execution };
  }
}

/** What a worker does when it ends an execution, for one this kill ended: its log line, its ledger slot, its backfill if that was the last. */
async function endedHere(deps: KillExecutionDeps, stored: StoredExecution, request: KillRequest): Promise<void> {
  const { execution } = stored;
  await deps.logs.append([killLogLine(execution, stored.killed ?? request)]);
  const page = stored.origin.page;
  if (!page) return;
  const pages = await deps.ledger.markEnded([slotMarkOf(page, execution.state.current)]);
  if (pages.some(hasEnded) && execution.trigger && stored.origin.backfillId) {
    const ref: TriggerRef = { namespace: execution.namespace, flowId: execution.flowId, triggerId: execution.trigger.id };
    await completeIfDrained(deps, ref, stored.origin.backfillId);
  }
}
