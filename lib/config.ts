import { DEFAULT_MAX_BACKFILLS_PER_TRIGGER } from './domain/backfill-windows';
import type { TableNames } from './adapters/dynamodb/tables';
import type { LambdaArchitecture } from './domain/cost/pricing';
import type { RecoverMissedSchedules } from './domain/flow/model';
import { MAX_BYTES_PER_ATTEMPT, MAX_LINES_PER_ATTEMPT } from './domain/log-limits';

/** Everything tunable, read once from the environment (Lambda env vars set by CDK, or the local default). */
export interface Settings {
  tables: TableNames;
  /** SQS queue of backfilled executions to run (AWS only). */
  queueUrl?: string;
  /** SQS queue of live executions, consumed apart so they never wait behind a backfill (AWS only). */
  liveQueueUrl?: string;
  /** The backfill state machine (AWS only). */
  stateMachineArn?: string;
  /** SQS queue of bulk operations' parts (AWS only). */
  operationQueueUrl?: string;
  /** Its dead-letter queue: the operations function records the parts it receives from there failed (AWS only). */
  operationDeadLetterQueueArn?: string;
  /** The function that runs the worker's shell tasks away from its credentials (AWS only; locally a child process). */
  taskRunnerFunction?: string;
  dispatch: {
    /** Ticks one batch dispatches at most (one invocation of the dispatch task runs several batches). */
    batchSize: number;
    /** A backfill's unfinished executions (queued or running) at most; dispatch waits above it. */
    maxInFlight: number;
    /** Loop iterations (dispatch task invocations) before the state machine continues as a new execution (history stays far below 25,000 events). */
    maxIterationsPerExecution: number;
    /** The state machine's Wait, once one dispatch invocation has waited `roundWaitSeconds` for room in vain. */
    throttleWaitSeconds: number;
    /** How long one dispatch invocation keeps dispatching batches (and waiting for room) before it hands back to the state machine. */
    roundSeconds: number;
    /**
     * How long one dispatch invocation waits for room, re-checking, before it hands the wait to the
     * state machine. Waiting in the Lambda is billed per second and a state machine Wait per
     * transition: see `dispatchRound` for the arithmetic behind the default.
     */
    roundWaitSeconds: number;
    /** While waiting for room inside an invocation, re-read the backfill this often: a pause is noticed within it. */
    roundPollMs: number;
  };
  backfill: {
    /** Largest window accepted, in ticks. */
    maxTicks: number;
    /** Backfills active on one trigger at once, at most (on disjoint windows). */
    maxPerTrigger: number;
  };
  api: {
    /** Largest request body accepted, in bytes. */
    maxBodyBytes: number;
    /** On AWS with web sign-in: where the UI sends a browser whose session ended (`WEB_SIGN_IN_URL`). */
    webSignInUrl?: string;
  };
  live: {
    /** What the live schedule does with ticks missed while stopped or disabled, unless the trigger says (Kestra's plugin default). */
    recoverMissedSchedules: RecoverMissedSchedules;
    /** A tick run later than this counts as missed (NONE skips it): 90 s on AWS, where the tick runs once a minute. */
    onTimeSeconds: number;
  };
  worker: {
    /** How long a claimed execution stays owned by its worker before another may take it over. */
    leaseSeconds: number;
    /** Time limit of a shell task without its own `timeout`. */
    defaultTaskTimeoutSeconds: number;
    /** An attempt's log is capped at this many lines and message bytes (each line is one write). */
    logMaxLines: number;
    logMaxBytes: number;
    /**
     * The time one worker invocation may run: the Lambda's timeout on AWS (the stack sets it), and
     * the local queue's limit per delivery. A task's timeout is clamped to what is left of it.
     */
    timeoutSeconds: number;
    /** First delay before a message whose run failed (an error, not a failed task) comes back; it doubles with each delivery. */
    retryBaseMs: number;
    /**
     * Runs of one execution at most: a worker that claims it for one more (its earlier workers all
     * died with it, a task that kills its worker) ends it FAILED instead, saying why.
     */
    maxAttempts: number;
    /**
     * How the queue drives the worker: messages per invocation, and invocations at once (on AWS the
     * event source's settings, which the stack passes on; locally the in-process queue's). Only the
     * dry run's estimates read them: a backfill runs at most `batchSize × concurrency` executions at once.
     */
    batchSize: number;
    concurrency: number;
  };
  notify: {
    /**
     * Webhooks may be plain http to this machine (localhost, 127.0.0.0/8, [::1]): `WEBHOOK_ALLOW_LOOPBACK`,
     * false by default and on AWS (127.0.0.1 is the Lambda runtime's API there), true in the local
     * default unless set (receivers on your machine).
     */
    allowLoopback: boolean;
    /** How long one POST to a webhook may take, connecting included, before the attempt counts failed. */
    webhookTimeoutMs: number;
  };
  sweep: {
    /**
     * An execution sent this long ago that no worker holds (never written, still CREATED, or RUNNING
     * with its lease expired) is sent again by the sweep: its message was lost. Longer than a message
     * may wait in a busy queue is not required: a duplicate delivery runs nothing twice.
     */
    staleAfterSeconds: number;
    /** How often the sweep runs (an EventBridge rule on AWS, a timer locally). */
    intervalSeconds: number;
    /**
     * A backfill (not paused) whose oldest open ledger page was sent longer ago than this has made no
     * progress for that long: the sweep counts it in its `StalledBackfills` metric, which an alarm
     * watches. Longer than the longest run a batch's executions may take, queueing included.
     */
    stallAlarmSeconds: number;
  };
}

/**
 * How the AWS stack's queues drive the worker unless `-c workerBatchSize=…` or
 * `-c workerMaxConcurrency=…` say otherwise (cdk/config.ts): ten messages per invocation, ten
 * invocations at once.
 */
export const AWS_WORKER_DEFAULTS = { batchSize: 10, maxConcurrency: 10 } as const;

/**
 * The functions whose time a backfill is billed for, as the stack deploys them
 * (cdk/constructs/backfill-functions.ts and service-function.ts read them here) and as the dry run's
 * cost estimate prices them: their architecture and memory (Lambda bills GB-seconds).
 */
export const LAMBDA_FOOTPRINT: { architecture: LambdaArchitecture; memoryMb: { dispatch: number; worker: number; taskRunner: number } } = {
  architecture: 'arm64',
  memoryMb: { dispatch: 1024, worker: 1024, taskRunner: 1024 },
};

/**
 * Deliveries of one queue message before it goes to the dead-letter queue: the redrive policy of the
 * AWS queues (cdk/constructs/execution-queue.ts) and of the local default's queue alike.
 */
export const QUEUE_MAX_RECEIVE_COUNT = 5;

/**
 * The operations function (functions/operations.ts) on AWS and its stand-in locally: its timeout,
 * and how its queue's event source drives it. A part (25 triggers, a few writes each) takes about a
 * second; five parts per invocation leave the timeout ample room, and two invocations at once (the
 * least an SQS event source allows) keep a bulk action from crowding the API out of DynamoDB.
 */
export const OPERATIONS_TIMEOUT_SECONDS = 120;
export const OPERATIONS_BATCH_SIZE = 5;
export const OPERATIONS_CONCURRENCY = 2;

/**
 * A queue's visibility timeout for a worker with this timeout: AWS's guidance, at least 6× the
 * consuming function's timeout, capped at SQS's 12 hours. The AWS queues (cdk/constructs/execution-queue.ts)
 * and the local default's queue use the same: a delivery whose invocation crashed or ran out of time
 * comes back that much later in both. (Runs that fail with an error come back sooner: the worker
 * asks for it, see WORKER_RETRY_BASE_MS.)
 */
export function visibilityTimeoutSecondsFor(workerTimeoutSeconds: number): number {
  return Math.min(6 * workerTimeoutSeconds, 12 * 60 * 60);
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigurationError(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

function booleanSetting(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigurationError(`${name} must be true or false, got "${raw}"`);
  return raw === 'true';
}

/**
 * The state machine gives up on a backfill whose failing rounds take its execution to 2,000
 * iterations (lib/app/backfill-run.ts GIVE_UP): a limit above 1,500 would leave too little room
 * for the failed rounds (four iterations each) a healthy execution may go through.
 */
function maxIterations(env: NodeJS.ProcessEnv): number {
  const value = positiveInt(env, 'BACKFILL_MAX_ITERATIONS_PER_EXECUTION', 500);
  if (value > 1500) throw new ConfigurationError(`BACKFILL_MAX_ITERATIONS_PER_EXECUTION must be at most 1500, got "${value}"`);
  return value;
}

function recoverMode(env: NodeJS.ProcessEnv): RecoverMissedSchedules {
  const raw = env.RECOVER_MISSED_SCHEDULES || 'ALL';
  if (raw !== 'ALL' && raw !== 'LAST' && raw !== 'NONE') {
    throw new ConfigurationError(`RECOVER_MISSED_SCHEDULES must be ALL, LAST or NONE, got "${raw}"`);
  }
  return raw;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    tables: {
      flows: env.FLOWS_TABLE || 'flows',
      flowRevisions: env.FLOW_REVISIONS_TABLE || 'flowRevisions',
      triggers: env.TRIGGERS_TABLE || 'triggers',
      executions: env.EXECUTIONS_TABLE || 'executions',
      logs: env.LOGS_TABLE || 'logs',
      operations: env.OPERATIONS_TABLE || 'operations',
    },
    queueUrl: env.EXECUTION_QUEUE_URL || undefined,
    liveQueueUrl: env.LIVE_EXECUTION_QUEUE_URL || undefined,
    stateMachineArn: env.BACKFILL_STATE_MACHINE_ARN || undefined,
    operationQueueUrl: env.OPERATION_QUEUE_URL || undefined,
    operationDeadLetterQueueArn: env.OPERATION_DEAD_LETTER_QUEUE_ARN || undefined,
    taskRunnerFunction: env.TASK_RUNNER_FUNCTION || undefined,
    dispatch: {
      batchSize: positiveInt(env, 'BACKFILL_BATCH_SIZE', 100),
      maxInFlight: positiveInt(env, 'BACKFILL_MAX_IN_FLIGHT', 500),
      maxIterationsPerExecution: maxIterations(env),
      throttleWaitSeconds: positiveInt(env, 'BACKFILL_THROTTLE_WAIT_SECONDS', 2),
      roundSeconds: positiveInt(env, 'BACKFILL_DISPATCH_ROUND_SECONDS', 60),
      roundWaitSeconds: positiveInt(env, 'BACKFILL_DISPATCH_WAIT_SECONDS', 4),
      roundPollMs: positiveInt(env, 'BACKFILL_DISPATCH_POLL_MS', 250),
    },
    backfill: {
      maxTicks: positiveInt(env, 'BACKFILL_MAX_TICKS', 1_000_000),
      maxPerTrigger: positiveInt(env, 'BACKFILL_MAX_PER_TRIGGER', DEFAULT_MAX_BACKFILLS_PER_TRIGGER),
    },
    api: {
      maxBodyBytes: positiveInt(env, 'API_MAX_BODY_BYTES', 256 * 1024),
      webSignInUrl: env.WEB_SIGN_IN_URL || undefined,
    },
    live: {
      recoverMissedSchedules: recoverMode(env),
      onTimeSeconds: positiveInt(env, 'LIVE_ON_TIME_SECONDS', 90),
    },
    worker: {
      leaseSeconds: positiveInt(env, 'WORKER_LEASE_SECONDS', 900),
      defaultTaskTimeoutSeconds: positiveInt(env, 'TASK_DEFAULT_TIMEOUT_SECONDS', 600),
      maxAttempts: positiveInt(env, 'WORKER_MAX_ATTEMPTS', 3),
      timeoutSeconds: positiveInt(env, 'WORKER_TIMEOUT_SECONDS', 900),
      retryBaseMs: positiveInt(env, 'WORKER_RETRY_BASE_MS', 5000),
      logMaxLines: positiveInt(env, 'WORKER_LOG_MAX_LINES', MAX_LINES_PER_ATTEMPT),
      logMaxBytes: positiveInt(env, 'WORKER_LOG_MAX_BYTES', MAX_BYTES_PER_ATTEMPT),
      batchSize: positiveInt(env, 'WORKER_BATCH_SIZE', AWS_WORKER_DEFAULTS.batchSize),
      concurrency: positiveInt(env, 'WORKER_MAX_CONCURRENCY', AWS_WORKER_DEFAULTS.maxConcurrency),
    },
    notify: {
      allowLoopback: booleanSetting(env, 'WEBHOOK_ALLOW_LOOPBACK', false),
      webhookTimeoutMs: positiveInt(env, 'WEBHOOK_TIMEOUT_SECONDS', 5) * 1000,
    },
    sweep: {
      staleAfterSeconds: positiveInt(env, 'SWEEP_STALE_SECONDS', 1800),
      intervalSeconds: positiveInt(env, 'SWEEP_INTERVAL_SECONDS', 300),
      stallAlarmSeconds: positiveInt(env, 'STALL_ALARM_SECONDS', 3600),
    },
  };
}
