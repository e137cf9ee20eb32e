import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateType } from '../../lib/domain/execution';
import { Api, waitFor, waitWhileProgressing } from '../support/local';
import { freePort, npmStart } from '../support/npm-start';
import { seededRandom } from '../support/seeded-random';
import { FAULT_SETTINGS } from './in-process';
import { type RunOutcome, backfillWindow, flowYaml, putBackfill, summarize } from './outcome';

const REF = { namespace: 'faults', flowId: 'killed', triggerId: 'minute' };

export interface KillPlan {
  name: string;
  ticks: number;
  flow: 'log' | 'shell';
  seed: number;
  /** SIGKILLs of the whole process tree, each at a random moment (seeded) 0.2–3 s after the last start. */
  kills: number;
  stallMs?: number;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  output: () => string;
}

/**
 * `npm start` as a user runs it (embedded dynalite in its thread, data on disk), killed with SIGKILL
 * at random points of a backfill and started again each time on the same data folder; then the
 * backfill must finish as if nothing had happened. Checked through the HTTP API (the store lives in
 * the process).
 */
export async function runWithKills(plan: KillPlan): Promise<RunOutcome> {
  const started = performance.now();
  const random = seededRandom(plan.seed + 2);
  const dataDir = mkdtempSync(join(tmpdir(), 'faults-data-'));
  const flowsDir = join(dataDir, 'no-flows');
  mkdirSync(flowsDir);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, FLOWS_DIR: flowsDir };
  for (const name of Object.keys(env)) if (/^(BACKFILL_|WORKER_|SWEEP_|LIVE_|DYNAMODB_ENDPOINT)/.test(name)) delete env[name];
  Object.assign(env, FAULT_SETTINGS);
  const api = new Api(`http://127.0.0.1:${port}`);
  let current = await start(env, api);
  let killedAt = 0;
  try {
    const created = await api.createFlow(flowYaml(REF, plan.flow));
    if (created.status !== 200) throw new Error(`creating the flow answered ${created.status}: ${JSON.stringify(created.body)}`);
    const window = backfillWindow(plan.ticks);
    await putBackfill(api, REF, window);
    // Each kill lands after a random number of further executions ended (not after a random time,
    // which on a slow machine could fall before anything ran): always mid-backfill, at a random point.
    const ended = async () => {
      const answer = await api.call('GET', `/api/v1/triggers/${REF.namespace}/${REF.flowId}`).catch(() => undefined);
      const progress = answer?.body?.results?.[0]?.backfill?.progress;
      return progress ? progress.succeeded + progress.failed : plan.ticks;
    };
    for (let kill = 0; kill < plan.kills; kill++) {
      const target = Math.min(plan.ticks - 1, (await ended()) + 10 + Math.floor(random() * 90));
      await waitFor(async () => (await ended()) >= target, 60_000, 20);
      killGroup(current.child, 'SIGKILL');
      await current.exited;
      killedAt++;
      current = await start(env, api);
    }

    let executions: { trigger: { variables: { date: string } }; id: string; state: { current: StateType } }[] = [];
    let backfillOpen = true;
    const settled = async () => {
      const trigger = await api.call('GET', `/api/v1/triggers/${REF.namespace}/${REF.flowId}`).catch(() => undefined);
      backfillOpen = trigger?.status !== 200 || Boolean(trigger.body.results[0]?.backfill);
      executions = await api.executions(REF.namespace, REF.flowId).catch(() => executions);
      const terminal = executions.filter((e) => ['SUCCESS', 'FAILED', 'KILLED', 'WARNING', 'CANCELLED'].includes(e.state.current)).length;
      return { done: !backfillOpen && terminal >= plan.ticks, progress: terminal };
    };
    await waitWhileProgressing(settled, plan.stallMs ?? 60_000, 500);
    const byTick = new Map<number, { id: string; state: StateType }[]>();
    for (const e of executions) {
      const tick = Date.parse(e.trigger.variables.date);
      byTick.set(tick, [...(byTick.get(tick) ?? []), { id: e.id, state: e.state.current }]);
    }
    const search = await api.call('GET', `/api/v1/executions/search?namespace=${REF.namespace}&flowId=${REF.flowId}&size=1`);
    return summarize({
      name: plan.name,
      expectedTicks: plan.ticks,
      window,
      byTick,
      backfillEnded: !backfillOpen,
      searchTotal: search.status === 200 ? search.body.total : -1,
      injected: `${killedAt} SIGKILLs, ${killedAt + 1} starts`,
      wallSeconds: (performance.now() - started) / 1000,
    });
  } finally {
    killGroup(current.child, 'SIGTERM');
    const forced = setTimeout(() => killGroup(current.child, 'SIGKILL'), 20_000);
    await current.exited;
    clearTimeout(forced);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function start(env: NodeJS.ProcessEnv, api: Api): Promise<Running> {
  const { child, output, exited: exitCode } = npmStart(env, 20_000);
  const exited = exitCode.then(() => undefined);
  const up = await waitFor(
    async () => (await api.call('GET', '/api/v1/flows/search').catch(() => ({ status: 0 }))).status === 200 || child.exitCode !== null,
    60_000,
    100,
  );
  if (!up || child.exitCode !== null) {
    killGroup(child, 'SIGKILL');
    throw new Error(`npm start did not serve the API: ${output()}`);
  }
  return { child, exited, output };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid as number), signal);
  } catch {
    // already gone
  }
}
