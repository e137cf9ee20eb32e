import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickExecutionId } from '../../lib/domain/ids';
import { type TestProduct, startProduct, waitFor } from '../support/local';
import { isRunning } from '../support/processes';
import { windowOnTheHour } from '../support/flows';

const V2 = '/api/v1/main';
const NS = 'cancel';

/**
 * A flow whose shell task ends at once for the tick on the hour, and otherwise runs `sleep 600` in
 * the background and waits for it, after writing the pids of its shell and of the sleep to
 * `<dir>/<flow>-<HHmm>.pids` (how the test learns them while the task runs).
 */
function sleeperFlow(id: string, dir: string): string {
  return `id: ${id}
namespace: ${NS}
tasks:
  - id: sleep
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - 'if [ "{{ trigger.date | date("mm") }}" = "00" ]; then exit 0; fi'
      - 'sleep 600 & echo "$$ $!" > ${dir}/${id}-{{ trigger.date | date("HHmm") }}.pids; wait'
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
}

function pidFiles(dir: string, flowId: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith(`${flowId}-`) && name.endsWith('.pids'));
}

function pidsOf(dir: string, flowId: string): number[] {
  return pidFiles(dir, flowId).flatMap((file) => readFileSync(join(dir, file), 'utf8').trim().split(' ').map(Number));
}

describe('cancelling a backfill over HTTP: its running and queued executions are killed, none runs after', () => {
  let product: TestProduct;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cancel-test-'));
    // Two executions at a time: the others wait in the queue, not written yet, while two run.
    product = await startProduct({ workerConcurrency: 2, workerBatchSize: 1 });
    for (const flowId of ['sleepers', 'legacy', 'bulk1', 'bulk2', 'bulk3', 'bulk4'])
      expect((await product.api.createFlow(sleeperFlow(flowId, dir))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const execution = (id: string) => product.api.call('GET', `${V2}/executions/${id}`);
  const triggerOf = async (flowId: string) => (await product.api.call('GET', `${V2}/triggers/${NS}/${flowId}`)).body.results[0];
  const ref = (flowId: string) => ({ namespace: NS, flowId, triggerId: 'schedule' });

  /** Waits until the backfill has left its trigger and nothing of it runs or waits anywhere (queue, state machine, task runner). */
  async function settled(flowId: string): Promise<any> {
    const gone = await waitFor(async () => (await triggerOf(flowId)).lastBackfill?.outcome === 'CANCELLED' && !(await triggerOf(flowId)).backfill, 30_000);
    expect(gone, 'the backfill leaves its trigger CANCELLED').toBe(true);
    await product.runtime.workflows.idle();
    await product.runtime.queue.idle();
    await product.runtime.tasksIdle();
    return (await triggerOf(flowId)).lastBackfill;
  }

  it('Kestra 2.x route: kills the running tasks (processes gone within seconds) and the queued executions; the ended one stays SUCCESS', async () => {
    const window = windowOnTheHour(6, 2);
    const created = await product.api.call('PUT', `${V2}/triggers/backfill/create`, { ...ref('sleepers'), backfill: window });
    expect(created.status).toBe(200);
    const backfillId: string = created.body.backfill.id;
    const ids = Array.from({ length: 6 }, (_, i) => tickExecutionId(backfillId, Date.parse(window.start) + i * 60_000));

    // The tick on the hour ends at once; two others then run their sleep, three wait in the queue.
    expect(await waitFor(async () => (await execution(ids[0] as string)).body?.state?.current === 'SUCCESS', 30_000)).toBe(true);
    expect(await waitFor(async () => pidFiles(dir, 'sleepers').length === 2, 30_000), 'two tasks run').toBe(true);
    const pids = pidsOf(dir, 'sleepers');
    expect(pids.every(isRunning)).toBe(true);

    const cancelled = await product.api.call('POST', `${V2}/triggers/backfill/cancel`, ref('sleepers'));

    expect(cancelled.status).toBe(200);
    // Answered at once: without the backfill, or with it while its running executions stop.
    if (cancelled.body.backfill) expect(cancelled.body.backfill.cancelling).toMatchObject({ by: expect.stringContaining(`backfill ${backfillId} cancelled`) });
    expect(await waitFor(async () => pids.every((pid) => !isRunning(pid)), 15_000), 'the task processes died').toBe(true);
    const last = await settled('sleepers');
    expect(last).toMatchObject({
      id: backfillId,
      outcome: 'CANCELLED',
      counts: { total: 6, dispatched: 6, succeeded: 1, failed: 0, killed: 5, unfinished: 0 },
    });

    // Every execution ended KILLED but the one that had ended before; nothing more started.
    const states = await Promise.all(ids.map(async (id) => (await execution(id)).body.state.current));
    expect(states).toEqual(['SUCCESS', 'KILLED', 'KILLED', 'KILLED', 'KILLED', 'KILLED']);
    const logs = (await product.api.call('GET', `${V2}/logs/${ids[5]}`)).body.map((l: { message: string }) => l.message);
    expect(logs.at(-1)).toMatch(new RegExp(`^Execution killed: backfill ${backfillId} cancelled, asked by POST /api/v1/main/triggers/backfill/cancel, at `));
    // Nothing is left to run them: a few more looks at the queue and the searches find nothing new.
    for (let look = 0; look < 5; look++) {
      await product.runtime.queue.idle();
      expect(await product.api.executions(NS, 'sleepers')).toHaveLength(6);
      expect(pidFiles(dir, 'sleepers')).toHaveLength(2);
    }

    // Cancelled already: a 409 as for delete; an unknown flow, a 404 naming it.
    expect(await product.api.call('POST', `${V2}/triggers/backfill/cancel`, ref('sleepers'))).toEqual({ status: 409, body: { message: 'No backfill found' } });
    expect((await product.api.call('POST', `${V2}/triggers/backfill/cancel`, { ...ref('sleepers'), flowId: 'nope' })).body.message).toBe(
      `Flow ${NS}.nope of trigger schedule not found`,
    );
  });

  it('1.x route: the same, answered in the 1.x shape, 400 once there is no backfill', async () => {
    const window = windowOnTheHour(4, 3);
    const created = await product.api.call('PUT', '/api/v1/triggers', { ...ref('legacy'), backfill: window });
    expect(created.status).toBe(200);
    const backfillId: string = created.body.backfill.id;
    expect(await waitFor(async () => pidFiles(dir, 'legacy').length === 2, 30_000), 'two tasks run').toBe(true);
    const pids = pidsOf(dir, 'legacy');

    const cancelled = await product.api.call('POST', '/api/v1/triggers/backfill/cancel', ref('legacy'));

    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ namespace: NS, flowId: 'legacy', triggerId: 'schedule' });
    expect(await waitFor(async () => pids.every((pid) => !isRunning(pid)), 15_000), 'the task processes died').toBe(true);
    expect(await settled('legacy')).toMatchObject({ id: backfillId, outcome: 'CANCELLED', counts: { dispatched: 4, succeeded: 1, killed: 3, unfinished: 0 } });
    const states = (await product.api.executions(NS, 'legacy')).map((e) => e.state.current).sort();
    expect(states).toEqual(['KILLED', 'KILLED', 'KILLED', 'SUCCESS']);
    expect(pidFiles(dir, 'legacy')).toHaveLength(2);
    expect(await product.api.call('POST', '/api/v1/triggers/backfill/cancel', ref('legacy'))).toEqual({ status: 400, body: { message: 'No backfill found' } });
  });
  /** Starts a backfill of `count` minute ticks on each flow (the first on the hour, ending at once) and waits until two of their tasks run. */
  async function twoRunning(flowIds: string[], count: number, daysAgo: number): Promise<number[]> {
    for (const flowId of flowIds) {
      const created = await product.api.call('PUT', `${V2}/triggers/backfill/create`, { ...ref(flowId), backfill: windowOnTheHour(count, daysAgo) });
      expect(created.status).toBe(200);
    }
    const running = () => flowIds.flatMap((flowId) => pidFiles(dir, flowId));
    expect(await waitFor(async () => running().length === 2, 30_000), 'two tasks run').toBe(true);
    const pids = flowIds.flatMap((flowId) => pidsOf(dir, flowId));
    expect(pids.every(isRunning)).toBe(true);
    return pids;
  }

  /** After the cancel: every execution of the flow ended, KILLED but those that had ended before (the ticks on the hour). */
  async function killedAll(flowId: string, last: any): Promise<void> {
    const states = (await product.api.executions(NS, flowId)).map((e) => e.state.current);
    expect(states.every((state) => state === 'KILLED' || state === 'SUCCESS')).toBe(true);
    expect(states.filter((state) => state === 'KILLED')).toHaveLength(last.counts.killed);
    expect(last.counts).toMatchObject({ unfinished: 0, failed: 0 });
    expect(last.counts.killed).toBeGreaterThan(0);
  }

  it('in bulk, Kestra 2.x route (ours): one operation cancels the backfills of both triggers, their running tasks and queued executions killed', async () => {
    const pids = await twoRunning(['bulk1', 'bulk2'], 3, 4);

    const accepted = await product.api.call('POST', `${V2}/triggers/backfill/cancel/by-triggers`, [ref('bulk1'), ref('bulk2')]);

    expect(accepted).toEqual({ status: 202, body: { operationId: expect.any(String), totalItems: 2 } });
    let operation: any;
    const done = await waitFor(async () => {
      operation = (await product.api.call('GET', `${V2}/operations/${accepted.body.operationId}`)).body;
      return operation.state !== 'RUNNING';
    }, 30_000);
    expect(done, 'the operation ends').toBe(true);
    expect(operation).toMatchObject({ kind: 'BACKFILL_CANCEL', state: 'SUCCESS', done: 2, failed: 0, errors: [] });
    expect(await waitFor(async () => pids.every((pid) => !isRunning(pid)), 15_000), 'the task processes died').toBe(true);
    for (const flowId of ['bulk1', 'bulk2']) {
      const last = await settled(flowId);
      expect(last).toMatchObject({ outcome: 'CANCELLED', counts: { total: 3, dispatched: 3 } });
      await killedAll(flowId, last);
    }
    const killed = (await product.api.executions(NS, 'bulk1')).find((e) => e.state.current === 'KILLED');
    const logs = (await product.api.call('GET', `${V2}/logs/${killed?.id}`)).body.map((l: { message: string }) => l.message);
    expect(logs.at(-1)).toMatch(new RegExp(`cancelled, asked by bulk operation ${accepted.body.operationId}, at `));
  });

  it('in bulk, 1.x route (ours): by-query cancels the backfills of the triggers it selects at once, answering {count}', async () => {
    const pids = await twoRunning(['bulk3', 'bulk4'], 3, 5);

    // Only the triggers with a backfill: bulk1 and bulk2's ended already.
    const answer = await product.api.call('POST', `/api/v1/triggers/backfill/cancel/by-query?namespace=${NS}`);

    expect(answer).toEqual({ status: 200, body: { count: 2 } });
    expect(await waitFor(async () => pids.every((pid) => !isRunning(pid)), 15_000), 'the task processes died').toBe(true);
    for (const flowId of ['bulk3', 'bulk4']) await killedAll(flowId, await settled(flowId));
    expect(await product.api.call('POST', `/api/v1/triggers/backfill/cancel/by-triggers`, [ref('bulk3')])).toEqual({ status: 200, body: { count: 0 } });
  });
});
