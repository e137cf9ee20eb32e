import { type Execution, type StateType, type TaskRun, newState, transition } from '../domain/execution';
import { type Flow, LOG_TYPE, type Task } from '../domain/flow/model';
import { randomId } from '../domain/ids';
import { render, renderValue } from '../domain/template';
import type { StoredExecution } from '../ports';
import type { Services } from '../services';
import { completeIfDrained } from './backfill-run';
import { setDisabled } from './backfills';
import { LogWriter } from './log-writer';
import { runShellCommands } from './tasks/shell';

/**
 * DONE: the message can go. RETRY_LATER: another worker holds the execution; look again once its
 * lease ends (`afterSeconds`): then it has finished, or its worker died and this message takes over.
 */
export type RunOutcome = { outcome: 'DONE' } | { outcome: 'RETRY_LATER'; afterSeconds: number };

const DONE: RunOutcome = { outcome: 'DONE' };

/**
 * Runs one queued execution. The claim is a conditional write, so a duplicate or redelivered
 * message finds the execution taken or finished and does nothing; every later write is
 * conditional on the lease, so a worker that lost its lease can never overwrite its successor.
 */
export async function runExecution(svc: Services, executionId: string): Promise<RunOutcome> {
  const [result] = await runExecutions(svc, [executionId]);
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/**
 * Runs a batch of queued executions side by side, as one SQS delivery brings them: their claims
 * share one read (a batched, strongly consistent read), each then runs as `runExecution` does.
 * One result per id, in order; an error fails only its own execution.
 */
export async function runExecutions(svc: Services, executionIds: string[]): Promise<PromiseSettledResult<RunOutcome>[]> {
  const claimedAt = svc.clock.now();
  const leaseUntilMs = claimedAt.getTime() + svc.settings.worker.leaseSeconds * 1000;
  const claims = executionIds.map((id) => ({ id, leaseToken: randomId() }));
  const results = await svc.executions.claimMany(claims, leaseUntilMs, claimedAt);
  return Promise.allSettled(
    results.map(async (claim, i): Promise<RunOutcome> => {
      if (claim.outcome === 'BUSY') {
        return { outcome: 'RETRY_LATER', afterSeconds: Math.max(1, Math.ceil((claim.leaseUntilMs - claimedAt.getTime()) / 1000) + 1) };
      }
      if (claim.outcome !== 'CLAIMED') return DONE;
      const { id, leaseToken } = claims[i];
      try {
        await runClaimed(svc, claim.stored, leaseToken);
        return DONE;
      } catch (error) {
        await svc.executions.releaseLease(id, leaseToken).catch(() => undefined);
        throw error;
      }
    }),
  );
}

async function runClaimed(svc: Services, stored: StoredExecution, leaseToken: string): Promise<void> {
  const execution = stored.execution;
  const attempt = execution.state.histories.filter((h) => h.state === 'RUNNING').length;
  const logs = new LogWriter(
    svc.logs,
    { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, triggerId: execution.trigger?.id },
    attempt,
  );
  const flow = await flowFor(svc, execution);
  let final: StateType = 'SUCCESS';
  if (!flow) {
    logs.log('ERROR', `Flow ${execution.namespace}.${execution.flowId} no longer exists`);
    final = 'FAILED';
  } else {
    for (const task of flow.tasks) {
      const taskRun = startTaskRun(execution, task, svc.clock.now());
      execution.taskRunList.push(taskRun);
      // A shell task may run for minutes: show it RUNNING (and check the lease) first. A Log task is instant.
      if (task.type !== LOG_TYPE && !(await svc.executions.save(stored, leaseToken))) return; // lease lost: the new owner runs it
      const ok = await runTask(svc, flow, execution, task, taskRun, logs);
      const state = transition(taskRun.state, ok ? 'SUCCESS' : 'FAILED', svc.clock.now());
      taskRun.state = state;
      taskRun.attempts = [{ state }];
      if (!ok) {
        final = 'FAILED';
        break;
      }
    }
  }
  await logs.flush();
  execution.state = transition(execution.state, final, svc.clock.now());
  if (!(await svc.executions.finish(stored, leaseToken))) return;
  if (!execution.trigger) return;
  const ref = { namespace: execution.namespace, flowId: execution.flowId, triggerId: execution.trigger.id };
  // Kestra's `stopAfter`: an execution of the trigger ending in a listed state switches the trigger off.
  const trigger = flow?.triggers.find((t) => t.id === ref.triggerId);
  if (trigger?.stopAfter?.includes(final)) {
    await setDisabled(svc, ref, true);
    console.log(`Trigger ${ref.namespace}.${ref.flowId}.${ref.triggerId} disabled: execution ${execution.id} ended ${final} (stopAfter)`);
  }
  if (stored.origin.backfillId) await completeIfDrained(svc, ref, stored.origin.backfillId);
}

/**
 * Flows this worker read in the last moments, per wiring: a backfill runs the same flow thousands
 * of times in a row. An execution of another revision than the cached one always reads again.
 */
const recentFlows = new WeakMap<Services, Map<string, { flow: Flow | undefined; at: number }>>();
const FLOW_CACHE_MS = 2000;

async function flowFor(svc: Services, execution: Execution): Promise<Flow | undefined> {
  let cache = recentFlows.get(svc);
  if (!cache) recentFlows.set(svc, (cache = new Map()));
  const key = `${execution.namespace}|${execution.flowId}`;
  const now = Date.now();
  const cached = cache.get(key);
  if (cached && now - cached.at < FLOW_CACHE_MS && cached.flow?.revision === execution.flowRevision) return cached.flow;
  const flow = await svc.flows.get(execution.namespace, execution.flowId);
  if (cache.size > 1000) cache.clear();
  cache.set(key, { flow, at: now });
  return flow;
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

async function runTask(svc: Services, flow: Flow, execution: Execution, task: Task, taskRun: TaskRun, logs: LogWriter): Promise<boolean> {
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
    const result = await runShellCommands({
      task: rendered,
      timeoutMs: task.timeoutMs ?? svc.settings.worker.defaultTaskTimeoutSeconds * 1000,
      log,
    });
    return result.ok;
  } catch (error) {
    // Template errors and spawn failures fail the task with the reason in its logs, like Kestra.
    log('ERROR', (error as Error).message);
    return false;
  }
}
