import { ExecutionNotFoundError, ExecutionStateConflictError } from '../domain/errors';
import { type Execution, RESTARTABLE_STATES, TERMINAL_STATES, createdDateOf, newState } from '../domain/execution';
import { liveOwner, randomId } from '../domain/ids';
import type { Clock, ExecutionQueue, ExecutionStore, LogStore, StoredExecution } from '../ports';

export interface RestartExecutionDeps {
  clock: Clock;
  executions: Pick<ExecutionStore, 'get' | 'restart'>;
  logs: Pick<LogStore, 'append'>;
  queue: Pick<ExecutionQueue, 'send'>;
}

const notFound = (id: string) => new ExecutionNotFoundError(`Execution ${id} not found`);

/**
 * Restarts a FAILED or KILLED execution in place (Kestra's `POST executions/{id}/restart`): the same
 * id, RESTARTED until a worker takes it, then RUNNING as a new run (`metadata.attemptNumber` one
 * more, its log lines numbered after the earlier runs'), its tasks run again from the first. Queued
 * on the live lane, ahead of any backfill's queue: a person asked for it. A message lost after the
 * write is sent again by the sweep (the execution is back in the unfinished index).
 *
 * `doneIfRestartedSince`: an execution restarted since then (by an earlier delivery of the same bulk
 * operation, or by anyone) counts as restarted rather than as a 409.
 */
export async function restartExecution(deps: RestartExecutionDeps, executionId: string, options: { doneIfRestartedSince?: string } = {}): Promise<Execution> {
  const stored = await deps.executions.get(executionId);
  if (!stored) throw notFound(executionId);
  const since = options.doneIfRestartedSince;
  if (since && restartedSince(stored, since)) return stored.execution;
  const state = stored.execution.state.current;
  if (!RESTARTABLE_STATES.has(state)) throw notRestartable(executionId, state);
  // The short log kept with the execution moves to the log store first: the restart forgets it on the item.
  if (stored.logs?.length) await deps.logs.append(stored.logs);
  const result = await deps.executions.restart(executionId, deps.clock.now());
  if (result.outcome === 'MISSING') throw notFound(executionId);
  if (result.outcome === 'NOT_RESTARTABLE') throw notRestartable(executionId, result.stored.execution.state.current);
  await deps.queue.send([{ executionId }], 'live');
  return result.stored.execution;
}

function notRestartable(executionId: string, state: string): ExecutionStateConflictError {
  return new ExecutionStateConflictError(`Execution ${executionId} is ${state}: only FAILED or KILLED executions can be restarted`);
}

function restartedSince(stored: StoredExecution, since: string): boolean {
  return stored.execution.state.histories.some((h) => h.state === 'RESTARTED' && Date.parse(h.date) >= Date.parse(since));
}

export interface ReplayExecutionDeps {
  clock: Clock;
  executions: Pick<ExecutionStore, 'get' | 'createIfAbsent'>;
  queue: Pick<ExecutionQueue, 'send'>;
}

/**
 * Replays an ended execution (Kestra's `POST executions/{id}/replay`): a new execution of the same
 * flow with the same inputs, labels and trigger variables, CREATED now and queued on the live lane;
 * its `originalId` names the execution replayed (the first original, for a replay of a replay) and
 * `metadata.originalCreatedDate` that one's creation. It belongs to no backfill: a backfill's
 * progress does not count it. `replayId` is random for one request, derived for a bulk operation's
 * (a redelivery then finds the replay it made, and queues it again: a duplicate delivery runs nothing twice).
 */
export async function replayExecution(deps: ReplayExecutionDeps, executionId: string, replayId = randomId()): Promise<Execution> {
  const stored = await deps.executions.get(executionId);
  if (!stored) throw notFound(executionId);
  const original = stored.execution;
  if (!TERMINAL_STATES.has(original.state.current)) {
    throw new ExecutionStateConflictError(`Execution ${executionId} is ${original.state.current}: only ended executions can be replayed`);
  }
  const replay: Execution = {
    id: replayId,
    namespace: original.namespace,
    flowId: original.flowId,
    flowRevision: original.flowRevision,
    labels: original.labels,
    inputs: original.inputs,
    state: newState(deps.clock.now()),
    ...(original.trigger ? { trigger: original.trigger } : {}),
    taskRunList: [],
    replayOf: original.replayOf ?? { id: original.id, createdDate: createdDateOf(original) },
  };
  const trigger = original.trigger;
  // Swept, if its message is lost, as the trigger's live executions are; its tick kept, so a later
  // backfill that replays only what is missing sees the tick covered once the replay succeeds.
  const owner = trigger ? liveOwner({ namespace: original.namespace, flowId: original.flowId, triggerId: trigger.id }) : undefined;
  const written = await deps.executions.createIfAbsent({ execution: replay, origin: { liveOwner: owner, tickMs: stored.origin.tickMs } });
  await deps.queue.send([{ executionId: replayId }], 'live');
  return written ? replay : ((await deps.executions.get(replayId))?.execution ?? replay);
}
