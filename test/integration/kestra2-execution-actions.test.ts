import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickExecutionId } from '../../lib/domain/ids';
import { minuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';
import { isRunning } from '../support/processes';

const V2 = '/api/v1/main';

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
      - 'sleep 600 & echo "$$ $!" > ${dir}/${id}-{{ trigger.date | date("HHmm") }}.pids; wait'
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
}

/** A flow whose task fails until `<dir>/ok` exists: what a restart after fixing the cause looks like. */
function flakyFlow(namespace: string, id: string, dir: string): string {
  return `id: ${id}
namespace: ${namespace}
tasks:
  - id: check
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - test -f ${dir}/ok
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
}

describe('Kestra 2.x execution actions over HTTP: kill, restart, replay', () => {
  let product: TestProduct;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kill-test-'));
    // One execution at a time: a backfill's second tick waits in the queue, never written, while the first runs.
    product = await startProduct({ workerConcurrency: 1, workerBatchSize: 1 });
    for (const flowId of ['sleeper', 'listed', 'queried']) expect((await product.api.createFlow(sleeperFlow('kill', flowId, dir))).status).toBe(200);
    expect((await product.api.createFlow(flakyFlow('rerun', 'flaky', dir))).status).toBe(200);
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
    const pidsFile = await waitFor(async () => pidFiles(dir, 'sleeper')[0], 30_000);
    if (!pidsFile) throw new Error('no task started within 30 s');
    const [shellPid, sleepPid] = readFileSync(join(dir, pidsFile), 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(isRunning(sleepPid)).toBe(true);
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
    const gone = await waitFor(async () => !isRunning(sleepPid) && !isRunning(shellPid), 15_000);
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
    expect(pidFiles(dir, 'sleeper')).toHaveLength(1);
  });

  /** Starts a backfill of `ticks` minute ticks of `flowId`; its execution ids by tick and its window. */
  async function backfill(flowId: string, ticks: number, daysAgo: number): Promise<string[]> {
    const window = minuteWindow(ticks, daysAgo);
    const created = await product.api.call('PUT', `${V2}/triggers/backfill/create`, { namespace: 'kill', flowId, triggerId: 'schedule', backfill: window });
    expect(created.status).toBe(200);
    return Array.from({ length: ticks }, (_, i) => tickExecutionId(created.body.backfill.id, Date.parse(window.start) + i * 60_000));
  }

  /** Polls our GET operations/{id} until the operation has ended (at most 30 s). */
  async function operationEnded(operationId: string): Promise<any> {
    let last: any;
    await waitFor(async () => {
      last = (await product.api.call('GET', `${V2}/operations/${operationId}`)).body;
      return last.state !== 'RUNNING';
    }, 30_000);
    return last;
  }

  const backfillCompleted = (flowId: string) =>
    waitFor(async () => (await product.api.call('GET', `${V2}/triggers/kill/${flowId}`)).body.results[0]?.lastBackfill?.outcome === 'COMPLETED', 30_000);

  it('kills by ids in the background: running and queued ones alike, an unknown id named among the errors', async () => {
    const ids = await backfill('listed', 2, 4);
    expect(await waitFor(async () => pidFiles(dir, 'listed').length === 1, 30_000)).toBe(true);

    const accepted = await product.api.call('DELETE', `${V2}/executions/kill/by-ids`, [...ids, 'nope', ids[0]]);

    expect(accepted).toEqual({ status: 202, body: { operationId: expect.any(String), totalItems: 3 } });
    expect(await operationEnded(accepted.body.operationId)).toMatchObject({
      kind: 'EXECUTION_KILL',
      state: 'FAILED',
      done: 2,
      failed: 1,
      errors: [{ executionId: 'nope', message: 'Execution nope not found' }],
    });
    expect(await waitFor(async () => pidsOf(dir, 'listed').every((pid) => !isRunning(pid)), 15_000)).toBe(true);
    expect(await backfillCompleted('listed')).toBe(true);
    for (const id of ids) expect((await execution(id)).body.state.current).toBe('KILLED');
    expect(pidFiles(dir, 'listed')).toHaveLength(1);
  });

  it('kills by query the unfinished executions the filters select, in the background', async () => {
    await backfill('queried', 2, 5);
    // The second tick starts once the first is killed: kill by query until the backfill is over.
    for (let round = 1; round <= 2; round++) {
      expect(await waitFor(async () => pidFiles(dir, 'queried').length === round, 30_000)).toBe(true);
      const accepted = await product.api.call('DELETE', `${V2}/executions/kill/by-query?filters[namespace][EQUALS]=kill&filters[flowId][EQUALS]=queried`);
      expect(accepted).toMatchObject({ status: 202, body: { totalItems: 1 } });
      expect(await operationEnded(accepted.body.operationId)).toMatchObject({ kind: 'EXECUTION_KILL', state: 'SUCCESS', done: 1, failed: 0, errors: [] });
    }
    expect(await backfillCompleted('queried')).toBe(true);
    expect(await waitFor(async () => pidsOf(dir, 'queried').every((pid) => !isRunning(pid)), 15_000)).toBe(true);
    const states = (await product.api.call('GET', `${V2}/executions/search?filters[flowId][EQUALS]=queried`)).body.results.map((e: any) => e.state.current);
    expect(states).toEqual(['KILLED', 'KILLED']);
    // Nothing left to kill: an empty operation, ended at once.
    const none = await product.api.call('DELETE', `${V2}/executions/kill/by-query?filters[flowId][EQUALS]=queried`);
    expect(none).toMatchObject({ status: 202, body: { totalItems: 0 } });
  });

  it('restarts FAILED executions in place (a new attempt) and replays ended ones (originalId), one or in bulk, ending SUCCESS', async () => {
    const window = minuteWindow(4, 6);
    const created = await product.api.call('PUT', `${V2}/triggers/backfill/create`, {
      namespace: 'rerun',
      flowId: 'flaky',
      triggerId: 'schedule',
      backfill: window,
    });
    expect(created.status).toBe(200);
    const search = async (extra = '') =>
      (await product.api.call('GET', `${V2}/executions/search?filters[namespace][EQUALS]=rerun&size=50${extra}`)).body.results as any[];
    expect(await waitFor(async () => (await search('&filters[state][EQUALS]=FAILED')).length === 4, 30_000)).toBe(true);
    const [one, two, ...rest] = (await search()).map((e) => e.id as string) as [string, string, string, string];
    writeFileSync(join(dir, 'ok'), '');
    const ended = (id: string) => waitFor(async () => (await execution(id)).body.state.current === 'SUCCESS', 30_000);

    // One, at once: RESTARTED, then a second run that ends SUCCESS.
    const restarted = await product.api.call('POST', `${V2}/executions/${one}/restart`);
    expect(restarted).toMatchObject({ status: 200, body: { id: one, state: { current: 'RESTARTED' } } });
    expect(await ended(one)).toBe(true);
    expect((await execution(one)).body).toMatchObject({
      originalId: one,
      metadata: { attemptNumber: 2 },
      state: { histories: ['CREATED', 'RUNNING', 'FAILED', 'RESTARTED', 'RUNNING', 'SUCCESS'].map((state) => ({ state })) },
    });
    expect(await product.api.call('POST', `${V2}/executions/${one}/restart`)).toEqual({
      status: 409,
      body: { message: `Execution ${one} is SUCCESS: only FAILED or KILLED executions can be restarted` },
    });

    // By ids, and by query (the FAILED ones left), in the background.
    const byIds = await product.api.call('POST', `${V2}/executions/restart/by-ids`, [two]);
    expect(byIds).toMatchObject({ status: 202, body: { totalItems: 1 } });
    expect(await operationEnded(byIds.body.operationId)).toMatchObject({ kind: 'EXECUTION_RESTART', state: 'SUCCESS', done: 1 });
    const byQuery = await product.api.call('POST', `${V2}/executions/restart/by-query?filters[namespace][EQUALS]=rerun&filters[flowId][EQUALS]=flaky`);
    expect(byQuery).toMatchObject({ status: 202, body: { totalItems: 2 } });
    expect(await operationEnded(byQuery.body.operationId)).toMatchObject({ state: 'SUCCESS', done: 2 });
    for (const id of [two, ...rest]) {
      expect(await ended(id)).toBe(true);
      expect((await execution(id)).body.metadata.attemptNumber).toBe(2);
    }

    // Replay: a new execution, its originalId and originalCreatedDate the original's.
    const original = (await execution(one)).body;
    const replayed = await product.api.call('POST', `${V2}/executions/${one}/replay`);
    expect(replayed).toMatchObject({ status: 200, body: { originalId: one, metadata: { originalCreatedDate: original.metadata.originalCreatedDate } } });
    expect(replayed.body.id).not.toBe(one);
    expect(await ended(replayed.body.id)).toBe(true);
    const replayByIds = await product.api.call('POST', `${V2}/executions/replay/by-ids`, [two]);
    expect(await operationEnded(replayByIds.body.operationId)).toMatchObject({ kind: 'EXECUTION_REPLAY', state: 'SUCCESS', done: 1 });
    const replayByQuery = await product.api.call('POST', `${V2}/executions/replay/by-query?filters[namespace][EQUALS]=rerun&filters[q][EQUALS]=${rest[0]}`);
    expect(await operationEnded(replayByQuery.body.operationId)).toMatchObject({ kind: 'EXECUTION_REPLAY', state: 'SUCCESS', done: 1 });
    expect(await waitFor(async () => (await search('&filters[state][EQUALS]=SUCCESS')).length === 7, 30_000)).toBe(true);
    const replays = (await search()).filter((e) => e.originalId !== e.id);
    expect(replays.map((e) => e.originalId).sort()).toEqual([one, two, rest[0]].sort());
    // The backfill ended when its executions first did: restarts and replays leave its outcome as it was.
    expect((await product.api.call('GET', `${V2}/triggers/rerun/flaky`)).body.results[0].lastBackfill).toMatchObject({ outcome: 'COMPLETED' });
  });

  it('answers 409 for an ended execution and 404 naming an unknown one', async () => {
    const [ended] = (await product.api.call('GET', `${V2}/executions/search?filters[namespace][EQUALS]=kill&filters[flowId][EQUALS]=sleeper`)).body.results;
    expect(ended).toBeDefined();

    const again = await kill(ended.id);
    const unknown = await kill('nope');

    expect(again).toEqual({ status: 409, body: { message: `Execution ${ended.id} already ended KILLED: there is nothing to kill` } });
    expect(unknown).toEqual({ status: 404, body: { message: 'Execution nope not found' } });
  });
});

/** The pid files the tasks of flow `flowId` wrote: one per task that started. */
function pidFiles(dir: string, flowId: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith(`${flowId}-`) && name.endsWith('.pids'));
}

/** The pids of every task of `flowId` that started. */
function pidsOf(dir: string, flowId: string): number[] {
  return pidFiles(dir, flowId).flatMap((file) => readFileSync(join(dir, file), 'utf8').trim().split(' ').map(Number));
}
