/**
 * `npm run bench:concurrency`: how the local default's WORKER_CONCURRENCY trades the seed's backfill
 * pace against the API's latency. For each value, a fresh `npm start` (real process, temp data
 * folder) runs the seed's curl call (start 2024-03-28T06:30:00.000Z, end null) for `--seconds`,
 * while a client polls GET /api/v1/triggers/dev/scheduled_flow every `--probe-ms`, as the web UI
 * does. Prints executions/s, the trigger view's latency percentiles, the processes the shell tasks
 * ran, and the server's CPU and memory, per value.
 *
 *   npx tsx test/bench/concurrency.ts [--values 4,8,16,32,64] [--seconds 120] [--probe-ms 250] [--env NAME=value ...]
 */
import { percentile } from './percentile';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLocalProcess } from './local-process';

const { values: args } = parseArgs({
  options: {
    values: { type: 'string', default: '4,8,16,32,64' },
    seconds: { type: 'string', default: '120' },
    'probe-ms': { type: 'string', default: '250' },
    /** More settings for every run, e.g. --env UV_THREADPOOL_SIZE=16 (repeatable). */
    env: { type: 'string', multiple: true, default: [] },
  },
});
const REF = { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' };
/** /proc's CPU times are in clock ticks (USER_HZ). */
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime: fields 14 and 15 of stat, 12 and 13 after the command.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The machine's 1-minute load average: other work on the same cores shows in every latency. */
function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

async function measure(concurrency: string) {
  const extra = Object.fromEntries((args.env as string[]).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const product = await startLocalProcess({ ...extra, WORKER_CONCURRENCY: concurrency });
  try {
    const pid = product.serverPid();
    // Baseline, same process and same machine load: the trigger view with no backfill running.
    const idle: number[] = [];
    for (let i = 0; i < 40; i++) {
      idle.push((await product.call('GET', `/api/v1/triggers/${REF.namespace}/${REF.flowId}`)).ms);
      await new Promise((r) => setTimeout(r, Number(args['probe-ms'])));
    }
    const created = await product.call('PUT', '/api/v1/triggers', {
      ...REF,
      backfill: { start: '2024-03-28T06:30:00.000Z', end: null, inputs: null, labels: [] },
    });
    if (created.status !== 200) throw new Error(`backfill answered ${created.status}: ${JSON.stringify(created.body)}`);
    const cpuBefore = cpuSeconds(pid);
    const began = Date.now();
    const until = began + Number(args.seconds) * 1000;
    const latencies: number[] = [];
    let maxProcesses = 0;
    let peakAnon = 0;
    let finished = 0;
    // Bounded by the time and by a count no run reaches.
    for (let i = 0; i < 100_000 && Date.now() < until; i++) {
      const view = await product.call('GET', `/api/v1/triggers/${REF.namespace}/${REF.flowId}`);
      if (view.status !== 200) throw new Error(`trigger view answered ${view.status}`);
      latencies.push(view.ms);
      const progress = view.body.results[0]?.backfill?.progress;
      if (progress) finished = progress.succeeded + progress.failed;
      if (i % 8 === 0) {
        const m = product.measure();
        maxProcesses = Math.max(maxProcesses, m.childProcesses);
        peakAnon = Math.max(peakAnon, m.rssAnonMiB);
      }
      await new Promise((r) => setTimeout(r, Number(args['probe-ms'])));
    }
    const seconds = (Date.now() - began) / 1000;
    const cpu = (cpuSeconds(pid) - cpuBefore) / seconds;
    return { concurrency, finished, seconds, latencies, idle, maxProcesses, peakAnon, cpu, load: loadAverage() };
  } finally {
    await product.stop();
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const rows = [];
for (const value of (args.values as string).split(',')) {
  console.log(`WORKER_CONCURRENCY=${value}: the seed's backfill for ${args.seconds} s…`);
  const r = await measure(value);
  console.log(
    `  ${r.finished} executions in ${r.seconds.toFixed(0)} s; trigger GET p50 ${percentile(r.latencies, 50).toFixed(0)} ms, p99 ${percentile(r.latencies, 99).toFixed(0)} ms`,
  );
  rows.push(r);
}
const base = rows[0];
console.log(
  `\n| WORKER_CONCURRENCY | executions/s | vs ${base?.concurrency} | trigger GET p50 ms | p90 ms | p99 ms | max ms | same, no backfill: p50 / p99 ms | processes under the server (max) | server CPU (cores) | server CPU ms per execution | peak RssAnon MiB | load average |`,
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const rate = r.finished / r.seconds;
  console.log(
    `| ${r.concurrency} | ${rate.toFixed(1)} | ${(rate / ((base?.finished ?? 1) / (base?.seconds ?? 1))).toFixed(2)}× | ${percentile(r.latencies, 50).toFixed(0)} | ` +
      `${percentile(r.latencies, 90).toFixed(0)} | ${percentile(r.latencies, 99).toFixed(0)} | ${Math.max(...r.latencies).toFixed(0)} | ` +
      `${percentile(r.idle, 50).toFixed(0)} / ${percentile(r.idle, 99).toFixed(0)} | ${r.maxProcesses} | ${r.cpu.toFixed(2)} | ${((r.cpu * r.seconds * 1000) / Math.max(1, r.finished)).toFixed(1)} | ${r.peakAnon.toFixed(0)} | ${r.load.toFixed(1)} |`,
  );
}
