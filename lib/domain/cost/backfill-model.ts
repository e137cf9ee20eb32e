/**
 * What a backfill will take and use, derived from the design: what dispatch and the worker read,
 * write, send and invoke per batch, per execution and per worker invocation (README, Architecture;
 * docs/tables.md), sized by the flow's execution item and message, and timed by the flow's recent
 * executions. The dry run prices the usage with `priceUsage`, as `npm run bench:cost` prices what it
 * counts, and the benchmark prints this model beside its measurement of the same backfill.
 *
 * Assumptions, each stated where it is used:
 * - executions of a steady backfill end staggered, not in lockstep, so room for the next batch
 *   opens at the rate they end;
 * - a request to DynamoDB or SQS takes DYNAMODB_REQUEST_MS or SQS_REQUEST_MS (no measurement:
 *   AWS's "single-digit millisecond" for DynamoDB, plus the SDK); only the dispatch pace and the
 *   Lambda time that is not task time depend on them;
 * - every index entry of an execution is under 1 KB (they hold keys, state and label keys);
 * - an execution's log is small enough to ride on its item (a few lines): lines written to the logs
 *   table (one write each) are not counted;
 * - the trigger row and the flow's item are read whole (reads are billed per 4 KB of item).
 */
import { type AwsUsage, type LambdaArchitecture, sendMessageBatchRequests } from './pricing';
import { SQS_BATCH_MESSAGES } from './aws-prices';

/** Assumed time of one DynamoDB request from a Lambda in the same region, in ms. */
const DYNAMODB_REQUEST_MS = 10;
/** Assumed time of one SQS SendMessageBatch, in ms. */
const SQS_REQUEST_MS = 20;

const WRITE_UNIT_BYTES = 1024;
const READ_UNIT_BYTES = 4096;
/** The SQS adapter sends up to this many SendMessageBatch requests at once (lib/adapters/aws/sqs-queue.ts). */
const SQS_SENDS_AT_ONCE = 8;
/** Shards of the tick index a reprocess check queries per batch (EXECUTION_SHARDS). */
const TICK_SHARDS = 8;

/** The deployment a backfill runs on: function sizes, how the queue drives the worker, dispatch's settings. */
export interface ServiceFootprint {
  architecture: LambdaArchitecture;
  memoryMb: { dispatch: number; worker: number; taskRunner: number };
  /** Messages per worker invocation and worker invocations at once (the event source's settings). */
  worker: { batchSize: number; concurrency: number };
  dispatch: { batchSize: number; roundSeconds: number; roundWaitSeconds: number; throttleWaitSeconds: number; roundPollMs: number };
}

/** The flow's executions as the model needs them. */
export interface ExecutionProfile {
  /** Every task is a `Log` task: the worker runs it at once and writes the execution once, ended. */
  instant: boolean;
  /** Tasks per execution that run on the task runner (all but `Log`): an invocation each, and a save of the execution before each. */
  runnerTasks: number;
  /** Bytes of an ended execution's item (DynamoDB's size rules, as the store encodes it). */
  itemBytes: number;
  /** Bytes of one execution's queue message (its document, as dispatch sends it). */
  messageBytes: number;
  /** Bytes of the trigger row carrying the backfill, and of the flow's item. */
  triggerRowBytes: number;
  flowItemBytes: number;
  /**
   * Recent ended executions of the flow: seconds each ran (from RUNNING to its end: a backfill's
   * executions also wait in the queue, which the concurrency accounts for) and seconds each spent
   * in task runner tasks. Empty when there are none.
   */
  runSeconds: number[];
  runnerSeconds: number[];
}

export interface BackfillShape {
  /** Executions it will run (ticks, less those `reprocess` skips when known). */
  executions: number;
  /** Its in-flight bound: `backfill.maxConcurrency`, else BACKFILL_MAX_IN_FLIGHT. */
  maxConcurrency: number;
  /** `reprocess` other than ALL: each batch reads which ticks earlier executions cover. */
  checksEarlierRuns: boolean;
}

export interface DurationBasis {
  executions: number;
  medianSeconds: number;
  p90Seconds: number;
}

export interface BackfillRunEstimate {
  /** Executions running at once: the backfill's bound, or all the workers can take when fewer. */
  concurrency: number;
  limitedBy: 'backfill' | 'workers';
  /** Executions per ledger page (one dispatch batch). */
  pageExecutions: number;
  /** Rounds of `concurrency` executions one after another: ceil(executions / concurrency). */
  waves: number;
  /** Time dispatch itself needs to send every page, at the assumed request times. */
  dispatchSeconds: number;
  /** Median and 90th percentile of the recent executions' run times; null without any. */
  basis: DurationBasis | null;
  /** The backfill's duration from the median execution, and from the 90th percentile; null without a basis. */
  durationSeconds: number | null;
  p90DurationSeconds: number | null;
  usage: AwsUsage;
  /** False when task time could not be counted (no recent execution of a flow whose tasks take time): the usage is a lower bound. */
  complete: boolean;
}

/** The q-quantile of `values` (0 ≤ q ≤ 1), interpolated between the nearest ranks; undefined for none. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(position);
  const low = sorted[below] as number;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return low + (high - low) * (position - below);
}

const mean = (values: readonly number[]) => (values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : 0);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
/** Strongly consistent (every read on the backfill's path is). */
const readUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));

export function estimateBackfillRun(shape: BackfillShape, profile: ExecutionProfile, footprint: ServiceFootprint): BackfillRunEstimate {
  const n = Math.max(0, shape.executions);
  const { dispatch, worker, memoryMb } = footprint;
  const workerSlots = worker.batchSize * worker.concurrency;
  const concurrency = Math.max(1, Math.min(shape.maxConcurrency, workerSlots));
  const limitedBy = shape.maxConcurrency > workerSlots ? 'workers' : 'backfill';

  // Run times: measured, or, for a flow of Log tasks only, none of their own by design.
  const known = profile.runSeconds.length > 0;
  const median = known ? (quantile(profile.runSeconds, 0.5) as number) : profile.instant ? 0 : undefined;
  const p90 = known ? (quantile(profile.runSeconds, 0.9) as number) : median;
  const basis = known ? { executions: profile.runSeconds.length, medianSeconds: median as number, p90Seconds: p90 as number } : null;
  const runnerSecondsEach = profile.runnerTasks === 0 ? 0 : mean(profile.runnerSeconds);
  const complete = median !== undefined && (profile.runnerTasks === 0 || profile.runnerSeconds.length > 0);

  // Pages. At or above a batch's size, dispatch sends whole batches only. Below it, it sends the room
  // it finds at each poll: with executions ending staggered, concurrency / median of them end per
  // second, so a poll finds about that × the poll interval (at least one, at most the bound).
  const pollSeconds = dispatch.roundPollMs / 1000;
  const pageExecutions =
    concurrency >= dispatch.batchSize
      ? dispatch.batchSize
      : median && median > 0
        ? Math.min(concurrency, Math.max(1, Math.round((concurrency * pollSeconds) / median)))
        : concurrency;
  const pages = Math.ceil(n / pageExecutions);
  const openPages = Math.max(1, Math.ceil(Math.min(concurrency, n) / pageExecutions));

  // Dispatch's own pace: per batch it reads the trigger row, the flow, the open pages and whether
  // the batch's page exists, folds and deletes ended pages, writes the page, sends the messages
  // (SendMessageBatch in tens, 8 at once) and moves the cursor: 8 DynamoDB requests one after
  // another, 2 more to check earlier runs (the tick index's shards at once, then their states).
  const dynamoRequestsPerPage = 8 + (shape.checksEarlierRuns ? 2 : 0);
  const sqsRoundsPerPage = Math.ceil(Math.ceil(pageExecutions / SQS_BATCH_MESSAGES) / SQS_SENDS_AT_ONCE);
  const secondsPerPage = (dynamoRequestsPerPage * DYNAMODB_REQUEST_MS + sqsRoundsPerPage * SQS_REQUEST_MS) / 1000;
  const dispatchSeconds = pages * secondsPerPage;

  // The worker: one invocation per delivery of up to its batch size (fewer messages wait in the
  // queue than the backfill's bound). Its requests one after another: the pause check, the
  // execution's write(s) (a put; or a put RUNNING, a save before each runner task and the final
  // write), the marks on the ledger page.
  const perDelivery = Math.max(1, Math.min(worker.batchSize, concurrency));
  const workerInvocations = Math.ceil(n / perDelivery);
  const workerRequests = profile.instant ? 3 : 4 + profile.runnerTasks;
  const workerOwnSeconds = (workerRequests * DYNAMODB_REQUEST_MS) / 1000;

  // Duration: waves of `concurrency` executions, each wave a run plus the worker's own requests,
  // unless dispatch cannot send pages that fast; then its pace, and the last execution after it.
  const durationFrom = (run: number | undefined) =>
    run === undefined || !known ? null : Math.max(Math.ceil(n / concurrency) * (run + workerOwnSeconds), dispatchSeconds + run + workerOwnSeconds);
  const durationSeconds = durationFrom(median);
  const p90DurationSeconds = durationFrom(p90);
  // For the bill, a duration even without a basis: a Log flow's runs take no time of their own.
  const billedDuration =
    durationSeconds ?? (median === undefined ? dispatchSeconds : Math.max(dispatchSeconds, Math.ceil(n / concurrency) * (median + workerOwnSeconds)));

  // The state machine. While room opens within BACKFILL_DISPATCH_WAIT_SECONDS, one dispatch
  // invocation runs rounds of BACKFILL_DISPATCH_ROUND_SECONDS (the Task and the Choice: 2
  // transitions each), billed all along. Once room for a page takes longer to open (a page's worth
  // of executions ending at concurrency / median a second), each wait costs the invocation its wait
  // seconds, then a hand-over to the Wait state (the Choice, the Wait, the Task: 3 transitions).
  const roomSeconds = median && median > 0 ? (median * pageExecutions) / concurrency : 0;
  const handsOver = roomSeconds > dispatch.roundWaitSeconds;
  const cycleSeconds = dispatch.roundWaitSeconds + dispatch.throttleWaitSeconds;
  const dispatchInvocations = handsOver ? Math.ceil(billedDuration / cycleSeconds) + 1 : Math.ceil(billedDuration / dispatch.roundSeconds) + 1;
  const dispatchBilledSeconds = handsOver ? Math.max(dispatchSeconds, billedDuration * (dispatch.roundWaitSeconds / cycleSeconds)) : billedDuration;
  // Each invocation a Task and a Choice; each hand-over a Wait; the end a Succeed.
  const stateTransitions = 2 * dispatchInvocations + (handsOver ? dispatchInvocations - 1 : 0) + 1;
  const polls = Math.max(0, dispatchBilledSeconds - dispatchSeconds) / pollSeconds;

  // DynamoDB writes (docs/tables.md). Per execution: a Log flow's one put of the item with its
  // `searchByFlow` and `byTickShard` entries; otherwise a put RUNNING (those two entries and
  // `unfinishedByOwner`'s), a save before each runner task, and the final write (the item, the
  // search entry's state, the unfinished entry removed). Per page: its put, the cursor's move and
  // the fold on the trigger row, its delete. Per delivery: a mark on each page it touches.
  const item = writeUnits(profile.itemBytes);
  const row = writeUnits(profile.triggerRowBytes);
  const perExecutionWrites = profile.instant ? item + 2 : item + 3 + profile.runnerTasks * item + item + 2;
  const pagesPerDelivery = 1 + (perDelivery - 1) / pageExecutions;
  const dynamoDbWriteUnits = n * perExecutionWrites + pages * (2 + 2 * row) + workerInvocations * pagesPerDelivery;

  // Reads, all strongly consistent. Per batch and per poll while waiting: the trigger row, the flow
  // and the open pages; per batch also the page's own (a re-run's) and, with `reprocess`, the tick
  // index's shards and the states of the batch's earlier executions (at most one each). The worker
  // reads the trigger row for a pause at most once a second per worker, once more when a mark ends a
  // page, and the task runner reads the kill flag once a second while a task runs.
  const rowReads = readUnits(profile.triggerRowBytes);
  const flowReads = readUnits(profile.flowItemBytes);
  const perCheck = rowReads + flowReads + openPages;
  const earlierRuns = shape.checksEarlierRuns ? TICK_SHARDS + pageExecutions : 0;
  const pauseChecks = Math.min(workerInvocations, Math.ceil(billedDuration) * worker.concurrency);
  const dynamoDbReadUnits = pages * (perCheck + 1 + earlierRuns) + polls * perCheck + (pauseChecks + pages) * rowReads + n * runnerSecondsEach;

  // SQS: the sends, and per delivery the event source's ReceiveMessage and DeleteMessageBatch
  // (its empty long polls between deliveries are left out, as in the benchmark).
  const sqsRequests = pages * sendMessageBatchRequests(new Array<number>(pageExecutions).fill(profile.messageBytes)) + 2 * workerInvocations;

  // Lambda. A worker invocation lasts as long as the slowest of its executions (it runs them side
  // by side), waiting on the task runner for shell tasks: with k of them, about the k/(k+1)
  // quantile of the run times. The task runner is billed again for its tasks' time, the dispatch
  // function for its rounds and its waits.
  const workerRun = known ? (quantile(profile.runSeconds, perDelivery / (perDelivery + 1)) as number) : (median ?? 0);
  const gb = (mb: number) => mb / 1024;
  const lambdaGbSeconds =
    workerInvocations * (workerRun + workerOwnSeconds) * gb(memoryMb.worker) +
    n * runnerSecondsEach * gb(memoryMb.taskRunner) +
    dispatchBilledSeconds * gb(memoryMb.dispatch);
  const lambdaRequests = workerInvocations + dispatchInvocations + n * profile.runnerTasks;

  return {
    concurrency,
    limitedBy,
    pageExecutions,
    waves: Math.ceil(n / concurrency),
    dispatchSeconds,
    basis,
    durationSeconds,
    p90DurationSeconds,
    usage: { dynamoDbWriteUnits, dynamoDbReadUnits, sqsRequests, stateTransitions, lambdaRequests, lambdaGbSeconds },
    complete,
  };
}
