/**
 * `npm run bench:memory`: the local default's memory and disk through `npm start`, driven over HTTP
 * as a user would (issue 11). Default scenario `goals`: a 20,000-tick backfill of a `Log` flow, then
 * a 600-tick backfill of the seed's `dev.scheduled_flow`; checks the goals (server RssAnon under
 * 320 MiB throughout, data folder under 4 KiB per execution). Scenario `seed-full`: the seed's own
 * curl call (start 2024-03-28T06:30:00.000Z, end null, ~46,900 ticks) for at most `--minutes`.
 *
 *   npx tsx test/bench/memory.ts [--scenario goals|seed-full] [--log-ticks 20000] [--seed-ticks 600]
 *                                [--minutes 40] [--every 3] [--worker-concurrency N] [--out samples.jsonl]
 *
 * Every figure is read from /proc, du and the API during the run; nothing is typed in.
 */
import { percentile } from './percentile';
import { logFlow } from '../support/flows';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type LocalProcess, type Sample, startLocalProcess } from './local-process';

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'goals' },
    'log-ticks': { type: 'string', default: '20000' },
    'seed-ticks': { type: 'string', default: '600' },
    minutes: { type: 'string', default: '40' },
    every: { type: 'string', default: '3' },
    'worker-concurrency': { type: 'string' },
    out: { type: 'string' },
  },
});
const MAX_RSS_ANON_MIB = 320;
const MAX_DATA_BYTES_PER_EXECUTION = 4096;
const deadline = Date.now() + Number(args.minutes) * 60_000;
const everyMs = Number(args.every) * 1000;

interface Phase {
  name: string;
  samples: Sample[];
  executions: number;
  seconds: number;
  completed: boolean;
}

const LOG_FLOW = logFlow('bench', 'memory_log', { id: 'minute', cron: '* * * * *' });

async function main(): Promise<void> {
  const env: Record<string, string> = args['worker-concurrency'] ? { WORKER_CONCURRENCY: args['worker-concurrency'] } : {};
  const product = await startLocalProcess(env);
  if (args.out) writeFileSync(args.out, '');
  const started = Date.now();
  const phases: Phase[] = [];
  try {
    console.log(
      `npm start: server pid ${product.serverPid()}, data in ${product.dataDir}${env.WORKER_CONCURRENCY ? `, WORKER_CONCURRENCY=${env.WORKER_CONCURRENCY}` : ''}`,
    );
    const idle = product.measure();
    console.log(`idle: RssAnon ${idle.rssAnonMiB.toFixed(1)} MiB, VmRSS ${idle.vmRssMiB.toFixed(1)} MiB, data ${idle.dataBytes} B`);
    let before = 0;
    if (args.scenario === 'goals') {
      const created = await product.call('POST', '/api/v1/flows', LOG_FLOW, 'application/x-yaml');
      if (created.status !== 200) throw new Error(`flow creation answered ${created.status}: ${JSON.stringify(created.body)}`);
      const logTicks = Number(args['log-ticks']);
      const logStart = new Date(Date.now() - 60 * 86_400_000);
      logStart.setUTCSeconds(0, 0);
      const log = await runBackfill(product, started, before, {
        name: `Log flow, ${logTicks} ticks`,
        ref: { namespace: 'bench', flowId: 'memory_log', triggerId: 'minute' },
        start: logStart.toISOString(),
        end: new Date(logStart.getTime() + (logTicks - 1) * 60_000).toISOString(),
      });
      phases.push(log);
      before += log.executions;
      const seedTicks = Number(args['seed-ticks']);
      const seedStart = Date.parse('2025-01-01T00:00:00.000Z');
      phases.push(
        await runBackfill(product, started, before, {
          name: `seed flow dev.scheduled_flow, ${seedTicks} ticks`,
          ref: { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' },
          start: new Date(seedStart).toISOString(),
          end: new Date(seedStart + (seedTicks - 1) * 30 * 60_000).toISOString(),
        }),
      );
    } else if (args.scenario === 'seed-full') {
      phases.push(
        await runBackfill(product, started, before, {
          name: "the seed's curl call (start 2024-03-28T06:30:00.000Z, end null)",
          ref: { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' },
          start: '2024-03-28T06:30:00.000Z',
          end: null,
        }),
      );
    } else {
      throw new Error(`unknown scenario ${args.scenario}`);
    }
    const end = product.measure();
    const smaps = smapsRollup(product.serverPid());
    report(phases, end, smaps);
  } finally {
    await product.stop();
  }
}

interface BackfillRun {
  name: string;
  ref: { namespace: string; flowId: string; triggerId: string };
  start: string;
  end: string | null;
}

async function runBackfill(product: LocalProcess, startedAt: number, before: number, run: BackfillRun): Promise<Phase> {
  console.log(`\n${run.name}`);
  const created = await product.call('PUT', '/api/v1/triggers', { ...run.ref, backfill: { start: run.start, end: run.end, inputs: null, labels: [] } });
  if (created.status !== 200) throw new Error(`backfill answered ${created.status}: ${JSON.stringify(created.body)}`);
  const phase: Phase = { name: run.name, samples: [], executions: 0, seconds: 0, completed: false };
  const began = Date.now();
  let ticks = 0;
  // Bounded twice: by the scenario's deadline and by a sample count no run reaches.
  for (let i = 0; i < 1_000_000 && Date.now() < deadline; i++) {
    const view = await product.call('GET', `/api/v1/triggers/${run.ref.namespace}/${run.ref.flowId}`);
    if (view.status !== 200) throw new Error(`trigger view answered ${view.status}`);
    const trigger = view.body.results.find((t: { triggerId: string }) => t.triggerId === run.ref.triggerId);
    const backfill = trigger?.backfill;
    if (backfill) {
      phase.executions = backfill.progress.succeeded + backfill.progress.failed;
      ticks = backfill.progress.total;
    } else {
      // Nothing here deletes the backfill: it left the trigger because every tick of its window ran.
      phase.executions = ticks;
    }
    const sample: Sample = { atSeconds: (Date.now() - startedAt) / 1000, executions: before + phase.executions, probeMs: view.ms, ...product.measure() };
    phase.samples.push(sample);
    if (args.out) appendFileSync(args.out, `${JSON.stringify({ phase: run.name, ...sample })}\n`);
    if (i % 10 === 0 || !backfill) {
      console.log(
        `  ${sample.atSeconds.toFixed(0)} s: ${phase.executions} executions, RssAnon ${sample.rssAnonMiB.toFixed(1)} MiB, VmRSS ${sample.vmRssMiB.toFixed(1)} MiB, ` +
          `data ${(sample.dataBytes / 1024 / 1024).toFixed(1)} MiB, ${sample.childProcesses} task processes, trigger GET ${sample.probeMs.toFixed(0)} ms`,
      );
    }
    if (!backfill) {
      phase.completed = true;
      break;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  phase.seconds = (Date.now() - began) / 1000;
  return phase;
}

function smapsRollup(pid: number): Record<string, number> {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Object.fromEntries([...text.matchAll(/^(\w+):\s+(\d+) kB/gm)].map((m) => [m[1] as string, Number(m[2]) / 1024]));
  } catch {
    return {};
  }
}

/** Least-squares slope of RssAnon (MiB) against executions (thousands). */
function slope(samples: Sample[]): number {
  const points = samples.map((s) => [s.executions / 1000, s.rssAnonMiB] as const);
  const n = points.length;
  if (n < 3) return Number.NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

function report(phases: Phase[], end: ReturnType<LocalProcess['measure']>, smaps: Record<string, number>): void {
  const all = phases.flatMap((p) => p.samples);
  const executions = all.at(-1)?.executions ?? 0;
  console.log(
    '\n| phase | executions | done | s | executions/s | peak RssAnon MiB | peak VmRSS MiB | RssAnon MiB per 1,000 executions (2nd half) | trigger GET p50 / p99 ms | task processes max |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const p of phases) {
    const secondHalf = p.samples.slice(Math.floor(p.samples.length / 2));
    const probes = p.samples.map((s) => s.probeMs);
    console.log(
      `| ${p.name} | ${p.executions} | ${p.completed ? 'yes' : 'no (time limit)'} | ${p.seconds.toFixed(0)} | ${(p.executions / p.seconds).toFixed(1)} | ` +
        `${Math.max(...p.samples.map((s) => s.rssAnonMiB)).toFixed(1)} | ${Math.max(...p.samples.map((s) => s.vmRssMiB)).toFixed(1)} | ` +
        `${slope(secondHalf).toFixed(2)} | ${percentile(probes, 50).toFixed(0)} / ${percentile(probes, 99).toFixed(0)} | ${Math.max(...p.samples.map((s) => s.childProcesses))} |`,
    );
  }
  const peakAnon = Math.max(...all.map((s) => s.rssAnonMiB));
  const peakData = Math.max(...all.map((s) => s.dataBytes));
  const perExecution = end.dataBytes / Math.max(1, executions);
  console.log(
    `\nexecutions: ${executions}; data folder at the end: ${(end.dataBytes / 1024 / 1024).toFixed(1)} MiB (peak ${(peakData / 1024 / 1024).toFixed(1)} MiB)`,
  );
  console.log(
    `data folder per execution: ${(perExecution / 1024).toFixed(2)} KiB; written to disk per execution: ${(end.writtenBytes / Math.max(1, executions) / 1024).toFixed(1)} KiB`,
  );
  console.log(
    `server at the end (smaps_rollup, MiB): ${Object.entries(smaps)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}`,
  );
  console.log(`RssAnon MiB per 1,000 executions, whole run: ${slope(all).toFixed(2)}`);
  console.log(`goal RssAnon < ${MAX_RSS_ANON_MIB} MiB throughout: peak ${peakAnon.toFixed(1)} MiB → ${peakAnon < MAX_RSS_ANON_MIB ? 'met' : 'NOT met'}`);
  console.log(`goal data < 4 KiB per execution: ${(perExecution / 1024).toFixed(2)} KiB → ${perExecution < MAX_DATA_BYTES_PER_EXECUTION ? 'met' : 'NOT met'}`);
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
await main();
