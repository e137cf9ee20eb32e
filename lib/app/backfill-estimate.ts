import type { Settings } from '../config';
import { LAMBDA_FOOTPRINT } from '../config';
import { AWS_PRICES } from '../domain/cost/aws-prices';
import { type BackfillRunEstimate, type DurationBasis, estimateBackfillRun } from '../domain/cost/backfill-model';
import { type AwsCost, type AwsUsage, priceUsage } from '../domain/cost/pricing';
import { type Execution, isoDuration, transition } from '../domain/execution';
import { type Flow, LOG_TYPE, type ScheduleTrigger } from '../domain/flow/model';
import { tickExecutionId } from '../domain/ids';
import { ledgerPageId } from '../domain/ledger';
import type { CompiledSchedule } from '../domain/schedule';
import { buildScheduledExecution } from '../domain/scheduled-execution';
import type { BackfillState, TriggerState } from '../domain/trigger-state';
import type { ExecutionStore, StoredExecution } from '../ports';

/** Recent ended executions of the flow the estimate reads: one search page (about 50 read units on AWS whatever the flow's size). */
export const ESTIMATE_SAMPLE = 20;

export interface EstimateDeps {
  executions: Pick<ExecutionStore, 'search' | 'storedBytes'>;
  settings: Pick<Settings, 'dispatch' | 'worker' | 'stateMachineArn'>;
}

/** What the dry run knows of the backfill it estimates. */
export interface EstimateRequest {
  flow: Flow;
  trigger: ScheduleTrigger;
  schedule: CompiledSchedule;
  state: TriggerState;
  backfill: BackfillState;
  /** Executions it would run: its ticks less those `reprocess` skips, when the preview counted them. */
  executions: number;
}

/** The dry run's `estimate`: how long and how much, with what each figure stands on. */
export interface BackfillEstimate {
  duration: {
    /** ISO-8601, from the median execution; null without a basis (`reason` says why). */
    estimated: string | null;
    seconds: number | null;
    /** The same from the 90th percentile of the executions' run times. */
    p90: string | null;
    p90Seconds: number | null;
    /** The latest ended executions of the flow (SUCCESS or FAILED, at most ESTIMATE_SAMPLE), timed from RUNNING to their end. */
    basis: DurationBasis | null;
    reason?: string;
    executions: number;
    /** Executions at once: the backfill's bound, unless the workers take fewer (`workers`). */
    concurrency: number;
    limitedBy: 'backfill.maxConcurrency' | 'BACKFILL_MAX_IN_FLIGHT' | 'workers';
    waves: number;
    /** What dispatch alone needs to send every batch (at the model's assumed request times). */
    dispatchSeconds: number;
  };
  cost: {
    usd: number;
    /** Whose prices: AWS list prices of `region`. */
    pricing: string;
    /** False on the local default, which bills nothing: the figure is what the same backfill would cost on AWS. */
    billed: boolean;
    /** False when task time could not be counted (`reason`): the figure is then a lower bound. */
    complete: boolean;
    reason?: string;
    byService: AwsCost['byService'];
    usage: AwsUsage;
  };
}

/**
 * How long a backfill would take and what it would cost on AWS, from the flow's recent ended
 * executions (one bounded search page) and the cost model of lib/domain/cost, which
 * `npm run bench:cost` checks against a measured backfill.
 */
export async function estimateBackfill(deps: EstimateDeps, request: EstimateRequest): Promise<BackfillEstimate> {
  const { flow, backfill } = request;
  const { dispatch, worker } = deps.settings;
  const runnerTaskIds = new Set(flow.tasks.filter((task) => task.type !== LOG_TYPE).map((task) => task.id));
  const { results } = await deps.executions.search({
    namespace: flow.namespace,
    flowId: flow.id,
    states: ['SUCCESS', 'FAILED'],
    page: 1,
    size: ESTIMATE_SAMPLE,
  });
  const runs = results.flatMap((execution) => {
    const seconds = runSeconds(execution);
    return seconds === undefined ? [] : [{ execution, seconds }];
  });

  // The first tick's execution as dispatch would send it: its message's size, and the item's when no run is known.
  const tickMs = backfill.cursorMs;
  const id = tickExecutionId(backfill.id, tickMs);
  const origin = { backfillId: backfill.id, tickMs, page: { id: ledgerPageId(backfill.id, tickMs), slot: 0 } };
  const first = buildScheduledExecution({
    id,
    flow,
    trigger: request.trigger,
    schedule: request.schedule,
    tickMs,
    createdAt: new Date(backfill.createdDate),
    extraLabels: backfill.labels,
    extraInputs: backfill.inputs,
    origin,
  });
  const asBackfills = (execution: Execution): StoredExecution => ({ execution: { ...execution, id }, origin });
  const itemSizes = runs.length
    ? runs.map((run) => deps.executions.storedBytes(asBackfills(run.execution)))
    : [deps.executions.storedBytes(asBackfills(ended(first.execution)))];
  const concurrency = Math.min(backfill.maxConcurrency ?? dispatch.maxInFlight, dispatch.maxInFlight);
  const triggerRow = {
    ...request.state,
    backfill: {
      ...backfill,
      openPages: Array.from({ length: Math.ceil(concurrency / dispatch.batchSize) }, () => origin.page.id),
      // The store keeps a cell's counts as one number (its ended ticks, in the common case): sized
      // as each cell is once full, not as the objects the domain holds.
      timeline: backfill.timeline?.map(() => Math.ceil(backfill.totalTicks / (backfill.timeline?.length ?? 1))),
    },
  };

  const model = estimateBackfillRun(
    { executions: request.executions, maxConcurrency: concurrency, checksEarlierRuns: backfill.reprocess !== 'ALL' },
    {
      instant: runnerTaskIds.size === 0,
      runnerTasks: runnerTaskIds.size,
      itemBytes: median(itemSizes),
      messageBytes: utf8Bytes(JSON.stringify({ executionId: id, created: { execution: first.execution, origin } })),
      triggerRowBytes: utf8Bytes(JSON.stringify(triggerRow)),
      flowItemBytes: utf8Bytes(flow.source) + utf8Bytes(JSON.stringify({ namespace: flow.namespace, id: flow.id, revision: flow.revision })),
      runSeconds: runs.map((run) => run.seconds),
      runnerSeconds: runnerTaskIds.size ? runs.map((run) => runnerSeconds(run.execution, runnerTaskIds)) : [],
    },
    {
      architecture: LAMBDA_FOOTPRINT.architecture,
      memoryMb: LAMBDA_FOOTPRINT.memoryMb,
      worker: { batchSize: worker.batchSize, concurrency: worker.concurrency },
      dispatch,
    },
  );
  const cost = priceUsage(model.usage, LAMBDA_FOOTPRINT.architecture);
  return {
    duration: durationOf(model, request, backfill.maxConcurrency !== undefined && backfill.maxConcurrency < dispatch.maxInFlight),
    cost: {
      usd: roundUsd(cost.totalUsd),
      pricing: `AWS list prices, ${AWS_PRICES.region}`,
      billed: deps.settings.stateMachineArn !== undefined,
      complete: model.complete,
      ...(model.complete ? {} : { reason: `No ended execution of flow ${flow.namespace}.${flow.id} yet: the time of its tasks is not counted` }),
      byService: mapValues(cost.byService, roundUsd),
      usage: mapValues(model.usage, (n) => Math.round(n * 10) / 10),
    },
  };
}

function durationOf(model: BackfillRunEstimate, request: EstimateRequest, ownBound: boolean): BackfillEstimate['duration'] {
  const iso = (seconds: number | null) => (seconds === null ? null : isoDuration(Math.round(seconds * 10) * 100));
  const round = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 10) / 10);
  return {
    estimated: iso(model.durationSeconds),
    seconds: round(model.durationSeconds),
    p90: iso(model.p90DurationSeconds),
    p90Seconds: round(model.p90DurationSeconds),
    basis: model.basis && {
      executions: model.basis.executions,
      medianSeconds: round(model.basis.medianSeconds) as number,
      p90Seconds: round(model.basis.p90Seconds) as number,
    },
    ...(model.basis ? {} : { reason: `No ended execution of flow ${request.flow.namespace}.${request.flow.id} yet to time it from` }),
    executions: request.executions,
    concurrency: model.concurrency,
    limitedBy: model.limitedBy === 'workers' ? 'workers' : ownBound ? 'backfill.maxConcurrency' : 'BACKFILL_MAX_IN_FLIGHT',
    waves: model.waves,
    dispatchSeconds: round(model.dispatchSeconds) as number,
  };
}

/** Seconds from the execution's last RUNNING to its end; undefined if it never ran (created FAILED) or has no end. */
function runSeconds(execution: Execution): number | undefined {
  const started = execution.state.histories.findLast((history) => history.state === 'RUNNING');
  const end = execution.state.endDate;
  if (!started || !end) return undefined;
  return Math.max(0, (Date.parse(end) - Date.parse(started.date)) / 1000);
}

/** Seconds the execution's runner tasks took (task runs of the flow's non-Log tasks). */
function runnerSeconds(execution: Execution, taskIds: Set<string>): number {
  let seconds = 0;
  for (const taskRun of execution.taskRunList) {
    if (!taskIds.has(taskRun.taskId) || !taskRun.state.endDate) continue;
    seconds += Math.max(0, (Date.parse(taskRun.state.endDate) - Date.parse(taskRun.state.startDate)) / 1000);
  }
  return seconds;
}

/** The created execution as the worker would write it ended, task runs aside: for sizing its item. */
function ended(execution: Execution): Execution {
  const at = new Date(execution.state.startDate);
  return { ...execution, state: transition(transition(execution.state, 'RUNNING', at), 'SUCCESS', at) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;
/** Millionths of a dollar: a backfill of one tick costs a few. */
const roundUsd = (usd: number) => Math.round(usd * 1e6) / 1e6;

function mapValues<T extends object>(record: T, map: (n: number) => number): T {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value as number)])) as T;
}
