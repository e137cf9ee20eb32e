import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFlow, minuteWindow, sleepyMinuteFlow } from '../support/flows';
import { type Api, type TestProduct, startProduct, waitFor } from '../support/local';
import { ManualClock } from '../support/manual-clock';

const V2 = '/api/v1/main';
const refOf = (namespace: string, flowId: string) => ({ namespace, flowId, triggerId: 'schedule' });

/** Polls our GET operations/{id} until the operation has ended (at most 30 s); returns the last answer. */
async function ended(api: Api, operationId: string): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await api.call('GET', `${V2}/operations/${operationId}`)).body;
    return last.state !== 'RUNNING';
  }, 30_000);
  return last;
}

/** The trigger's ApiTriggerState, read through the 2.x GET. */
async function stateOf(api: Api, ref: { namespace: string; flowId: string }): Promise<any> {
  const { status, body } = await api.call('GET', `${V2}/triggers/${ref.namespace}/${ref.flowId}`);
  expect(status).toBe(200);
  return body.results[0];
}

describe('Kestra 2.x bulk trigger actions over HTTP, carried out in the background', () => {
  let product: TestProduct;
  const A = refOf('bulk', 'a');
  const B = refOf('bulk', 'b');
  const C = refOf('bulk.sub', 'c');
  const D = refOf('bulk', 'd');

  beforeAll(async () => {
    // One worker running one 50 ms execution at a time, four in flight: a 300-tick backfill lasts
    // well beyond the operations below, which pause it within a second.
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '4', BACKFILL_MAX_IN_FLIGHT: '4' }, workerConcurrency: 1, workerBatchSize: 1 });
    for (const ref of [A, B, C, D]) expect((await product.api.createFlow(sleepyMinuteFlow(ref.namespace, ref.flowId))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.tasksIdle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  it('pauses, resumes and deletes backfills by triggers and by query: 202 at once, the triggers changed shortly after', async () => {
    for (const ref of [A, B, C]) {
      const created = await product.api.call('PUT', `${V2}/triggers/backfill/create`, { ...ref, backfill: minuteWindow(300, 3) });
      expect(created.status).toBe(200);
    }
    const unknown = refOf('bulk', 'nope');

    const pause = await product.api.call('POST', `${V2}/triggers/backfill/pause/by-triggers`, [A, B, C, D, unknown]);

    expect(pause).toEqual({ status: 202, body: { operationId: expect.any(String), totalItems: 5 } });
    const paused = await ended(product.api, pause.body.operationId);
    // Partial failure: the trigger without a backfill and the unknown flow are named, the rest done.
    expect(paused).toMatchObject({
      kind: 'BACKFILL_PAUSE',
      state: 'FAILED',
      totalItems: 5,
      done: 3,
      failed: 2,
      endedAt: expect.any(String),
      errors: [
        { ...D, message: 'No backfill found' },
        { ...unknown, message: 'Flow bulk.nope of trigger schedule not found' },
      ],
    });
    for (const ref of [A, B, C]) expect((await stateOf(product.api, ref)).backfill.paused).toBe(true);

    const unpause = await product.api.call('POST', `${V2}/triggers/backfill/unpause/by-query?filters[namespace][PREFIX]=bulk`);
    expect(unpause).toMatchObject({ status: 202, body: { totalItems: 3 } });
    expect(await ended(product.api, unpause.body.operationId)).toMatchObject({ state: 'SUCCESS', done: 3, failed: 0, errors: [] });
    for (const ref of [A, B, C]) expect((await stateOf(product.api, ref)).backfill.paused).toBe(false);

    const deleteOne = await product.api.call('POST', `${V2}/triggers/backfill/delete/by-query?filters[namespace][EQUALS]=bulk&filters[flowId][EQUALS]=a`);
    expect(deleteOne.body.totalItems).toBe(1);
    expect(await ended(product.api, deleteOne.body.operationId)).toMatchObject({ state: 'SUCCESS', done: 1 });
    const deleteRest = await product.api.call('POST', `${V2}/triggers/backfill/delete/by-triggers`, [B, C]);
    expect(await ended(product.api, deleteRest.body.operationId)).toMatchObject({ state: 'SUCCESS', done: 2 });
    for (const ref of [A, B, C]) {
      const state = await stateOf(product.api, ref);
      expect(state).not.toHaveProperty('backfill');
      expect(state.lastBackfill.outcome).toBe('DELETED');
    }
  });

  it('switches triggers by query and by triggers, one with PUT set-disabled, and resets one with DELETE', async () => {
    const off = await product.api.call('POST', `${V2}/triggers/set-disabled/by-query?filters[namespace][PREFIX]=bulk&disabled=true`);
    expect(off).toMatchObject({ status: 202, body: { totalItems: 4 } });
    expect(await ended(product.api, off.body.operationId)).toMatchObject({ kind: 'TRIGGER_DISABLE', state: 'SUCCESS', done: 4 });
    for (const ref of [A, B, C, D]) expect((await stateOf(product.api, ref)).disabled).toBe(true);

    const on = await product.api.call('POST', `${V2}/triggers/set-disabled/by-triggers`, { triggers: [A], disabled: false });
    expect(await ended(product.api, on.body.operationId)).toMatchObject({ kind: 'TRIGGER_ENABLE', state: 'SUCCESS', done: 1 });
    expect(await stateOf(product.api, A)).toMatchObject({ disabled: false, nextEvaluationDate: expect.any(String) });

    const one = await product.api.call('PUT', `${V2}/triggers/set-disabled`, { ...B, disabled: false });
    expect(one).toMatchObject({ status: 200, body: { ...B, disabled: false, kind: 'SCHEDULE', nextEvaluationDate: expect.any(String) } });

    expect((await product.api.call('DELETE', `${V2}/triggers/bulk.sub/c/schedule`)).status).toBe(204);
    const reset = await stateOf(product.api, C);
    expect(reset).toMatchObject({ disabled: false, nextEvaluationDate: expect.any(String) });
    expect(reset).not.toHaveProperty('lastBackfill');

    await product.api.call('PUT', `${V2}/triggers/backfill/create`, { ...D, backfill: minuteWindow(300, 3) });
    const refused = await product.api.call('DELETE', `${V2}/triggers/bulk/d/schedule`);
    expect(refused).toMatchObject({ status: 409, body: { message: expect.stringContaining('bulk.d.schedule has an active backfill') } });
    await product.api.call('POST', `${V2}/triggers/backfill/delete`, D);
  });

  it('answers the 1.x bulk routes as before: synchronous, {count}', async () => {
    expect(await product.api.call('POST', '/api/v1/triggers/set-disabled/by-query?namespace=bulk&disabled=false')).toEqual({ status: 200, body: { count: 4 } });
  });
});

describe('re-enabling a trigger: what becomes of the ticks it missed while disabled (PUT set-disabled)', () => {
  let product: TestProduct;
  // The test moves time: the trigger is disabled, three of its minute ticks pass, then it is enabled.
  const clock = new ManualClock('2026-03-02T10:00:10.000Z');
  const REF = refOf('missed', 'm');

  beforeAll(async () => {
    product = await startProduct({ clock });
    expect((await product.api.createFlow(logFlow('missed', 'm', { id: 'schedule', cron: '* * * * *' }))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.tasksIdle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  /** Disables the trigger, lets three ticks pass (10:01, 10:02, 10:03 of the cycle), enables it with `recover`. */
  async function missThreeTicks(recover: unknown): Promise<any> {
    expect((await product.api.call('PUT', `${V2}/triggers/set-disabled`, { ...REF, disabled: true })).status).toBe(200);
    clock.advance(3 * 60_000);
    const enabled = await product.api.call('PUT', `${V2}/triggers/set-disabled`, { ...REF, disabled: false, recoverMissedSchedules: recover });
    expect(enabled.status).toBe(200);
    return enabled.body;
  }
  const liveRuns = async () => (await product.api.executions('missed', 'm', '&labels=system.from:trigger')).length;

  it('skips them by default (Kestra 2.x): the live schedule goes on from the next tick', async () => {
    const enabled = await missThreeTicks(false);

    expect(Date.parse(enabled.nextEvaluationDate)).toBeGreaterThan(clock.now().getTime());
    await product.runtime.tick();
    await product.runtime.queue.idle();
    expect(await liveRuns()).toBe(0);
  });

  it("runs them through the live schedule with true, as the trigger's recoverMissedSchedules says (ALL by default)", async () => {
    const enabled = await missThreeTicks(true);

    expect(Date.parse(enabled.nextEvaluationDate)).toBeLessThan(clock.now().getTime());
    await product.runtime.tick();
    await product.runtime.queue.idle();
    expect(await liveRuns()).toBe(3);
  });

  it('replays them as a backfill with BACKFILL (ours), whose executions carry its label', async () => {
    const enabled = await missThreeTicks('BACKFILL');

    expect(enabled.backfill).toMatchObject({ progress: { total: 3 } });
    const done = await waitFor(async () => (await stateOf(product.api, REF)).lastBackfill?.outcome === 'COMPLETED', 30_000);
    expect(done).toBe(true);
    const backfilled = await product.api.executions('missed', 'm', `&labels=system.backfill:${enabled.backfill.id}`);
    expect(backfilled.map((e) => e.state.current)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    // The live schedule goes on from the next tick to come (shown once the backfill's cursor no longer is).
    expect(Date.parse((await stateOf(product.api, REF)).nextEvaluationDate)).toBeGreaterThan(clock.now().getTime());
    const before = await liveRuns();
    await product.runtime.tick();
    await product.runtime.queue.idle();
    expect(await liveRuns()).toBe(before);
  });
});

describe('an operation whose parts were not applied when the local default stopped', () => {
  it('is carried out after the restart: its unrecorded parts are sent again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kestra2-bulk-'));
    const ref = refOf('restart', 'r');
    try {
      // The operations queue loses every message, as an in-memory queue does when its process stops.
      const lossy = await startProduct({
        dataDir,
        instrument: { dependencies: (deps) => ({ ...deps, operationQueue: Object.assign(Object.create(deps.operationQueue), { send: async () => [] }) }) },
      });
      let operationId: string;
      try {
        expect((await lossy.api.createFlow(logFlow('restart', 'r', { id: 'schedule', cron: '0 * * * *' }))).status).toBe(200);
        const accepted = await lossy.api.call('POST', `${V2}/triggers/set-disabled/by-triggers`, { triggers: [ref], disabled: true });
        operationId = accepted.body.operationId;
        expect((await lossy.api.call('GET', `${V2}/operations/${operationId}`)).body.state).toBe('RUNNING');
      } finally {
        await lossy.close();
      }

      const restarted = await startProduct({ dataDir });
      try {
        expect(await ended(restarted.api, operationId)).toMatchObject({ state: 'SUCCESS', done: 1 });
        expect((await stateOf(restarted.api, ref)).disabled).toBe(true);
      } finally {
        await restarted.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
