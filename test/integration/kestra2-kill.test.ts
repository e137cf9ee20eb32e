import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickExecutionId } from '../../lib/domain/ids';
import { minuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';

const V2 = '/api/v1/main';

/** Whether a process still runs: gone, or a zombie nobody reaped yet, is not running. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A flow whose one shell task runs `sleep 600` in the background and waits for it, after writing the
 * pids of its shell and of the sleep to `<dir>/<tick>.pids` (the log of a running task is written in
 * batches, so a file is how the test learns them while it runs).
 */
function sleeperFlow(namespace: string, id: string, dir: string): string {
  return `id: ${id}
namespace: ${namespace}
tasks:
  - id: sleep
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - 'sleep 600 & echo "$$ $!" > ${dir}/{{ trigger.date | date("HHmm") }}.pids; wait'
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
}

describe('Kestra 2.x execution kill over HTTP', () => {
  let product: TestProduct;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kill-test-'));
    // One execution at a time: a backfill's second tick waits in the queue, never written, while the first runs.
    product = await startProduct({ workerConcurrency: 1, workerBatchSize: 1 });
    expect((await product.api.createFlow(sleeperFlow('kill', 'sleeper', dir))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const execution = async (id: string) => product.api.call('GET', `${V2}/executions/${id}`);
  const kill = (id: string) => product.api.call('DELETE', `${V2}/executions/${id}/actions/kill`);

  it("kills a running shell execution's processes within seconds and ends it KILLED; a queued one never starts; the backfill completes", async () => {
    const window = minuteWindow(2, 3);
    const created = await product.api.call('PUT', `${V2}/triggers/backfill/create`, {
      namespace: 'kill',
      flowId: 'sleeper',
      triggerId: 'schedule',
      backfill: window,
    });
    expect(created.status).toBe(200);
    const backfillId: string = created.body.backfill.id;
    const ids = [Date.parse(window.start), Date.parse(window.end)].map((tick) => tickExecutionId(backfillId, tick));

    // The first execution a worker takes runs its sleep; the other waits in the queue, not written yet.
    const pidsFile = await waitFor(async () => pidFiles(dir)[0], 30_000);
    if (!pidsFile) throw new Error('no task started within 30 s');
    const [shellPid, sleepPid] = readFileSync(join(dir, pidsFile), 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(running(sleepPid)).toBe(true);
    const states = await Promise.all(ids.map(async (id) => (await execution(id)).status));
    const runningId = ids[states.indexOf(200)] as string;
    const queuedId = ids[states.indexOf(404)] as string;
    expect(runningId && queuedId).toBeTruthy();

    // The queued one: written KILLED at once from its ledger slot.
    const killedQueued = await kill(queuedId);
    expect(killedQueued.status).toBe(200);
    expect(killedQueued.body).toMatchObject({ id: queuedId, tenantId: 'main', state: { current: 'KILLED' }, taskRunList: [] });

    // The running one: KILLING until its worker has stopped the task.
    const killedRunning = await kill(runningId);
    expect(killedRunning.status).toBe(200);
    expect(['KILLING', 'KILLED']).toContain(killedRunning.body.state.current);
    const gone = await waitFor(async () => !running(sleepPid) && !running(shellPid), 15_000);
    expect(gone, 'the task processes died').toBe(true);
    const ended = await waitFor(async () => (await execution(runningId)).body.state.current === 'KILLED', 15_000);
    expect(ended).toBe(true);
    const { body } = await execution(runningId);
    expect(body.state.histories.map((h: { state: string }) => h.state)).toEqual(['CREATED', 'RUNNING', 'KILLING', 'KILLED']);
    expect(body.taskRunList.map((t: { state: { current: string } }) => t.state.current)).toEqual(['KILLED']);
    const logs = (await product.api.call('GET', `${V2}/logs/${runningId}`)).body.map((l: { message: string }) => l.message);
    expect(logs).toContain('Task killed: its execution was killed');
    expect(logs.at(-1)).toMatch(new RegExp(`^Execution killed: asked by DELETE /api/v1/main/executions/${runningId}/actions/kill, at `));

    // Every execution ended: the backfill completes, and its queued execution never ran.
    const completed = await waitFor(
      async () => (await product.api.call('GET', `${V2}/triggers/kill/sleeper`)).body.results[0]?.lastBackfill?.outcome === 'COMPLETED',
      30_000,
    );
    expect(completed).toBe(true);
    await product.runtime.queue.idle();
    expect((await execution(queuedId)).body).toMatchObject({ state: { current: 'KILLED' }, taskRunList: [] });
    expect(pidFiles(dir)).toHaveLength(1);
  });

  it('answers 409 for an ended execution and 404 naming an unknown one', async () => {
    const [ended] = (await product.api.call('GET', `${V2}/executions/search?filters[flowId][EQUALS]=sleeper`)).body.results;
    expect(ended).toBeDefined();

    const again = await kill(ended.id);
    const unknown = await kill('nope');

    expect(again).toEqual({ status: 409, body: { message: `Execution ${ended.id} already ended KILLED: there is nothing to kill` } });
    expect(unknown).toEqual({ status: 404, body: { message: 'Execution nope not found' } });
  });
});

/** The pid files the flow's tasks wrote: one per task that started. */
function pidFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.pids'));
}
