/**
 * `npm run bench`: throughput figures, each printed beside a baseline measured in the same run on
 * the same machine, so the ratios mean something on any hardware.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ensureTables } from '../../lib/adapters/dynamodb/create-tables';
import { documentOf, isExecutionItem } from '../../lib/adapters/dynamodb/execution-item';
import { storesFor } from '../../lib/adapters/dynamodb/stores';
import { createBackfill } from '../../lib/app/backfills';
import { createBackfillBody } from '../../lib/api/schemas';
import { dispatchBatch } from '../../lib/app/dispatch';
import { createFlow } from '../../lib/app/flows';
import { readSettings } from '../../lib/config';
import { randomId } from '../../lib/domain/ids';
import { compileSchedule, referenceTicksBetween } from '../../lib/domain/schedule';
import { startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import type { BackfillRunInput, ExecutionMessage, ExecutionStore } from '../../lib/ports';
import { type Api, SEED_FLOW, startProduct, succeededTicks, waitFor } from '../support/local';
import { readsWhileBackfilling } from './reads';
import { measureStateMachineLoop, spread } from './state-machine-loop';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const rows: string[][] = [];
function report(what: string, ours: number, baseline: number, baselineName: string, unit: string) {
  rows.push([what, `${fmt(ours)} ${unit}`, `${fmt(baseline)} ${unit}`, baselineName, `${(ours / baseline).toFixed(2)}×`]);
  console.log(`  ${what}: ${fmt(ours)} ${unit} vs ${baselineName} ${fmt(baseline)} ${unit} → ${(ours / baseline).toFixed(2)}×`);
}
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 1 ? n.toFixed(2) : n.toPrecision(3));

async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function tickEnumeration() {
  console.log('Tick enumeration (ours vs cron-parser iterator, same windows, same results)');
  const windows = [
    { cron: '*/30 * * * *', timezone: 'UTC', from: '2024-03-28T06:30:00Z', to: '2026-11-24T00:00:00Z' },
    { cron: '*/30 * * * *', timezone: 'Europe/Paris', from: '2024-03-28T06:30:00Z', to: '2026-11-24T00:00:00Z' },
    { cron: '* * * * *', timezone: 'UTC', from: '2026-01-01T00:00:00Z', to: '2026-02-15T00:00:00Z' },
    { cron: '0 9 * * 1-5', timezone: 'America/New_York', from: '1990-01-01T00:00:00Z', to: '2026-11-24T00:00:00Z' },
  ];
  for (const w of windows) {
    const spec = { cron: w.cron, timezone: w.timezone };
    const from = Date.parse(w.from);
    const to = Date.parse(w.to);
    const schedule = compileSchedule(spec);
    schedule.ticksBetween(from, from + 86_400_000, 1e9); // warm-up
    const ours = await timed(() => schedule.ticksBetween(from, to, 1e9));
    const reference = await timed(() => referenceTicksBetween(spec, from, to, 1e9));
    if (ours.value.length !== reference.value.length || ours.value.some((t, i) => t !== reference.value[i])) {
      throw new Error(`tick lists differ for ${w.cron} ${w.timezone}`);
    }
    const n = ours.value.length;
    report(`ticks/s "${w.cron}" ${w.timezone} (${n} ticks)`, n / ours.seconds, n / reference.seconds, 'cron-parser', 'ticks/s');
  }
}

async function dispatchThroughput() {
  console.log('Dispatch (executions written + queued, through dispatchBatch) vs raw BatchWriteItem on the same dynalite');
  const dynamo = await startLocalDynamo();
  const settings = readSettings({ BACKFILL_BATCH_SIZE: '500', BACKFILL_MAX_IN_FLIGHT: '1000000' });
  await ensureTables(dynamo.client, settings.tables);
  const sent: ExecutionMessage[] = [];
  const svc = {
    settings,
    clock: { now: () => new Date() },
    ...storesFor(dynamo.client, settings.tables),
    queue: { send: async (messages: ExecutionMessage[]) => void sent.push(...messages), retryAfter: async () => undefined },
    workflows: { start: async () => true, stop: async () => undefined, resume: async () => undefined },
    // The benchmark measures dispatch: its backfill's events and ending notification go nowhere.
    events: { publish: async () => undefined },
    webhooks: { post: async () => undefined },
    telemetry: { warn: () => undefined },
  };
  const N = 10_000;
  await createFlow(
    svc,
    `id: bench\nnamespace: bench\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\ntriggers:\n  - id: minute\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "* * * * *"\n`,
  );
  const start = new Date(Date.now() - 60 * 86_400_000);
  start.setUTCSeconds(0, 0);
  const state = await createBackfill(
    svc,
    createBackfillBody.parse({
      namespace: 'bench',
      flowId: 'bench',
      triggerId: 'minute',
      backfill: { start: start.toISOString(), end: new Date(start.getTime() + (N - 1) * 60_000).toISOString() },
    }),
  );
  let input: BackfillRunInput = { backfill: { namespace: 'bench', flowId: 'bench', triggerId: 'minute', id: state.backfill!.id }, generation: 0, iteration: 0 };
  let loops = 0;
  const ours = await timed(async () => {
    for (;;) {
      const out = await dispatchBatch(svc, input);
      loops++;
      if (out.status !== 'DISPATCHED') break;
      input = out;
    }
  });
  if (sent.length !== N) throw new Error(`dispatched ${sent.length} of ${N}`);
  // Baseline: the same documents written again with nothing but BatchWriteItem (25 per call, 4 calls in
  // flight) into the same table and indexes: the store's own bulk rate.
  const docs = (await svc.executions.search({ namespace: 'bench', flowId: 'bench', page: 1, size: N })).results;
  const copies = docs.map((execution) => ({ execution: { ...execution, id: randomId() }, origin: { backfillId: 'baseline', tickMs: 0 } }));
  const raw = await timed(() => svc.executions.createMany(copies));
  report(`executions dispatched/s (${N} ticks, ${loops} batches)`, N / ours.seconds, N / raw.seconds, 'raw BatchWriteItem, same items', 'items/s');
  await executionSearch(svc, dynamo.client, settings.tables.executions, 2 * N);
  await dynamo.close();
}

/**
 * One page of a flow's executions, as the UI's Executions tab asks every 2 s, over the executions
 * dispatch just made; baseline: reading every execution document of the table once (a Scan), the
 * least any search that pages in memory has to do.
 */
async function executionSearch(svc: { executions: Pick<ExecutionStore, 'search'> }, client: DynamoDBClient, table: string, total: number) {
  console.log(`Execution search, one page of 25 among ${total} executions of a flow, vs reading all their documents once`);
  const searches = {
    'first page': { namespace: 'bench', flowId: 'bench', page: 1, size: 25 },
    'page 40': { namespace: 'bench', flowId: 'bench', page: 40, size: 25 },
    'label filter, first page': { namespace: 'bench', flowId: 'bench', labels: [{ key: 'system.from', value: 'backfill' }], page: 1, size: 25 },
  };
  const readAll = await timed(async () => {
    let read = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
      for (const item of out.Items ?? []) if (isExecutionItem(item) && documentOf(item).id) read++;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    if (read !== total) throw new Error(`read ${read} of ${total} documents`);
  });
  for (const [name, query] of Object.entries(searches)) {
    const runs = 5;
    const ours = await timed(async () => {
      for (let i = 0; i < runs; i++) {
        const found = await svc.executions.search(query);
        if (found.results.length !== 25) throw new Error(`${name}: ${found.results.length} results`);
      }
    });
    report(`searches/s, ${name} (${total} executions)`, runs / ours.seconds, 1 / readAll.seconds, 'read every document once', 'searches/s');
  }
}

async function endToEnd() {
  console.log("End to end (Log flow through API, state machine, queue, worker) vs the store's sequential PutItem rate");
  const product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '500', BACKFILL_MAX_IN_FLIGHT: '5000', BACKFILL_THROTTLE_WAIT_SECONDS: '1' } });
  const api: Api = product.api;
  await api.createFlow(
    `id: e2e\nnamespace: bench\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: "tick {{ trigger.date }}"\ntriggers:\n  - id: minute\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "* * * * *"\n`,
  );
  // Baseline: one PutItem at a time, the unit of work every execution needs several of.
  const M = 1000;
  const baseline = await timed(async () => {
    for (let i = 0; i < M; i++) {
      await product.runtime.deps.logs.append([
        { seq: i, entry: { namespace: 'b', flowId: 'b', executionId: 'baseline', timestamp: '', level: 'INFO', message: 'x' } },
      ]);
    }
  });
  const N = 3000;
  const start = new Date(Date.now() - 10 * 86_400_000);
  start.setUTCSeconds(0, 0);
  const run = await timed(async () => {
    const r = await api.call('PUT', '/api/v1/triggers', {
      namespace: 'bench',
      flowId: 'e2e',
      triggerId: 'minute',
      backfill: { start: start.toISOString(), end: new Date(start.getTime() + (N - 1) * 60_000).toISOString() },
    });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    await waitFor(async () => !(await api.call('GET', '/api/v1/triggers/bench/e2e')).body.results[0].backfill, 600_000, 200);
  });
  const done = await succeededTicks(product, { namespace: 'bench', flowId: 'e2e', triggerId: 'minute' }, start.getTime(), start.getTime() + (N - 1) * 60_000);
  if (done !== N) throw new Error(`${done} of ${N} ticks have a successful execution`);
  report(`executions completed/s end to end (${N} ticks)`, N / run.seconds, M / baseline.seconds, 'sequential PutItem', 'ops/s');
  await product.close();
}

/** State transitions per tick and pause latency of a 10,000-tick backfill, default settings, real local runtime. */
async function stateMachineLoop() {
  console.log('Backfill state machine (default settings, 10,000-tick Log flow) vs one state transition per tick (a per-tick Map)');
  const loop = await measureStateMachineLoop((line) => console.log(line));
  const perTick = loop.stateTransitions / loop.ticks;
  report(`state transitions per tick (${loop.ticks} ticks)`, perTick, 1, 'one transition per tick', 'transitions/tick');
  console.log(`  pause → state machine parked: ${spread(loop.pauseToParkedMs, 'ms')}`);
  console.log(
    `  pause → last batch written after it: ${spread(loop.pauseToLastBatchMs, 'ms')}; ticks dispatched after the pause: ${loop.ticksAfterPause.join(', ')}`,
  );
  const sorted = [...loop.pauseToParkedMs].sort((a, b) => a - b);
  rows.push([
    `pause → parked, max of ${sorted.length}`,
    `${sorted.at(-1)?.toFixed(0)} ms`,
    '1,000 ms',
    'the goal',
    `${((sorted.at(-1) ?? 0) / 1000).toFixed(2)}×`,
  ]);
}

/** A task run's duration: from its RUNNING entry to its terminal one, read from its state history. */
function taskSeconds(taskRun: { state: { histories: { state: string; date: string }[] } }): number {
  const histories = taskRun.state.histories;
  const started = histories.find((h) => h.state === 'RUNNING');
  const ended = histories.find((h) => h.state === 'SUCCESS' || h.state === 'FAILED' || h.state === 'KILLED');
  if (!started || !ended) throw new Error(`task run without a RUNNING and an end: ${JSON.stringify(histories)}`);
  return (Date.parse(ended.date) - Date.parse(started.date)) / 1000;
}

/**
 * The seed's own flow (dev.scheduled_flow: its `echo` and `sleep` as real shell processes) over
 * 1,000 ticks through the local runtime with its default worker concurrency, beside Kestra's model
 * of the same window fed with the task durations measured here: by default Kestra's backfill starts
 * the next tick's execution when the previous one ended (wall = sum of durations); with
 * `allowConcurrent` it starts one per second (execution i starts at i s: wall = max(i + duration_i)).
 */
async function seedWorkload() {
  const N = 1000;
  console.log(`The seed's flow dev.scheduled_flow (shell: echo, sleep), ${N} ticks, local default vs Kestra's model of the same window`);
  const product = await startProduct();
  const api: Api = product.api;
  const created = await api.createFlow(SEED_FLOW);
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  const start = Date.parse('2025-01-01T00:00:00.000Z');
  const run = await timed(async () => {
    const r = await api.call('PUT', '/api/v1/triggers', {
      namespace: 'dev',
      flowId: 'scheduled_flow',
      triggerId: 'schedule',
      backfill: { start: new Date(start).toISOString(), end: new Date(start + (N - 1) * 30 * 60_000).toISOString() },
    });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    await waitFor(async () => !(await api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).body.results[0].backfill, 600_000, 200);
  });
  const executions = await api.executions('dev', 'scheduled_flow');
  if (executions.length !== N) throw new Error(`${executions.length} of ${N} executions`);
  const failed = executions.filter((e) => e.state.current !== 'SUCCESS').length;
  // In tick order, as Kestra would start them.
  const durations = executions
    .sort((a, b) => Date.parse(a.trigger.variables.date) - Date.parse(b.trigger.variables.date))
    .map((e) => (e.taskRunList as Parameters<typeof taskSeconds>[0][]).reduce((sum, t) => sum + taskSeconds(t), 0));
  const busy = durations.reduce((a, b) => a + b, 0);
  const sequentialWall = busy;
  const oneEverySecondWall = Math.max(...durations.map((d, i) => i + d));
  const concurrency = product.runtime.queue.concurrency;
  console.log(
    `  ${N} executions (${failed} not SUCCESS) in ${run.seconds.toFixed(1)} s; task time ${busy.toFixed(0)} s (mean ${(busy / N).toFixed(2)} s, ` +
      `max ${Math.max(...durations).toFixed(2)} s); worker concurrency ${concurrency} invocations × ${product.runtime.queue.batchSize} executions`,
  );
  report(`seed flow executions/s (${N} ticks)`, N / run.seconds, N / sequentialWall, "Kestra's model, one after another", 'exec/s');
  report(`seed flow executions/s (${N} ticks)`, N / run.seconds, N / oneEverySecondWall, "Kestra's model, allowConcurrent (1/s)", 'exec/s');
  report('seed flow effective concurrency (task time / wall)', busy / run.seconds, busy / sequentialWall, "Kestra's model, one after another", 'tasks at once');
  report(
    'seed flow effective concurrency (task time / wall)',
    busy / run.seconds,
    busy / oneEverySecondWall,
    "Kestra's model, allowConcurrent (1/s)",
    'tasks at once',
  );
  await product.close();
}

// `BENCH_ONLY=reads npm run bench` runs only the named parts (comma-separated).
const only = process.env.BENCH_ONLY?.split(',').map((part) => part.trim());
const parts: Record<string, () => Promise<void>> = {
  ticks: tickEnumeration,
  dispatch: dispatchThroughput,
  e2e: endToEnd,
  reads: () => readsWhileBackfilling(report),
  transitions: stateMachineLoop,
  seed: seedWorkload,
};
const unknown = only?.filter((part) => !(part in parts)) ?? [];
if (unknown.length) throw new Error(`BENCH_ONLY: unknown part(s) ${unknown.join(', ')}; expected some of ${Object.keys(parts).join(', ')}`);
for (const [name, run] of Object.entries(parts)) if (!only || only.includes(name)) await run();
console.log('\n| measure | ours | baseline | baseline is | ratio |\n| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
