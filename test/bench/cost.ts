/**
 * `npm run bench:cost`: what a backfill costs on AWS, counted from a real local backfill.
 *
 * The local default runs the same handlers and the same ASL as AWS, over dynalite and an in-process
 * queue; the meters in cost-meter.ts wrap its real DynamoDB client, queue and handlers. The counts
 * are then priced with the product's own prices and formula (lib/domain/cost: `priceUsage`, the same
 * function the dry run's `estimatedCostUsd` uses), compared with a per-tick Step Functions
 * Distributed Map design priced from the same run's measurements, and with the dry run's estimate
 * of the same backfill (its usage modelled from the design, lib/domain/cost/backfill-model.ts), so
 * the model is checked by a measurement in the same run.
 */
import { logFlow } from '../support/flows';
import { DEFAULT_WORKER } from '../../cdk/config';
import { memorySizeOf } from '../../cdk/constructs/backfill-functions';
import { ALL_TABLES, type TableDef } from '../../lib/adapters/dynamodb/tables';
import { type BackfillPreview, previewBackfill } from '../../lib/app/backfills';
import { LAMBDA_FOOTPRINT, readSettings } from '../../lib/config';
import { DEFAULT_BACKFILL_OPTIONS } from '../../lib/domain/backfill';
import { AWS_PRICES } from '../../lib/domain/cost/aws-prices';
import { type AwsUsage, priceUsage, sendMessageBatchRequests } from '../../lib/domain/cost/pricing';
import { type LocalHandlerName, type LocalRuntime, startLocal } from '../../local/runtime';
import { Api } from '../support/local';
import { DynamoMeter, type InvocationCount, type QueueCounts, countQueue, timeHandler } from './cost-meter';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TICKS = Number(process.env.BENCH_COST_TICKS ?? 10_000);
/** Ticks of the timing run (Lambda durations per invocation). */
const TIMING_TICKS = Math.min(TICKS, 1000);
/** Bounds on the whole run: the backfill must end, and progress must not stall. */
const MAX_RUN_MS = 10 * 60_000;
const STALL_MS = 60_000;
const POLL_MS = 250;
const GOAL = { dollarsPerMillionTicks: 3, hottestPartitionWcu: 1000 };
const REF = { namespace: 'bench', flowId: 'cost', triggerId: 'minute' };

const FLOW = logFlow('bench', 'cost', { id: 'minute', cron: '* * * * *' });

const settings = readSettings(process.env);
const tablesByName = new Map<string, TableDef>(ALL_TABLES.map((def) => [settings.tables[def.logicalName], def]));

/** What one backfill on a fresh local runtime counted. */
interface BackfillRun {
  ticks: number;
  meter?: DynamoMeter;
  handlers: Map<LocalHandlerName, InvocationCount>;
  queue: QueueCounts;
  stateTransitions: number;
  seconds: number;
  /** The dry run of the same backfill: before it (the flow has no execution yet) and after it (its executions as the basis). */
  estimates: { before: BackfillPreview; after: BackfillPreview };
}

/**
 * The counting run: the worker takes the batches the AWS event source hands over, as many at once as
 * it allows (cdk/config.ts), so the dispatch loop meets the same back-pressure as on AWS.
 */
const counted = await runBackfill({ ticks: TICKS, workerConcurrency: DEFAULT_WORKER.maxConcurrency, metered: true });
/**
 * The timing run, for Lambda durations: the same backfill, smaller, without the DynamoDB meter and
 * one worker invocation at a time. Each Lambda invocation has its own CPU, while here every
 * invocation shares one event loop (and dynalite's): with ten at once, each one's wall time is
 * mostly waiting for the others' work (about 7× the GB-s on 2 cores), and the meter's extra reads
 * would add to it.
 */
const timed = await runBackfill({ ticks: TIMING_TICKS, workerConcurrency: 1, metered: false });
report(counted, timed);

async function runBackfill(options: { ticks: number; workerConcurrency: number; metered: boolean }): Promise<BackfillRun> {
  let meter: DynamoMeter | undefined;
  const handlers = new Map<LocalHandlerName, InvocationCount>();
  const runtime = await startLocal({
    port: 0,
    env: process.env,
    workerBatchSize: DEFAULT_WORKER.batchSize,
    workerConcurrency: options.workerConcurrency,
    instrument: {
      dynamo: (client, endpoint) => {
        if (!options.metered) return;
        meter = new DynamoMeter(tablesByName, endpoint);
        meter.attach(client);
      },
      handler: (name, handler) => {
        const count = handlers.get(name) ?? { invocations: 0, billedMs: 0, meterMs: 0 };
        handlers.set(name, count);
        return timeHandler(meter, count, handler);
      },
    },
  });
  const exempt = <T>(work: () => Promise<T>) => (meter ? meter.exempt(work) : work());
  const api = new Api(runtime.url);
  const queue = countQueue(runtime.queue);
  try {
    const created = await api.createFlow(FLOW);
    if (created.status !== 200) throw new Error(`flow not created: ${JSON.stringify(created.body)}`);
    const start = new Date(Date.now() - (options.ticks + 60) * 60_000);
    start.setUTCSeconds(0, 0);
    const end = new Date(start.getTime() + (options.ticks - 1) * 60_000);
    // The dry run, as POST /api/v1/triggers/backfill/preview answers it, its reads not counted.
    const dryRun = () =>
      exempt(() =>
        previewBackfill(runtime.deps, {
          ...REF,
          start,
          end,
          inputs: null,
          labels: [],
          ...DEFAULT_BACKFILL_OPTIONS,
        }),
      );
    const before = await dryRun();
    // Counting starts here: what follows is the backfill's own work.
    meter?.reset();
    for (const count of handlers.values()) Object.assign(count, { invocations: 0, billedMs: 0, meterMs: 0 });
    const transitionsBefore = runtime.workflows.stats.stateTransitions;
    const startedAt = Date.now();
    const put = await api.call('PUT', '/api/v1/triggers', { ...REF, backfill: { start: start.toISOString(), end: end.toISOString() } });
    if (put.status !== 200) throw new Error(`backfill not created: ${JSON.stringify(put.body)}`);
    const what = options.metered ? 'counting run, every DynamoDB request metered' : 'timing run, unmetered';
    console.log(
      `${what}: ${options.ticks} ticks of a Log flow ("* * * * *", ${start.toISOString()} → ${end.toISOString()}), worker concurrency ${options.workerConcurrency}…`,
    );
    await waitForBackfill(runtime, exempt, startedAt);
    const seconds = (Date.now() - startedAt) / 1000;
    const succeeded = await exempt(() => countSucceeded(runtime));
    if (succeeded !== options.ticks) throw new Error(`${succeeded} of ${options.ticks} executions succeeded`);
    console.log(`  done in ${seconds.toFixed(1)} s: ${succeeded} executions SUCCESS (${(options.ticks / seconds).toFixed(0)}/s)`);
    const stateTransitions = runtime.workflows.stats.stateTransitions - transitionsBefore;
    const after = await dryRun();
    return { ticks: options.ticks, meter, handlers, queue, stateTransitions, seconds, estimates: { before, after } };
  } finally {
    // The meter's own client first: its keep-alive sockets would hold dynalite's server open.
    meter?.close();
    await runtime.close();
  }
}

/** Bounded polling, on reads the meter does not count: the backfill is gone from its trigger and nothing runs. */
async function waitForBackfill(runtime: LocalRuntime, exempt: <T>(work: () => Promise<T>) => Promise<T>, startedAt: number): Promise<void> {
  let progress = -1;
  let movedAt = Date.now();
  for (;;) {
    const state = await exempt(() => runtime.deps.triggers.get(REF));
    if (!state?.backfill && runtime.queue.depth === 0 && runtime.workflows.activeExecutions.length === 0) break;
    const now = runtime.queue.invocations + (state?.backfill?.dispatched ?? 0);
    if (now !== progress) {
      progress = now;
      movedAt = Date.now();
    }
    if (Date.now() - movedAt > STALL_MS) throw new Error(`no progress for ${STALL_MS / 1000} s`);
    if (Date.now() - startedAt > MAX_RUN_MS) throw new Error(`backfill not done after ${MAX_RUN_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  // The last worker invocation may still be recording; bounded like the rest.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([runtime.queue.idle(), runtime.tasksIdle()]),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('handlers still running 30 s after the backfill ended')), 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function countSucceeded(runtime: LocalRuntime): Promise<number> {
  let count = 0;
  for (let page = 1; ; page++) {
    const { results } = await runtime.deps.executions.search({ namespace: REF.namespace, flowId: REF.flowId, states: ['SUCCESS'], page, size: 1000 });
    count += results.length;
    if (results.length < 1000) return count;
  }
}

function report(counted: BackfillRun, timed: BackfillRun): void {
  const { ticks, stateTransitions, handlers, queue: queueCounts } = counted;
  const meter = counted.meter as DynamoMeter;
  const perMillion = 1e6 / ticks;
  const usd = (dollars: number) => `$${dollars.toFixed(dollars < 10 ? 3 : 2)}`;
  const num = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 }));

  // DynamoDB: every request, by operation and table.
  console.log('DynamoDB requests (operation, table or table/index; write units on the table and on its indexes; read units)');
  const rows = [...meter.counts.entries()].sort((a, b) => b[1].tableWriteUnits + b[1].indexWriteUnits - (a[1].tableWriteUnits + a[1].indexWriteUnits));
  let writeUnits = 0;
  let readUnits = 0;
  for (const [what, c] of rows) {
    writeUnits += c.tableWriteUnits + c.indexWriteUnits;
    readUnits += c.readUnits;
    const items = c.itemWrites ? `, ${num(c.itemWrites)} item writes` : '';
    console.log(
      `  ${what.padEnd(44)} ${num(c.requests).padStart(8)} requests${items}: WU ${num(c.tableWriteUnits)} table + ${num(c.indexWriteUnits)} index, RU ${num(c.readUnits)}`,
    );
  }
  const byIndex = new Map<string, number>();
  for (const p of meter.partitionWrites) byIndex.set(p.index ?? `${p.table} (table)`, (byIndex.get(p.index ?? `${p.table} (table)`) ?? 0) + p.units);
  console.log(
    `  write units per tick: ${(writeUnits / ticks).toFixed(2)} (${[...byIndex.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / ticks).toFixed(2)}`)
      .join(', ')}); read units per tick: ${(readUnits / ticks).toFixed(2)}`,
  );

  // SQS: a model of the requests the AWS adapter (lib/adapters/aws/sqs-queue.ts) and the Lambda event
  // source would make for the messages counted: SendMessageBatch in tens, each 64 KiB of payload billed
  // as a request; per worker invocation one ReceiveMessage that delivered its batch and one
  // DeleteMessageBatch of its successes; a ChangeMessageVisibility per retryAfter. The event source's
  // empty long polls between batches are left out (about 5 pollers × 3 a minute, whatever the load).
  const sendRequests = queueCounts.sends.reduce((n, send) => n + sendMessageBatchRequests(send.bodyBytes), 0);
  const workerInvocations = handlers.get('worker')?.invocations ?? 0;
  const sqsRequests = sendRequests + 2 * workerInvocations + queueCounts.retryAfterCalls;
  const messages = queueCounts.sends.reduce((n, s) => n + s.bodyBytes.length, 0);
  console.log(
    `SQS (model from counted messages): ${num(messages)} messages in ${queueCounts.sends.length} send calls → ${num(sendRequests)} SendMessageBatch, ` +
      `${num(workerInvocations)} ReceiveMessage + ${num(workerInvocations)} DeleteMessageBatch, ${queueCounts.retryAfterCalls} ChangeMessageVisibility = ${num(sqsRequests)} requests`,
  );

  // Step Functions and Lambda (the API's one invocation that created the backfill is left out; its DynamoDB requests are counted above).
  console.log(`Step Functions: ${num(stateTransitions)} state transitions (${(stateTransitions / ticks).toFixed(4)} per tick)`);
  const architecture = LAMBDA_FOOTPRINT.architecture;
  const gbSecondPrice = AWS_PRICES.lambdaGbSecond[architecture];
  let invocations = 0;
  let gbSeconds = 0;
  const moduleOf: Record<LocalHandlerName, Parameters<typeof memorySizeOf>[0]> = {
    worker: 'worker',
    dispatch: 'dispatch',
    park: 'park',
    continue: 'continue',
    fail: 'fail',
  };
  /** Billed ms per invocation: from the timing run when it invoked that handler, else from the counting run (an upper bound). */
  const msPerInvocation = (name: LocalHandlerName) => {
    const timing = timed.handlers.get(name);
    if (timing?.invocations) return { ms: timing.billedMs / timing.invocations, from: `timing run, ${timing.invocations} invocations` };
    const own = handlers.get(name);
    return { ms: own?.invocations ? own.billedMs / own.invocations : 0, from: 'counting run' };
  };
  for (const [name, c] of handlers) {
    if (c.invocations === 0) continue;
    const memoryMb = memorySizeOf(moduleOf[name]);
    const { ms, from } = msPerInvocation(name);
    const gbs = ((c.invocations * ms) / 1000) * (memoryMb / 1024);
    invocations += c.invocations;
    gbSeconds += gbs;
    console.log(
      `Lambda ${name.padEnd(8)}: ${num(c.invocations)} invocations × ${ms.toFixed(1)} ms (${from}) at ${memoryMb} MB = ${gbs.toFixed(1)} GB-s` +
        ` [counting run's own wall time: ${(c.billedMs / c.invocations).toFixed(0)} ms each, the meter's ${(c.meterMs / c.invocations).toFixed(0)} ms taken out]`,
    );
  }

  const measured: AwsUsage = {
    dynamoDbWriteUnits: writeUnits,
    dynamoDbReadUnits: readUnits,
    sqsRequests,
    stateTransitions,
    lambdaRequests: invocations,
    lambdaGbSeconds: gbSeconds,
  };
  const priced = priceUsage(measured, architecture).byService;
  const costs = {
    'DynamoDB writes': priced.dynamoDbWrites,
    'DynamoDB reads': priced.dynamoDbReads,
    SQS: priced.sqs,
    'Step Functions': priced.stepFunctions,
    'Lambda requests': priced.lambdaRequests,
    [`Lambda GB-s (${architecture})`]: priced.lambdaGbSeconds,
  };
  const total = Object.values(costs).reduce((a, b) => a + b, 0) * perMillion;
  console.log(`\ncost per 1M ticks: ${usd(total)}`);
  for (const [service, dollars] of Object.entries(costs)) {
    console.log(`  ${service.padEnd(22)} ${usd(dollars * perMillion).padStart(9)}  (${((dollars * perMillion * 100) / total).toFixed(1)}%)`);
  }

  // Baseline, a model: a Standard state machine whose Distributed Map iterates over the ticks, each
  // iteration a Standard child workflow of one Task state invoking the worker for that one tick.
  // Transitions counted by the rule used for ours (states entered): the Map iteration plus the
  // child's Task state, 2 per tick (the parent's few states are left out, favouring the baseline).
  // One Lambda invocation per tick, with the GB-s per execution this run measured for the worker, and
  // the DynamoDB cost per execution this run measured (the worker's writes do not depend on who invokes
  // it). No queue.
  const baselineTransitionsPerTick = 2;
  const workerGbSecondsPerTick = (((handlers.get('worker')?.invocations ?? 0) * msPerInvocation('worker').ms) / 1000 / ticks) * (memorySizeOf('worker') / 1024);
  const baseline = {
    'DynamoDB writes': costs['DynamoDB writes'] / ticks,
    'DynamoDB reads': costs['DynamoDB reads'] / ticks,
    'Step Functions': baselineTransitionsPerTick * AWS_PRICES.stateTransition,
    'Lambda requests': AWS_PRICES.lambdaRequest,
    [`Lambda GB-s (${architecture})`]: workerGbSecondsPerTick * gbSecondPrice,
  };
  const baselineTotal = Object.values(baseline).reduce((a, b) => a + b, 0) * 1e6;
  console.log(
    `baseline, per-tick Distributed Map (model: ${baselineTransitionsPerTick} transitions, 1 invocation and ${(workerGbSecondsPerTick * 1000).toFixed(3)} GB-ms per tick, same DynamoDB): ` +
      `${usd(baselineTotal)} per 1M ticks (${Object.entries(baseline)
        .map(([k, v]) => `${k} ${usd(v * 1e6)}`)
        .join(', ')})`,
  );
  console.log(`ours / baseline: ${(total / baselineTotal).toFixed(2)}×`);

  reportEstimates(counted, measured, total / perMillion);

  // Hot partitions: write units per partition key value, on the table and on each index separately,
  // per execution, scaled to 1,000 executions finishing per second.
  const hottest = meter.partitionWrites
    .map((p) => ({ ...p, wcuAt1000PerSecond: (p.units / ticks) * 1000 }))
    .sort((a, b) => b.wcuAt1000PerSecond - a.wcuAt1000PerSecond);
  const top = hottest[0]?.wcuAt1000PerSecond ?? 0;
  console.log(`\nhottest partition at 1,000 executions/s: ${Math.round(top).toLocaleString('en-US')} WCU/s`);
  for (const p of hottest.slice(0, 5)) {
    console.log(
      `  ${`${p.table}${p.index ? `/${p.index}` : ' (table)'}`.padEnd(36)} ${redact(p.partitionKey).padEnd(40)} ${Math.round(p.wcuAt1000PerSecond).toLocaleString('en-US').padStart(8)} WCU/s`,
    );
  }

  const costHolds = total <= GOAL.dollarsPerMillionTicks;
  const heatHolds = top <= GOAL.hottestPartitionWcu;
  console.log(
    `\ngoal: X ≤ ${GOAL.dollarsPerMillionTicks.toFixed(2)} and N ≤ ${GOAL.hottestPartitionWcu}: ` +
      `X = ${total.toFixed(2)} ${costHolds ? 'holds' : 'does NOT hold'}, N = ${Math.round(top)} ${heatHolds ? 'holds' : 'does NOT hold'}`,
  );
}

/**
 * The dry run's estimate of this very backfill against what the run counted: each usage line and
 * the total, as estimate / measured, so a model that drifts from the design shows here. Before the
 * backfill the flow had no execution (so no duration); after it, its executions are the basis.
 */
function reportEstimates(counted: BackfillRun, measured: AwsUsage, measuredUsd: number): void {
  const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
  console.log(
    `\ndry run (POST /api/v1/triggers/backfill/preview) of the same ${counted.ticks.toLocaleString('en-US')}-tick backfill, against this run's counts:`,
  );
  for (const [when, preview] of Object.entries(counted.estimates)) {
    const { usage, usd, complete } = preview.estimate.cost;
    const { basis, concurrency, limitedBy } = preview.estimate.duration;
    console.log(
      `  ${when} the backfill: estimatedCostUsd $${usd.toFixed(4)} vs measured $${measuredUsd.toFixed(4)} (${(usd / measuredUsd).toFixed(2)}×)${complete ? '' : ', a lower bound'}; ` +
        `estimatedDuration ${preview.estimatedDuration ?? 'null'} vs ${counted.seconds.toFixed(1)} s locally` +
        ` (${basis ? `${basis.executions} executions, median ${basis.medianSeconds} s` : 'no basis'}, ${concurrency} at once, limited by ${limitedBy})`,
    );
    for (const [name, value] of Object.entries(usage) as [keyof AwsUsage, number][]) {
      console.log(
        `    ${name.padEnd(20)} ${num(value).padStart(10)} estimated, ${num(measured[name]).padStart(10)} measured: ${(value / measured[name]).toFixed(2)}×`,
      );
    }
  }
}

/** Long ids shortened: the key's shape stays readable. */
function redact(key: string): string {
  return key.replace(/[A-Za-z0-9_-]{16,}/g, (id) => `${id.slice(0, 6)}…${id.slice(-4)}`);
}
