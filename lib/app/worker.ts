import {
  type Execution,
  type KillRequest,
  type StateType,
  type TaskRun,
  isoDuration,
  killedState,
  newState,
  runsSinceRestart,
  runsStarted,
  transition,
} from '../domain/execution';
import { type Flow, LOG_TYPE, type Task } from '../domain/flow/model';
import { randomId } from '../domain/ids';
import { createRenderer, renderValue } from '../domain/template';
import type { Settings } from '../config';
import { type SlotMark, hasEnded, slotMarkOf } from '../domain/ledger';
import { type BackfillRecord, type TriggerRef, activeBackfill } from '../domain/trigger-state';
import type {
  Clock,
  DispatchLedger,
  ExecutionMessage,
  ExecutionStore,
  FlowStore,
  LogStore,
  ShellScript,
  StoredExecution,
  TaskRunner,
  TriggerStore,
} from '../ports';
import { writeKilled } from './backfill-cancel';
import { completeIfDrained } from './backfill-run';
import { killLogLine } from './kill-log';
import { setDisabled } from './backfills';
import { LogWriter } from './log-writer';
import { yielder } from '../util/yielding';
import type { FinalNotificationDeps } from './backfill-notifications';

export interface WorkerDeps extends FinalNotificationDeps {
  settings: Pick<Settings, 'worker'>;
  clock: Clock;
  /** A backfill's execution runs the revision it was built from (its backfill's pin): see recentFlows. */
  flows: Pick<FlowStore, 'get' | 'getRevision'>;
  executions: Pick<ExecutionStore, 'claimMany' | 'createClaimed' | 'createIfAbsent' | 'save' | 'finish' | 'releaseLease' | 'killRequestOf'>;
  /** `stopAfter` switches the trigger off; the execution that ends a backfill's last page completes it. */
  triggers: Pick<TriggerStore, 'get' | 'getBackfill' | 'updateSchedule' | 'finishBackfill' | 'claimNotification' | 'recordNotification'>;
  ledger: Pick<DispatchLedger, 'markEnded' | 'hold' | 'read' | 'remove'>;
  logs: Pick<LogStore, 'append'>;
  /** Where shell tasks run: never in the worker's own process, which holds its credentials. */
  taskRunner: TaskRunner;
}

/** Runs queued executions; one per worker (per warm Lambda, or per local runtime), holding its flow cache. */
export interface ExecutionRunner {
  /**
   * Runs a batch of queued executions side by side, as one SQS delivery brings them. A message
   * carrying its document (a backfill's, see LedgerPage) is written by the worker: once, ended, for a
   * flow of instant tasks; RUNNING under a lease otherwise. The others, and documents whose execution
   * exists already, are claimed with one shared read. One result per message, in order; an error
   * fails only its own execution. The ended executions' ledger slots are marked at the end, one
   * write per page.
   */
  runExecutions(messages: ExecutionMessage[], limits?: InvocationLimits): Promise<PromiseSettledResult<RunOutcome>[]>;
}

/** What the invocation running a batch allows: the time it has left (Lambda's context, or the local queue's equivalent). */
export interface InvocationLimits {
  remainingMs(): number;
}

/**
 * Time kept back from a task's run for writing its outcome (the execution, its logs, its ledger
 * slot) before the invocation's time runs out.
 */
export const OUTCOME_MARGIN_MS = 15_000;

/** The worker's dependencies for one invocation: the worker's own, and the time that invocation has left. */
type RunDeps = WorkerDeps & InvocationLimits;

/**
 * DONE: the message can go. RETRY_LATER: another worker holds the execution; look again once its
 * lease ends (`afterSeconds`): then it has finished, or its worker died and this message takes over.
 */
export type RunOutcome = { outcome: 'DONE' } | { outcome: 'RETRY_LATER'; afterSeconds: number };

const DONE: RunOutcome = { outcome: 'DONE' };

/** What writing a sent document came to: the execution ended, is ours to run, or existed already. */
type SentOutcome = { ended: StoredExecution } | { claimed: StoredExecution } | 'EXISTS' | 'HELD';

/**
 * The worker. A claim is a conditional write (a put that no other item of the id may precede, or an
 * update conditional on what was read), so a duplicate or redelivered message finds the execution
 * taken or ended and does nothing; every later write is conditional on the lease, so a worker that
 * lost its lease can never overwrite its successor.
 */
export function createExecutionRunner(deps: WorkerDeps): ExecutionRunner {
  const flowFor = recentFlows(deps);
  const stoppedNow = recentStops(deps);
  return {
    async runExecutions(messages, limits) {
      const run: RunDeps = { ...deps, remainingMs: () => limits?.remainingMs() ?? Number.POSITIVE_INFINITY };
      const claimedAt = deps.clock.now();
      const leaseUntilMs = claimedAt.getTime() + deps.settings.worker.leaseSeconds * 1000;
      const leaseTokens = messages.map(() => randomId());
      const marks: SlotMark[] = [];
      /** The trigger of each page marked, to complete its backfill when a mark ends the page. */
      const triggerOfPage = new Map<string, TriggerRef>();
      const ended = (stored: StoredExecution) => {
        const page = stored.origin.page;
        if (!page) return;
        marks.push(slotMarkOf(page, stored.execution.state.current));
        const { execution } = stored;
        if (execution.trigger) triggerOfPage.set(page.id, { namespace: execution.namespace, flowId: execution.flowId, triggerId: execution.trigger.id });
      };

      // Documents first: each is one conditional write, or an instant run and one write.
      const sent = await Promise.allSettled(
        messages.map(async (message, i): Promise<SentOutcome | undefined> => {
          if (!message.created) return undefined;
          const page = message.created.origin.page;
          const stop = page ? await stoppedNow(message.created.execution, message.created.origin.backfillId) : undefined;
          // A paused backfill's executions that have not started wait: their slot is held, and
          // dispatch sends them again once the backfill runs again.
          if (page && stop === 'PAUSED') {
            await deps.ledger.hold(page.id, [page.slot]);
            return 'HELD';
          }
          // A cancelled one's never start: written KILLED, unless written already (then as stored).
          if (stop && stop !== 'PAUSED') {
            const killed = await writeKilled(deps, message.created, stop, claimedAt);
            if (!killed) return 'EXISTS';
            await deps.logs.append([killLogLine(killed.execution, stop)]);
            return { ended: killed };
          }
          return writeSent(run, flowFor, message.created, leaseTokens[i] ?? randomId(), leaseUntilMs, claimedAt);
        }),
      );
      // Then one read for every message whose execution exists.
      const toClaim = sent.flatMap((first, i) => (first.status === 'fulfilled' && (first.value === undefined || first.value === 'EXISTS') ? [i] : []));
      const claims = toClaim.length
        ? await deps.executions.claimMany(
            toClaim.map((i) => ({ id: messages[i]?.executionId ?? '', leaseToken: leaseTokens[i] ?? '' })),
            leaseUntilMs,
            claimedAt,
          )
        : [];
      const claimOf = new Map(toClaim.map((messageIndex, k) => [messageIndex, claims[k]]));

      const results = await Promise.allSettled(
        messages.map(async (message, i): Promise<RunOutcome> => {
          const first = sent[i];
          if (first?.status === 'rejected') throw first.reason;
          const leaseToken = leaseTokens[i] ?? '';
          let toRun: StoredExecution | undefined;
          if (first?.value === 'HELD') return DONE;
          if (first?.value && first.value !== 'EXISTS') {
            if ('ended' in first.value) {
              ended(first.value.ended);
              return DONE;
            }
            toRun = first.value.claimed;
          } else {
            const claim = claimOf.get(i);
            if (!claim) throw new Error(`No claim result for execution ${message.executionId}`);
            if (claim.outcome === 'BUSY') {
              return { outcome: 'RETRY_LATER', afterSeconds: Math.max(1, Math.ceil((claim.leaseUntilMs - claimedAt.getTime()) / 1000) + 1) };
            }
            // Ended already (a redelivery, or a crash before its page was marked): mark it, idempotently.
            if (claim.outcome === 'FINISHED') ended(claim.stored);
            if (claim.outcome !== 'CLAIMED') return DONE;
            toRun = claim.stored;
          }
          try {
            const finished = await runClaimed(run, flowFor, toRun, leaseToken);
            if (finished) ended(finished);
            return DONE;
          } catch (error) {
            await deps.executions.releaseLease(message.executionId, leaseToken).catch(() => undefined);
            throw error;
          }
        }),
      );
      // A failed mark fails the batch's ended messages too: their redelivery finds them ended and marks again.
      if (marks.length) {
        try {
          const pages = await deps.ledger.markEnded(marks);
          // A page whose last execution just ended may be the backfill's last: complete it now.
          const backfills = new Map(
            pages.filter(hasEnded).flatMap((page) => {
              const ref = triggerOfPage.get(page.id);
              return ref ? [[page.backfillId, ref] as const] : [];
            }),
          );
          for (const [backfillId, ref] of backfills) await completeIfDrained(deps, ref, backfillId);
        } catch (error) {
          return results.map((result) => (result.status === 'fulfilled' ? { status: 'rejected' as const, reason: error } : result));
        }
      }
      return results;
    },
  };
}

type FlowLookup = (stored: Pick<StoredExecution, 'execution' | 'origin'>) => Promise<Flow | undefined>;

/**
 * Writes an execution dispatch sent as a document. A flow of instant tasks (`Log`) runs here and
 * now, and its execution is written once, ended, with its log when the log is small: a duplicate
 * message may run it twice in memory, but only one write can land. Any other flow's execution is
 * written RUNNING under this worker's lease, and runs as a claimed one.
 */
async function writeSent(
  deps: RunDeps,
  flowFor: FlowLookup,
  sent: NonNullable<ExecutionMessage['created']>,
  leaseToken: string,
  leaseUntilMs: number,
  now: Date,
): Promise<SentOutcome> {
  const stored: StoredExecution = {
    execution: { ...sent.execution, state: transition(sent.execution.state, 'RUNNING', now), taskRunList: [] },
    origin: sent.origin,
  };
  const flow = await flowFor(stored);
  if (flow?.tasks.every((task) => task.type === LOG_TYPE)) {
    const logs = logWriterFor(deps, stored.execution, { holdAll: true });
    // Without a lease nothing is saved on the way, so the lease cannot be lost.
    const final = (await runTasks(deps, flow, stored, logs, undefined)) as StateType;
    const smallLog = logs.takeSmallLog(SMALL_LOG_BYTES);
    if (smallLog || logs.isEmpty()) {
      const done: StoredExecution = { ...stored, execution: { ...stored.execution, state: transition(stored.execution.state, final, deps.clock.now()) } };
      if (!(await deps.executions.createIfAbsent({ ...done, logs: smallLog }))) return 'EXISTS';
      await afterEnd(deps, flow, done);
      return { ended: done };
    }
    // Too much log to ride along: a lease first, then the lines, then the end.
    if (!(await deps.executions.createClaimed(stored, leaseToken, leaseUntilMs))) return 'EXISTS';
    // Best-effort: never rejects; a line saying what could not be written rides on the final write.
    stored.logs = await logs.flush();
    stored.execution.state = transition(stored.execution.state, final, deps.clock.now());
    if (!(await deps.executions.finish(stored, leaseToken))) return { ended: stored };
    await afterEnd(deps, flow, stored);
    return { ended: stored };
  }
  if (!(await deps.executions.createClaimed(stored, leaseToken, leaseUntilMs))) return 'EXISTS';
  return { claimed: stored };
}

/** Runs a claimed execution to its end; the ended execution, or undefined if the lease was lost (its new owner ends it). */
async function runClaimed(deps: RunDeps, flowFor: FlowLookup, stored: StoredExecution, leaseToken: string): Promise<StoredExecution | undefined> {
  const execution = stored.execution;
  const logs = logWriterFor(deps, execution);
  const flow = await flowFor(stored);
  // This run, and the earlier ones (since its last restart) whose worker died with them; runs given
  // up after an infrastructure error (their lease released) do not count.
  const attempt = runsSinceRestart(execution) - (stored.releasedRuns ?? 0);
  const { maxAttempts } = deps.settings.worker;
  // Killed while an earlier worker held it (that worker died): it ends KILLED here, nothing run.
  // Every earlier worker stopped without finishing it (a task that takes its worker down, a crash
  // loop): one more run would end the same way, and retrying forever would keep its backfill open.
  const final = stored.killed
    ? 'KILLED'
    : attempt > maxAttempts
      ? giveUp(
          logs,
          `Execution could not be run: started ${attempt - 1} times, and each time its worker stopped before it ended (WORKER_MAX_ATTEMPTS is ${maxAttempts})`,
        )
      : await runTasks(deps, flow, stored, logs, leaseToken);
  if (final === 'LEASE_LOST') return undefined;
  if (final === 'KILLED' && stored.killed) logs.log('ERROR', `Execution killed: ${stored.killed.by}, at ${stored.killed.at}`);
  // A short log (a Log task's line or two) rides on the execution's final write instead of a write of its own.
  const smallLog = logs.takeSmallLog(SMALL_LOG_BYTES);
  // Best-effort: never rejects; a line saying what could not be written rides on the final write.
  const unwritten = await logs.flush();
  const now = deps.clock.now();
  execution.state = final === 'KILLED' && stored.killed ? killedState(execution.state, stored.killed, now) : transition(execution.state, final, now);
  if (!(await deps.executions.finish({ ...stored, logs: smallLog ?? unwritten }, leaseToken))) return undefined;
  await afterEnd(deps, flow, stored);
  return stored;
}

function giveUp(logs: LogWriter, reason: string): StateType {
  logs.log('ERROR', reason);
  return 'FAILED';
}

function logWriterFor(deps: WorkerDeps, execution: Execution, options?: { holdAll: boolean }): LogWriter {
  const attempt = runsStarted(execution);
  return new LogWriter(
    deps.logs,
    { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, triggerId: execution.trigger?.id },
    attempt,
    deps.clock,
    { ...options, maxLines: deps.settings.worker.logMaxLines, maxBytes: deps.settings.worker.logMaxBytes },
  );
}

/**
 * Runs the flow's tasks in order, recording task runs on the execution; the execution's final state.
 * With a lease, a task that may run for a while is shown RUNNING first (saving checks the lease).
 */
async function runTasks(
  deps: RunDeps,
  flow: Flow | undefined,
  stored: StoredExecution,
  logs: LogWriter,
  leaseToken: string | undefined,
): Promise<StateType | 'LEASE_LOST'> {
  const execution = stored.execution;
  if (!flow) {
    logs.log('ERROR', `Flow ${execution.namespace}.${execution.flowId} no longer exists`);
    return 'FAILED';
  }
  // A backfill's execution runs the revision it was built from (recentFlows), unless that one is not
  // kept; any other runs the flow as it is now, which may be a later revision than its creation's.
  if (stored.origin.backfillId !== undefined && flow.revision !== execution.flowRevision) {
    logs.log(
      'WARN',
      `Flow revision ${execution.flowRevision}, which this backfill's execution was built from, is not kept (replaced before revisions were kept): running revision ${flow.revision}, the current one`,
    );
  }
  execution.flowRevision = flow.revision;
  // A task's templates render synchronously (within their budget): give the loop a turn between tasks.
  const breathe = yielder();
  for (const task of flow.tasks) {
    await breathe();
    const taskRun = startTaskRun(execution, task, deps.clock.now());
    execution.taskRunList.push(taskRun);
    if (leaseToken !== undefined && task.type !== LOG_TYPE && !(await deps.executions.save(stored, leaseToken))) {
      // Refused: the lease was lost, or the execution was killed (it starts no further task).
      execution.taskRunList.pop();
      return (await killed(deps, stored)) ? 'KILLED' : 'LEASE_LOST';
    }
    const outcome = await runTask(deps, flow, execution, task, taskRun, logs);
    // A runner that says its task was killed is believed only if a kill was asked (a task can forge its runner's answer).
    const taskKilled = outcome === 'KILLED' && (await killed(deps, stored));
    const state = transition(taskRun.state, taskKilled ? 'KILLED' : outcome === 'SUCCESS' ? 'SUCCESS' : 'FAILED', deps.clock.now());
    taskRun.state = state;
    taskRun.attempts = [{ state }];
    if (taskKilled) return 'KILLED';
    if (outcome !== 'SUCCESS') return 'FAILED';
  }
  return 'SUCCESS';
}

/** Whether a kill was asked for the execution; if so it is recorded on `stored.killed`. */
async function killed(deps: WorkerDeps, stored: StoredExecution): Promise<boolean> {
  stored.killed ??= await deps.executions.killRequestOf(stored.execution.id);
  return stored.killed !== undefined;
}

/** Kestra's `stopAfter`: an execution of the trigger ending in a listed state switches the trigger off. */
async function afterEnd(deps: WorkerDeps, flow: Flow | undefined, stored: StoredExecution): Promise<void> {
  const { execution } = stored;
  if (!execution.trigger) return;
  const ref = { namespace: execution.namespace, flowId: execution.flowId, triggerId: execution.trigger.id };
  const trigger = flow?.triggers.find((t) => t.id === ref.triggerId);
  const final = execution.state.current;
  if (trigger?.stopAfter?.includes(final)) {
    await setDisabled(deps, ref, true);
    console.log(`Trigger ${ref.namespace}.${ref.flowId}.${ref.triggerId} disabled: execution ${execution.id} ended ${final} (stopAfter)`);
  }
}

/**
 * The largest log (as JSON) kept with the execution rather than in the logs table: a few lines,
 * which the store compresses beside the document so that the execution's item stays within one KB.
 */
const SMALL_LOG_BYTES = 600;

/** How long the worker trusts what it read of a backfill's pause or cancel: either stops its unstarted executions within this. */
const PAUSE_CACHE_MS = 1000;

/** What stops a backfill's execution from starting: its backfill paused, or cancelled (the kill request to write it KILLED with). */
type Stop = 'PAUSED' | KillRequest;

/**
 * Whether the backfill that sent an execution (`backfillId`) is paused or being cancelled now (or
 * ended cancelled), from its own row read at most once a second per backfill by this worker (one
 * small read a second, not one per execution). A deleted backfill stops nothing: its executions run
 * on, as in Kestra.
 */
function recentStops(deps: Pick<WorkerDeps, 'triggers' | 'clock'>): (execution: Execution, backfillId: string | undefined) => Promise<Stop | undefined> {
  const cache = new Map<string, { record: BackfillRecord | undefined; at: number }>();
  return async (execution, backfillId) => {
    if (!execution.trigger || !backfillId) return undefined;
    const ref = { namespace: execution.namespace, flowId: execution.flowId, triggerId: execution.trigger.id };
    const key = `${ref.namespace}|${ref.flowId}|${ref.triggerId}|${backfillId}`;
    const now = deps.clock.now().getTime();
    let cached = cache.get(key);
    if (!cached || now - cached.at >= PAUSE_CACHE_MS) {
      cached = { record: await deps.triggers.getBackfill(ref, backfillId), at: now };
      if (cache.size > 1000) cache.clear();
      cache.set(key, cached);
    }
    return stopOf(cached.record);
  };
}

/** Whether the backfill stops its executions, and how: paused, being cancelled, or ended CANCELLED (a late message of it). */
function stopOf(record: BackfillRecord | undefined): Stop | undefined {
  const backfill = activeBackfill(record);
  if (backfill) {
    if (backfill.cancelling) return { at: backfill.cancelling.at, by: backfill.cancelling.by };
    return backfill.paused ? 'PAUSED' : undefined;
  }
  const last = record && 'ended' in record ? record.ended : undefined;
  return last?.outcome === 'CANCELLED' ? { at: last.endedDate, by: `backfill ${last.id} cancelled` } : undefined;
}

/** How long a flow read stays fresh: a backfill runs the same flow thousands of times in a row. */
const FLOW_CACHE_MS = 2000;

/**
 * The flow an execution runs. A backfill's runs the revision its document names, the one dispatch
 * built it from: its backfill's pinned revision, or with `latestRevision` the one current when it
 * was dispatched; so a restart of it runs that revision again. Any other execution (live, replayed)
 * runs the flow as it is now. Either way the flow must still exist: a deleted flow's executions fail.
 *
 * The current flows this worker read in the last moments are reused; an execution of a later
 * revision than the cached one always reads again, so an edited flow is never run from a stale copy.
 * Revisions no longer current never change, so they are kept for the worker's life.
 */
function recentFlows(deps: Pick<WorkerDeps, 'flows' | 'clock'>): FlowLookup {
  const cache = new Map<string, { flow: Flow | undefined; at: number }>();
  const revisions = new Map<string, Flow>();
  const currentFlow = async (execution: Execution) => {
    const key = `${execution.namespace}|${execution.flowId}`;
    const now = deps.clock.now().getTime();
    const cached = cache.get(key);
    if (cached?.flow && now - cached.at < FLOW_CACHE_MS && cached.flow.revision >= execution.flowRevision) return cached.flow;
    const flow = await deps.flows.get(execution.namespace, execution.flowId);
    if (cache.size > 1000) cache.clear();
    cache.set(key, { flow, at: now });
    return flow;
  };
  return async ({ execution, origin }) => {
    const current = await currentFlow(execution);
    if (!current || origin.backfillId === undefined || current.revision === execution.flowRevision) return current;
    const key = `${execution.namespace}|${execution.flowId}|${execution.flowRevision}`;
    let revision = revisions.get(key);
    if (!revision) {
      revision = await deps.flows.getRevision(execution.namespace, execution.flowId, execution.flowRevision);
      // Not kept: replaced before revisions were kept (an execution an earlier version dispatched).
      if (!revision) return current;
      if (revisions.size > 1000) revisions.clear();
      revisions.set(key, revision);
    }
    return revision;
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
    execution: { id: execution.id, startDate: execution.state.startDate, originalId: execution.replayOf?.id ?? execution.id },
    inputs: execution.inputs,
    labels: Object.fromEntries(execution.labels.map((l) => [l.key, l.value])),
    task: { id: task.id, type: task.type },
    taskrun: { id: taskRun.id, startDate: taskRun.state.startDate, attemptsCount: 0 },
  };
  if (execution.trigger) variables.trigger = execution.trigger.variables;
  return variables;
}

/** How a task ended: KILLED when its runner stopped it because its execution was killed. */
type TaskOutcome = 'SUCCESS' | 'FAILED' | 'KILLED';

async function runTask(deps: RunDeps, flow: Flow, execution: Execution, task: Task, taskRun: TaskRun, logs: LogWriter): Promise<TaskOutcome> {
  const fields = { taskId: task.id, taskRunId: taskRun.id, attemptNumber: 1 };
  const log = (level: Parameters<LogWriter['log']>[0], message: string) => logs.log(level, message, fields);
  const variables = templateVariables(flow, execution, task, taskRun);
  let rendered: ShellScript;
  try {
    if (task.type === LOG_TYPE) {
      // One time budget for all the task's messages, as for a shell task's commands.
      const renderer = createRenderer(variables);
      for (const message of Array.isArray(task.message) ? task.message : [task.message]) log(task.level, renderer.render(message));
      return 'SUCCESS';
    }
    rendered = renderValue({ commands: task.commands, beforeCommands: task.beforeCommands, env: task.env }, variables) as ShellScript;
  } catch (error) {
    // Template errors fail the task with the reason in its logs, like Kestra.
    log('ERROR', (error as Error).message);
    return 'FAILED';
  }
  // A task never outlives its worker's invocation: on AWS Lambda would kill both, and the message
  // would come back to run it all again. Its own timeout is clamped to the time left.
  const requestedMs = task.timeoutMs ?? deps.settings.worker.defaultTaskTimeoutSeconds * 1000;
  const leftMs = Math.floor(deps.remainingMs() - OUTCOME_MARGIN_MS);
  if (leftMs <= 0) {
    log('ERROR', `Task not started: its worker has no time left for it (WORKER_TIMEOUT_SECONDS is ${deps.settings.worker.timeoutSeconds})`);
    return 'FAILED';
  }
  const timeoutMs = Math.min(requestedMs, leftMs);
  // Whatever happens to the task resolves (a spawn failure, a timeout, a runner that died under it);
  // a runner that could not be reached rejects, and the execution is retried like after a store error.
  const result = await deps.taskRunner.run({
    executionId: execution.id,
    task: rendered,
    timeoutMs,
    log,
    logLimits: { maxLines: deps.settings.worker.logMaxLines, maxBytes: deps.settings.worker.logMaxBytes },
  });
  if (result.unsent) logs.countUnlogged(result.unsent.lines, result.unsent.bytes);
  if (result.timedOut && timeoutMs < requestedMs) {
    log(
      'ERROR',
      `Task killed after ${isoDuration(timeoutMs)}: its worker's time limit (WORKER_TIMEOUT_SECONDS is ${deps.settings.worker.timeoutSeconds}) ` +
        `left no more time, short of the task's own timeout of ${isoDuration(requestedMs)}`,
    );
  }
  return result.killed ? 'KILLED' : result.ok ? 'SUCCESS' : 'FAILED';
}
