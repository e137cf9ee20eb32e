/**
 * Reads while a backfill runs (issue 11's goal: p99 under 250 ms locally with 20,000 executions
 * stored): the trigger view the UI polls and a label-filtered executions search page (pages 1,
 * 20 and 40 of 25, and a deep one, page 400), timed over HTTP on the local default with its data on disk, first
 * idle, then while a second backfill of the same flow writes. Baseline: the same reads idle.
 */
import { percentile } from './percentile';
import { logFlow } from '../support/flows';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Api, startProduct, waitFor } from '../support/local';

const STORED = 20_000;
const ROUNDS = 60;
const GOAL_MS = 250;
const FLOW = logFlow('bench', 'reads', {
  id: 'stored',
  cron: '* * * * *',
  extra: '  - id: running\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "* * * * *"\n',
});

type Report = (what: string, ours: number, baseline: number, baselineName: string, unit: string) => void;

const READS: Record<string, string> = {
  'trigger view': '/api/v1/triggers/bench/reads',
  'label search, page 1': '/api/v1/executions/search?namespace=bench&flowId=reads&labels=reason:outage&page=1&size=25',
  'label search, page 20': '/api/v1/executions/search?namespace=bench&flowId=reads&labels=reason:outage&page=20&size=25',
  'label search, page 40': '/api/v1/executions/search?namespace=bench&flowId=reads&labels=reason:outage&page=40&size=25',
  // Deep (results 9,976-10,000): DynamoDB has no offsets, so the first such page reads the 10,000 index
  // entries before it; later ones start below a search checkpoint (the idle figures include that first one).
  'label search, page 400': '/api/v1/executions/search?namespace=bench&flowId=reads&labels=reason:outage&page=400&size=25',
};

async function timeReads(api: Api, rounds: number, stillLoaded: () => Promise<boolean> = async () => true): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(READS).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, path] of Object.entries(READS)) {
      const started = process.hrtime.bigint();
      const response = await api.call('GET', path);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (response.status !== 200) throw new Error(`${name}: ${response.status} ${JSON.stringify(response.body)}`);
      samples[name]?.push(ms);
    }
    if (!(await stillLoaded())) break;
  }
  return samples;
}

async function backfill(api: Api, triggerId: string, ticks: number, labels: { key: string; value: string }[]): Promise<void> {
  const start = new Date(Date.now() - 60 * 86_400_000);
  start.setUTCSeconds(0, 0);
  const response = await api.call('PUT', '/api/v1/triggers', {
    namespace: 'bench',
    flowId: 'reads',
    triggerId,
    backfill: { start: start.toISOString(), end: new Date(start.getTime() + (ticks - 1) * 60_000).toISOString(), labels },
  });
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
}

async function backfillOf(api: Api, triggerId: string): Promise<{ progress?: { succeeded: number } } | undefined> {
  const { body } = await api.call('GET', '/api/v1/triggers/bench/reads');
  return body.results.find((t: { triggerId: string }) => t.triggerId === triggerId)?.backfill;
}

export async function readsWhileBackfilling(report: Report): Promise<void> {
  console.log(`Reads with ${STORED.toLocaleString('en-US')} executions stored (on disk), idle and while a backfill of the same flow runs`);
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-reads-'));
  const product = await startProduct({ dataDir, dynaliteThread: true }); // as npm start runs it
  try {
    const { api } = product;
    await api.createFlow(FLOW);
    await backfill(api, 'stored', STORED, [{ key: 'reason', value: 'outage' }]);
    await waitFor(async () => !(await backfillOf(api, 'stored')), 20 * 60_000, 500);

    const idle = await timeReads(api, ROUNDS / 2);
    await backfill(api, 'running', STORED, [{ key: 'reason', value: 'outage' }]);
    // Under load from the moment the backfill has executions finishing until it ends or the rounds are done.
    await waitFor(async () => ((await backfillOf(api, 'running'))?.progress?.succeeded ?? 0) > 100, 120_000, 100);
    const loaded = await timeReads(api, ROUNDS, async () => (await backfillOf(api, 'running')) !== undefined);
    const stillRunning = (await backfillOf(api, 'running')) !== undefined;
    for (const name of Object.keys(READS)) {
      const underLoad = loaded[name] ?? [];
      const quiet = idle[name] ?? [];
      const p99 = percentile(underLoad, 99);
      console.log(
        `  ${name}: p50 ${percentile(underLoad, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms under load (${underLoad.length} reads); idle p99 ${percentile(quiet, 99).toFixed(0)} ms; goal p99 < ${GOAL_MS} ms: ${p99 < GOAL_MS ? 'met' : 'NOT met'}`,
      );
      report(`p99 ms, ${name}, ${STORED} executions, backfill running`, p99, percentile(quiet, 99), 'the same read idle', 'ms');
    }
    if (!stillRunning) console.log('  (the second backfill ended before the last round: later rounds ran without load)');
    await api.call('POST', '/api/v1/triggers/backfill/delete', { namespace: 'bench', flowId: 'reads', triggerId: 'running' });
  } finally {
    await product.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
