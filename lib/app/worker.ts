import { type Execution, type StateType, type TaskRun, newState, transition } from '../domain/execution';
import { type Flow, LOG_TYPE, type Task } from '../domain/flow/model';
import { randomId } from '../domain/ids';
import { render, renderValue } from '../domain/template';
import type { Settings } from '../config';
import type { Clock, ExecutionStore, FlowStore, LogStore, ShellRunner, StoredExecution, TriggerStore } from '../ports';
import { completeIfDrained } from './backfill-run';
import { setDisabled } from './backfills';
import { LogWriter } from './log-writer';

export interface WorkerDeps {
  settings: Pick<Settings, 'worker'>;
  clock: Clock;
  flows: Pick<FlowStore, 'get'>;
  executions: Pick<ExecutionStore, 'claimMany' | 'save' | 'finish' | 'releaseLease' | 'countUnfinished'>;
  /** `stopAfter` switches the trigger off; the last execution of a backfill completes it. */
  triggers: Pick<TriggerStore, 'get' | 'updateSchedule' | 'finishBackfill'>;
  logs: Pick<LogStore, 'append'>;
  runShell: ShellRunner;
}

/** Runs queued executions; one per worker (per warm Lambda, or per local runtime), holding its flow cache. */
export interface ExecutionRunner {
  /**
   * Runs a batch of queued executions side by side, as one SQS delivery brings them: their claims
   * share one read (a batched, strongly consistent read), each then runs on its own. One result per
   * id, in order; an error fails only its own execution.
   */
  runExecutions(executionIds: string[]): Promise<PromiseSettledResult<RunOutcome>[]>;
}

/**
 * DONE: the message can go. RETRY_LATER: another worker holds the execution; look again once its
 * lease ends (`afterSeconds`): then it has finished, or its worker died and this message takes over.
 */
export type RunOutcome = { outcome: 'DONE' } | { outcome: 'RETRY_LATER'; afterSeconds: number };

const DONE: RunOutcome = { outcome: 'DONE' };

/**
 * The worker. The claim is a conditional write, so a duplicate or redelivered message finds the
 * execution taken or finished and does nothing; every later write is conditional on the lease, so a
 * worker that lost its lease can never overwrite its successor.
 */
export function createExecutionRunner(deps: WorkerDeps): ExecutionRunner {
  const flowFor = recentFlows(deps);
  return {
    async runExecutions(executionIds) {
      const claimedAt = deps.clock.now();
      const leaseUntilMs = claimedAt.getTime() + deps.settings.worker.leaseSeconds * 1000;
      const claims = executionIds.map((id) => ({ id, leaseToken: randomId() }));
      const results = await deps.executions.claimMany(claims, leaseUntilMs, claimedAt);
      return Promise.allSettled(
        claims.map(async ({ id, leaseToken }, i): Promise<RunOutcome> => {
          const claim = results[i];
          if (!claim) throw new Error(`No claim result for execution ${id}: claimMany returned ${results.length} for ${claims.length} claims`);
          if (claim.outcome === 'BUSY') {
            return { outcome: 'RETRY_LATER', afterSeconds: Math.max(1, Math.ceil((claim.leaseUntilMs - claimedAt.getTime()) / 1000) + 1) };
          }
          if (claim.outcome !== 'CLAIMED') return DONE;
          try {
            await runClaimed(deps, flowFor, claim.stored, leaseToken);
            return DONE;
          } catch (error) {
            await deps.executions.releaseLease(id, leaseToken).catch(() => undefined);
            throw error;
          }
        }),
      );
    },
  };
}

type FlowLookup = (execution: Execution) => Promise<Flow | undefined>;

async function runClaimed(deps: WorkerDeps, flowFor: FlowLookup, stored: StoredExecution, leaseToken: string): Promise<void> {
  const execution = stored.execution;
  const attempt = execution.state.histories.filter((h) => h.state === 'RUNNING').length;
  const logs = new LogWriter(
    deps.logs,
    { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, triggerId: execution.trigger?.id },
    attempt,
    deps.clock,
  );
  const flow = await flowFor(execution);
  let final: StateType = 'SUCCESS';
  if (!flow) {
    logs.log('ERROR', `Flow ${execution.namespace}.${execution.flowId} no longer exists`);
    final = 'FAILED';
  } else {
    for (const task of flow.tasks) {
      const taskRun = startTaskRun(execution, task, deps.clock.now());
      execution.taskRunList.push(taskRun);
      // A shell task may run for minutes: show it RUNNING (and check the lease) first. A Log task is instant.
      if (task.type !== LOG_TYPE && !(await deps.executions.save(stored, leaseToken))) return; // lease lost: the new owner runs it
      const ok = await runTask(deps, flow, execution, task, taskRun, logs);
      const state = transition(taskRun.state, ok ? 'SUCCESS' : 'FAILED', deps.clock.now());
      taskRun.state = state;
      taskRun.attempts = [{ state }];
      if (!ok) {
        final = 'FAILED';
        break;
      }
    }
  }
  // A short log (a Log task's line or two) rides on the execution's final write instead of a write of its own.
  const smallLog = logs.takeSmallLog(SMALL_LOG_BYTES);
  await logs.flush();
  execution.state = transition(execution.state, final, deps.clock.now());
  if (!(await deps.executions.finish({ ...stored, logs: smallLog }, leaseToken))) return;
  if (!execution.trigger) return;
  const ref = { namespace: execution.namespace, flowId: execution.flowId, triggerId: execution.trigger.id };
  // Kestra's `stopAfter`: an execution of the trigger ending in a listed state switches the trigger off.
  const trigger = flow?.triggers.find((t) => t.id === ref.triggerId);
  if (trigger?.stopAfter?.includes(final)) {
    await setDisabled(deps, ref, true);
    console.log(`Trigger ${ref.namespace}.${ref.flowId}.${ref.triggerId} disabled: execution ${execution.id} ended ${final} (stopAfter)`);
  }
  if (stored.origin.backfillId) await completeIfDrained(deps, ref, stored.origin.backfillId);
}

/**
 * The largest log (as JSON) kept with the execution rather than in the logs table: a few lines,
 * which the store compresses beside the document so that the execution's item stays within one KB.
 */
const SMALL_LOG_BYTES = 600;

/** How long a flow read stays fresh: a backfill runs the same flow thousands of times in a row. */
const FLOW_CACHE_MS = 2000;

/**
 * The flows this worker read in the last moments. An execution of another revision than the cached
 * one always reads again, so an edited flow is never run from a stale copy.
 */
function recentFlows(deps: Pick<WorkerDeps, 'flows' | 'clock'>): FlowLookup {
  const cache = new Map<string, { flow: Flow | undefined; at: number }>();
  return async (execution) => {
    const key = `${execution.namespace}|${execution.flowId}`;
    const now = deps.clock.now().getTime();
    const cached = cache.get(key);
    if (cached && now - cached.at < FLOW_CACHE_MS && cached.flow?.revision === execution.flowRevision) return cached.flow;
    const flow = await deps.flows.get(execution.namespace, execution.flowId);
    if (cache.size > 1000) cache.clear();
    cache.set(key, { flow, at: now });
    return flow;
  };
}

function startTaskRun(execution: Execution, task: Task, at: Date): TaskRun {
  const state = transition(newState(at), 'RUNNING', at);
  return {
    id: randomId(),
    executionId: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
    taskId: task.id,
    state,
    attempts: [{ state }],
  };
}

/** The variables Kestra gives a task's templates. */
function templateVariables(flow: Flow, execution: Execution, task: Task, taskRun: TaskRun): Record<string, unknown> {
  const variables: Record<string, unknown> = {
    flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision },
    execution: { id: execution.id, startDate: execution.state.startDate, originalId: execution.id },
    inputs: execution.inputs,
    labels: Object.fromEntries(execution.labels.map((l) => [l.key, l.value])),
    task: { id: task.id, type: task.type },
    taskrun: { id: taskRun.id, startDate: taskRun.state.startDate, attemptsCount: 0 },
  };
  if (execution.trigger) variables.trigger = execution.trigger.variables;
  return variables;
}

async function runTask(deps: WorkerDeps, flow: Flow, execution: Execution, task: Task, taskRun: TaskRun, logs: LogWriter): Promise<boolean> {
  const fields = { taskId: task.id, taskRunId: taskRun.id, attemptNumber: 1 };
  const log = (level: Parameters<LogWriter['log']>[0], message: string) => logs.log(level, message, fields);
  const variables = templateVariables(flow, execution, task, taskRun);
  try {
    if (task.type === LOG_TYPE) {
      for (const message of Array.isArray(task.message) ? task.message : [task.message]) log(task.level, render(message, variables));
      return true;
    }
    const rendered = renderValue({ commands: task.commands, beforeCommands: task.beforeCommands, env: task.env }, variables) as {
      commands: string[];
      beforeCommands: string[];
      env: Record<string, string>;
    };
    const result = await deps.runShell({
      task: rendered,
      timeoutMs: task.timeoutMs ?? deps.settings.worker.defaultTaskTimeoutSeconds * 1000,
      log,
    });
    return result.ok;
  } catch (error) {
    // Template errors and spawn failures fail the task with the reason in its logs, like Kestra.
    log('ERROR', (error as Error).message);
    return false;
  }
}
