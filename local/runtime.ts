import { readFile, readdir } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStreamingApiHandler } from '../functions/api';
import { createContinueHandler } from '../functions/continue';
import { createFailHandler } from '../functions/fail';
import { type TaskContext, createDispatchHandler } from '../functions/dispatch';
import { type DeadLetterHandler, createDeadLetterHandler } from '../functions/dead-letter';
import { type OperationsHandler, createOperationDeadLetterHandler, createOperationsHandler } from '../functions/operations';
import { createParkHandler } from '../functions/park';
import { createSweepHandler } from '../functions/sweep';
import { createTickHandler } from '../functions/tick';
import { type WorkerHandler, createWorkerHandler } from '../functions/worker';
import { ensureTables } from '../lib/adapters/dynamodb/create-tables';
import { DynamoDbLocalRecovery } from '../lib/adapters/dynamodb/local-recovery';
import { moveBackfillsToOwnRows, rebuildOutdatedExecutions } from '../lib/adapters/dynamodb/migrations';
import { storesFor } from '../lib/adapters/dynamodb/stores';
import { lockDataFolder } from '../lib/adapters/local/data-folder-lock';
import { startHttpServer } from '../lib/adapters/local/http-server';
import { InteractiveFirst } from '../lib/adapters/local/interactive-first';
import { LocalBackfillWorkflows } from '../lib/adapters/local/local-backfill-workflows';
import { type LocalDynamo, connectDynamo, startLocalDynamo } from '../lib/adapters/local/local-dynamo';
import { LocalExecutionQueue } from '../lib/adapters/local/local-execution-queue';
import { LocalOperationQueue } from '../lib/adapters/local/local-operation-queue';
import { terminalTelemetry } from '../lib/adapters/local/terminal-telemetry';
import { JsonLinesBackfillEvents } from '../lib/adapters/local/json-lines-backfill-events';
import { HttpWebhookSender } from '../lib/adapters/webhook/http-webhook-sender';
import { LocalTaskRunner } from '../lib/adapters/local/local-task-runner';
import { DynamoKillFlags } from '../lib/adapters/dynamodb/kill-flags';
import { resendUnrecordedParts } from '../lib/app/operations';
import { sweepStuck } from '../lib/app/stuck-executions';
import { retryPendingNotifications } from '../lib/app/backfill-notifications';
import { upsertFlow } from '../lib/app/flows';
import {
  OPERATIONS_BATCH_SIZE,
  OPERATIONS_CONCURRENCY,
  OPERATIONS_TIMEOUT_SECONDS,
  QUEUE_MAX_RECEIVE_COUNT,
  type Settings,
  readSettings,
  visibilityTimeoutSecondsFor,
} from '../lib/config';
import type {
  BackfillEvents,
  Clock,
  DispatchLedger,
  ExecutionStore,
  FlowStore,
  LocalRecovery,
  LogStore,
  KillFlags,
  OperationStore,
  TaskRunner,
  Telemetry,
  TriggerStore,
  WebhookSender,
} from '../lib/ports';
import { readBackfillDefinition } from '../lib/workflow/definition';

/**
 * Worker invocations at once, each running a batch of up to 4 executions side by side: 48 executions,
 * so 48 running shell tasks (96 processes for the seed's `sh` + `sleep`). WHY 12 (npm run
 * bench:concurrency, the seed's backfill on 2 cores): the tasks mostly wait, but every execution also
 * costs 14-20 ms of this process's CPU (claim, saves, logs, the spawn). With dynalite in its own
 * thread and API requests served before new deliveries: at 8, 29.7 executions/s, trigger view p99
 * 119 ms; at 12, 43.9/s, p99 146 ms; at 16, 56-58/s, p99 198-276 ms; at 24, 80/s, p99 428 ms. 12 is
 * the highest value measured that keeps the API's p99 under 250 ms while the seed's backfill runs;
 * WORKER_CONCURRENCY trades that for throughput.
 */
const DEFAULT_WORKER_CONCURRENCY = 12;
/** Executions per worker invocation locally, run side by side. */
const DEFAULT_WORKER_BATCH_SIZE = 4;

export interface LocalOptions {
  /** Folder for the data (LevelDB); undefined keeps everything in memory (tests). */
  dataDir?: string;
  /** Runs dynalite in a worker thread, on a core of its own (`npm start` does; see startLocalDynamo). */
  dynaliteThread?: boolean;
  /**
   * A DynamoDB endpoint started separately (`DYNAMODB_ENDPOINT`: a dynalite or DynamoDB Local of its
   * own, or a proxy in front of one); the embedded dynalite is not started then. The data folder's
   * lock still applies: it is what proves the previous local process gone before recovery.
   */
  dynamoEndpoint?: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** How long a streamed answer (a follow) lasts at most before it says to reconnect (LOCAL_STREAM_MAX_MS by default). */
  streamMaxMs?: number;
  /** Folder whose *.yml / *.yaml flows are loaded at start. */
  flowsDir?: string;
  /** Settings as environment variables (the same names the Lambdas read). */
  env?: NodeJS.ProcessEnv;
  workerConcurrency?: number;
  workerBatchSize?: number;
  /** Delay before a failed queue record is delivered again; by default as on AWS (visibilityTimeoutSecondsFor). */
  visibilityTimeoutMs?: number;
  clock?: Clock;
  /**
   * The telemetry of each handler (`worker`, `dispatch`, `sweep`, `dead-letter`, `operations`, and `local` for
   * the rest): by default Powertools' Logger on the terminal and no metrics (terminalTelemetry).
   */
  telemetry?: (handler: string) => Telemetry;
  /** Runs the live schedule (the tick function) every this many ms; off when undefined (tests drive time themselves). */
  liveTickMs?: number;
  log?: (message: string) => void;
  /** Measuring hooks (the cost benchmark) and fault injection (test/faults); the runtime behaves the same without them. */
  instrument?: LocalInstrumentation;
}

/** The Lambda handlers the local runtime invokes on its own: the queue's worker and the state machine's tasks. */
export type LocalHandlerName = 'worker' | 'dispatch' | 'park' | 'continue' | 'fail';

export interface LocalInstrumentation {
  /**
   * Called once with the DynamoDB client every store shares (and dynalite's endpoint), before the
   * first request: e.g. to add AWS SDK middleware that counts requests.
   */
  dynamo?(client: DynamoDBClient, endpoint: string): void;
  /**
   * Wraps the ports before any handler is built from them: the fault-injection suite (test/faults)
   * puts a lossy queue or stores that crash after a write here. Returns the dependencies to use.
   */
  dependencies?(deps: LocalDependencies): LocalDependencies;
  /** Wraps each handler the runtime invokes, e.g. to count invocations and time them. */
  handler?<I, O>(name: LocalHandlerName, handler: (input: I) => Promise<O>): (input: I) => Promise<O>;
}

/** The local composition root's output: every port, bound to dynalite, the in-process queue and the local state machine runner. */
export interface LocalDependencies {
  settings: Settings;
  clock: Clock;
  flows: FlowStore;
  triggers: TriggerStore;
  executions: ExecutionStore;
  logs: LogStore;
  ledger: DispatchLedger;
  operations: OperationStore;
  queue: LocalExecutionQueue;
  /** The bulk operations' parts, consumed by functions/operations.ts as on AWS. */
  operationQueue: LocalOperationQueue;
  workflows: LocalBackfillWorkflows;
  /** Runs shell tasks in a child process without credentials (local/task-runner-process.ts), as the task runner function on AWS. */
  taskRunner: TaskRunner;
  /** Lifecycle events: logged, and appended to `backfill-events.jsonl` in the data folder (EventBridge on AWS). */
  events: BackfillEvents;
  /** Final notifications' webhooks; plain http to this machine is accepted unless WEBHOOK_ALLOW_LOOPBACK=false. */
  webhooks: WebhookSender;
  sleep: (ms: number) => Promise<void>;
  /** The `local` telemetry; each handler the runtime builds gets its own (LocalOptions.telemetry). */
  telemetry: Telemetry;
}

export interface LocalRuntime {
  url: string;
  deps: LocalDependencies;
  queue: LocalExecutionQueue;
  workflows: LocalBackfillWorkflows;
  /** Runs one pass of the live schedule now, as the EventBridge rule does on AWS. */
  tick(): Promise<void>;
  /** Runs one pass of the sweep now (as its timer, and on AWS its EventBridge rule, do), final notifications' retries included. */
  sweep(): Promise<void>;
  /**
   * Resolves once no state machine task (dispatch, park, continue) is running. Stopping a state
   * machine execution does not stop a task call it is in: a dispatch may still land its batch
   * after `workflows.idle()`, but not after this.
   */
  tasksIdle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded default in one process: dynalite for DynamoDB, the backfill ASL on
 * aws-local-stepfunctions, an in-process queue feeding the SQS worker handler, and an HTTP server
 * feeding the API handler. It is a composition root, like each Lambda's: it builds its own
 * dependencies and passes them to the same `functions/` handler factories. Nothing is global, so
 * several runtimes can share one process.
 */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const lock = options.dataDir ? lockDataFolder(options.dataDir) : { release: () => undefined, previousRunCrashed: false };
  let dynamo: LocalDynamo | undefined;
  let server: Server | undefined;
  // The runner's kill watch reads the executions table, which exists only below: bound late.
  let killFlags: KillFlags | undefined;
  const taskRunner = new LocalTaskRunner({
    entry: fileURLToPath(new URL('./task-runner-process.ts', import.meta.url)),
    killFlags: { isKilled: (executionId) => killFlags?.isKilled(executionId) ?? Promise.resolve(false) },
  });
  try {
    dynamo = options.dynamoEndpoint
      ? connectDynamo(options.dynamoEndpoint)
      : await startLocalDynamo(options.dataDir ? join(options.dataDir, 'dynamodb') : undefined, { thread: options.dynaliteThread });
    options.instrument?.dynamo?.(dynamo.client, dynamo.endpoint);
    const read = readSettings(options.env ?? process.env);
    // What the API's dry run assumes of the worker is what the in-process queue below does.
    const workerBatchSize = options.workerBatchSize ?? DEFAULT_WORKER_BATCH_SIZE;
    const workerConcurrency = options.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY;
    // Locally, webhooks may be plain http to this machine (your receiver, a test's) unless the environment says no.
    const allowLoopback = (options.env ?? process.env).WEBHOOK_ALLOW_LOOPBACK === undefined ? true : read.notify.allowLoopback;
    const settings = {
      ...read,
      worker: { ...read.worker, batchSize: workerBatchSize, concurrency: workerConcurrency },
      notify: { ...read.notify, allowLoopback },
    };
    // Before ensureTables, which would otherwise create a fresh table beside an interrupted rebuild.
    const carried = await rebuildOutdatedExecutions(dynamo.client, settings.tables.executions);
    if (carried) log(`data folder from an older version: rebuilt the executions table with this version's indexes (${carried} executions)`);
    await ensureTables(dynamo.client, settings.tables);
    // Triggers written with one backfill per trigger keep it on their main row: each moves to a row of its own.
    const moved = await moveBackfillsToOwnRows(dynamo.client, settings.tables.triggers);
    if (moved) log(`data folder from an older version: moved ${moved} backfills to rows of their own in the triggers table`);
    killFlags = new DynamoKillFlags(dynamo.client, settings.tables.executions);

    // The queue and the state machine runner call handlers that need them in turn: bound late.
    let worker: WorkerHandler | undefined;
    let deadLetter: DeadLetterHandler | undefined;
    const requests = new InteractiveFirst();
    const queue = new LocalExecutionQueue({
      handler: (event, context) => (worker as WorkerHandler)(event, context),
      // As the worker Lambda's timeout: tasks are clamped to it, and an invocation past it fails its batch.
      invocationTimeoutMs: settings.worker.timeoutSeconds * 1000,
      concurrency: workerConcurrency,
      batchSize: workerBatchSize,
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? visibilityTimeoutSecondsFor(settings.worker.timeoutSeconds) * 1000,
      // As the AWS queues' redrive policy: a message that fails this often goes to the dead-letter consumer.
      maxReceiveCount: QUEUE_MAX_RECEIVE_COUNT,
      deadLetterHandler: (event) => (deadLetter as DeadLetterHandler)(event),
      holdWhile: () => requests.holding(),
    });
    let operations: OperationsHandler | undefined;
    let operationDeadLetters: OperationsHandler | undefined;
    const operationQueue = new LocalOperationQueue({
      handler: (event, context) => (operations as OperationsHandler)(event, context),
      invocationTimeoutMs: OPERATIONS_TIMEOUT_SECONDS * 1000,
      invocationTimeoutSetting: 'the operations function timeout',
      concurrency: OPERATIONS_CONCURRENCY,
      batchSize: OPERATIONS_BATCH_SIZE,
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? visibilityTimeoutSecondsFor(OPERATIONS_TIMEOUT_SECONDS) * 1000,
      maxReceiveCount: QUEUE_MAX_RECEIVE_COUNT,
      deadLetterHandler: (event) => (operationDeadLetters as OperationsHandler)(event),
      holdWhile: () => requests.holding(),
    });
    requests.onRelease(() => {
      queue.resume();
      operationQueue.resume();
    });
    type Task = 'dispatch' | 'park' | 'continue' | 'fail';
    const tasks: Partial<Record<Task, (input: never, context: TaskContext) => Promise<unknown>>> = {};
    const tasksInFlight = new Set<Promise<unknown>>();
    // What Lambda's context tells a task about its time: here it never runs out until the runtime
    // closes, and then at once, so a dispatch round stops after the batch in hand instead of
    // dispatching on into a closing store (stopping an execution does not stop its task call).
    let closing = false;
    const taskContext: TaskContext = { getRemainingTimeInMillis: () => (closing ? 0 : Number.MAX_SAFE_INTEGER) };
    const call = (task: Task) => (input: never) => {
      const running = (tasks[task] as (input: never, context: TaskContext) => Promise<unknown>)(input, taskContext);
      tasksInFlight.add(running);
      const forget = () => tasksInFlight.delete(running);
      running.then(forget, forget);
      return running;
    };
    const tasksIdle = async () => {
      while (tasksInFlight.size > 0) await Promise.allSettled([...tasksInFlight]);
    };
    const workflows = new LocalBackfillWorkflows(readBackfillDefinition(), {
      DispatchFunctionArn: call('dispatch'),
      ParkFunctionArn: call('park'),
      ContinueFunctionArn: call('continue'),
      FailFunctionArn: call('fail'),
    });
    const telemetryOf = options.telemetry ?? terminalTelemetry;
    const built: LocalDependencies = {
      settings,
      clock: options.clock ?? { now: () => new Date() },
      // With its own dynalite (its data folder locked), this process makes every write: searches may keep checkpoints.
      ...storesFor(dynamo.client, settings.tables, { soleWriter: !options.dynamoEndpoint }),
      queue,
      operationQueue,
      workflows,
      taskRunner,
      events: new JsonLinesBackfillEvents(options.dataDir ? join(options.dataDir, 'backfill-events.jsonl') : undefined, telemetryOf('events')),
      webhooks: new HttpWebhookSender({ timeoutMs: settings.notify.webhookTimeoutMs, allowLoopback: settings.notify.allowLoopback }),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      telemetry: telemetryOf('local'),
    };
    const deps = options.instrument?.dependencies?.(built) ?? built;
    const wrap = <I, O>(name: LocalHandlerName, handler: (input: I) => Promise<O>) => options.instrument?.handler?.(name, handler) ?? handler;
    worker = wrap('worker', createWorkerHandler({ ...deps, telemetry: telemetryOf('worker') }));
    deadLetter = createDeadLetterHandler({ ...deps, telemetry: telemetryOf('dead-letter') });
    operations = createOperationsHandler({ ...deps, telemetry: telemetryOf('operations') });
    operationDeadLetters = createOperationDeadLetterHandler({ ...deps, telemetry: telemetryOf('operations') });
    const sweep = createSweepHandler({ ...deps, telemetry: telemetryOf('sweep') });
    tasks.dispatch = wrap('dispatch', createDispatchHandler({ ...deps, telemetry: telemetryOf('dispatch') }));
    tasks.park = wrap('park', createParkHandler(deps));
    tasks.continue = wrap('continue', createContinueHandler(deps));
    tasks.fail = wrap('fail', createFailHandler(deps));
    const tick = createTickHandler(deps);

    const recovery = new DynamoDbLocalRecovery(dynamo.client, settings.tables);
    if (lock.previousRunCrashed) {
      const repaired = await recovery.repairUnfinishedIndex();
      log(`the previous run did not stop cleanly: re-indexed ${repaired} unfinished executions`);
    }
    if (options.flowsDir) await loadFlows(deps, options.flowsDir, log);
    await recover(deps, recovery, log);
    const sweeper = startTicker(() => sweep(), settings.sweep.intervalSeconds * 1000, 'Sweep');
    const http = await startHttpServer(createStreamingApiHandler(deps), options.host ?? '127.0.0.1', options.port, requests, {
      streamMaxMs: options.streamMaxMs,
    });
    server = http.server;
    const ticker = options.liveTickMs ? startTicker(() => tick(), options.liveTickMs, 'Live schedule tick') : undefined;
    const openServer = server;
    const openDynamo = dynamo;
    return {
      url: http.url,
      deps,
      queue,
      workflows,
      tick: async () => {
        await tick();
      },
      sweep: async () => {
        await sweep();
      },
      tasksIdle,
      close: async () => {
        closing = true;
        await ticker?.stop();
        await sweeper.stop();
        await new Promise<void>((resolve) => {
          openServer.close(() => resolve());
          openServer.closeAllConnections();
        });
        // A task call of a stopped execution still runs (a dispatch writes its batch, a continue
        // starts the next generation): stop and wait until nothing runs before the store closes.
        do {
          await workflows.stopAll();
          await tasksIdle();
        } while (workflows.activeExecutions.length > 0);
        await queue.stop();
        await operationQueue.stop();
        await taskRunner.close();
        await openDynamo.close();
        lock.release();
      },
    };
  } catch (error) {
    server?.close();
    await taskRunner.close();
    await dynamo?.close();
    lock.release();
    throw error;
  }
}

/**
 * The local stand-in for the EventBridge rule: calls the tick handler on an interval, one call at a
 * time (a slow call delays the next instead of overlapping it).
 */
function startTicker(tick: () => Promise<unknown>, intervalMs: number, name: string): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = tick()
      .then(() => undefined)
      .catch((error: unknown) => console.error(`${name} failed`, error))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  timer = setTimeout(loop, intervalMs);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Loads every flow YAML of the folder; a bad file is reported and skipped, the others still load. */
async function loadFlows(deps: LocalDependencies, folder: string, log: (message: string) => void): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    try {
      const { flow, action } = await upsertFlow(deps, await readFile(join(folder, name), 'utf8'));
      log(`flow ${flow.namespace}.${flow.id} (${join(folder, name)}): ${action}`);
    } catch (error) {
      log(`flow file ${join(folder, name)} skipped: ${(error as Error).message}`);
    }
  }
}

/**
 * After a restart (or a crash), nothing in memory survived, the queue included. The data folder's
 * lock proves every earlier worker gone, so their leases are ended now rather than when they would
 * expire; then the sweep (the same one that runs on a timer, and on AWS on a schedule) runs at once
 * with nothing counted as recent: every unfinished execution and every unended slot of a ledger page
 * is queued again (the worker's claim, and its write-once of a sent execution, make duplicates
 * harmless). Finally the state machine of every backfill starts again, from the cursor stored with
 * the trigger.
 */
async function recover(deps: LocalDependencies, recovery: LocalRecovery, log: (message: string) => void): Promise<void> {
  const unfinished = await recovery.listUnfinished();
  if (unfinished.length) await recovery.expireLeases(unfinished.map((u) => u.executionId));
  const swept = await sweepStuck(deps, { staleAfterMs: 0 });
  if (swept.resent + swept.requeued) log(`queued again ${swept.requeued} unfinished executions and sent again ${swept.resent} that had not started`);
  // A final notification whose sender died with the previous run is due at once (its claim, if any, waits out its minute).
  const notified = await retryPendingNotifications(deps);
  if (notified.delivered + notified.retried + notified.failed)
    log(`final notifications of ended backfills: ${notified.delivered} delivered, ${notified.retried} to retry`);
  const resent = await resendUnrecordedParts(deps, await recovery.unfinishedOperations(deps.clock.now().getTime()));
  if (resent) log(`sent again ${resent} parts of bulk operations that had not been applied`);
  for (const state of await deps.triggers.listWithBackfill()) {
    for (const backfill of state.backfills) {
      await deps.workflows.start(backfill.executionName, {
        backfill: { namespace: state.namespace, flowId: state.flowId, triggerId: state.triggerId, id: backfill.id },
        generation: backfill.generation,
        iteration: 0,
      });
      log(`resumed backfill ${backfill.id} of ${state.namespace}.${state.flowId}.${state.triggerId}`);
    }
  }
}
