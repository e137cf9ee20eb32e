import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minuteWindow, sleepyMinuteFlow } from '../support/flows';
import { type TestProduct, startProduct } from '../support/local';

// Each tick runs a short shell command, on four workers: the 300 ticks take seconds, so the backfill
// is still there when the calls right after its creation pause, resume and delete it.
const SLOW_FLOW = sleepyMinuteFlow('bars', 'k2');
const ref = { namespace: 'bars', flowId: 'k2', triggerId: 'schedule' };
const V2 = '/api/v1/main/triggers';

describe('a backfill through the Kestra 2.x routes, over HTTP', () => {
  let product: TestProduct;
  const stateOf = async () => {
    const { status, body } = await product.api.call('GET', `${V2}/bars/k2`);
    expect(status).toBe(200);
    expect(body.total).toBe(1);
    return body.results[0];
  };

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '25', BACKFILL_MAX_IN_FLIGHT: '50' }, workerConcurrency: 4, workerBatchSize: 2 });
    expect((await product.api.createFlow(SLOW_FLOW)).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.tasksIdle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  it('creates, pauses, resumes and deletes it, each answering the ApiTriggerState that GET then shows', async () => {
    const before = await stateOf();
    const window = minuteWindow(300, 4);

    const created = await product.api.call('PUT', `${V2}/backfill/create`, { ...ref, backfill: { ...window, labels: [{ key: 'via', value: 'kestra2' }] } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ ...ref, kind: 'SCHEDULE', locked: false, disabled: false, nextEvaluationDate: expect.any(String) });
    expect(Date.parse(created.body.backfill.start)).toBe(Date.parse(window.start));
    expect(created.body.backfill).toMatchObject({ paused: false, labels: [{ key: 'via', value: 'kestra2' }], progress: { total: 300 } });
    expect(created.body).not.toHaveProperty('nextExecutionDate');

    const again = await product.api.call('PUT', `${V2}/backfill/create`, { ...ref, backfill: window });
    expect(again.status).toBe(409);

    const paused = await product.api.call('PUT', `${V2}/backfill/pause`, ref);
    expect(paused.status).toBe(200);
    expect(paused.body.backfill.paused).toBe(true);
    expect((await stateOf()).backfill).toMatchObject({ paused: true, id: created.body.backfill.id });

    const resumed = await product.api.call('PUT', `${V2}/backfill/unpause`, ref);
    expect(resumed.status).toBe(200);
    expect(resumed.body.backfill.paused).toBe(false);
    expect((await stateOf()).backfill.paused).toBe(false);

    const deleted = await product.api.call('POST', `${V2}/backfill/delete`, ref);
    expect(deleted.status).toBe(200);
    expect(deleted.body).not.toHaveProperty('backfill');
    const after = await stateOf();
    expect(after).not.toHaveProperty('backfill');
    expect(after.lastBackfill).toMatchObject({ id: created.body.backfill.id, outcome: 'DELETED' });
    // The live schedule's next tick comes back, as Kestra restores it (#18249).
    expect(after.nextEvaluationDate).toBe(before.nextEvaluationDate);

    const noBackfill = await product.api.call('POST', `${V2}/backfill/delete`, ref);
    expect(noBackfill).toEqual({ status: 409, body: { message: 'No backfill found' } });
  });

  it("answers 2.x's statuses: 422 naming the field, 404 naming the flow or the tenant", async () => {
    const invalid = await product.api.call('PUT', `${V2}/backfill/create`, { ...ref, backfill: { end: '2026-01-01T00:00:00Z' } });
    expect(invalid).toMatchObject({ status: 422, body: { path: 'backfill.start' } });
    const unknown = await product.api.call('PUT', `${V2}/backfill/pause`, { ...ref, namespace: 'dev', flowId: 'nope' });
    expect(unknown).toMatchObject({ status: 404, body: { message: expect.stringContaining('dev.nope') } });
    const tenant = await product.api.call('GET', '/api/v1/acme/triggers/bars/k2');
    expect(tenant).toMatchObject({ status: 404, body: { message: expect.stringContaining('acme') } });
    // The 1.x route keeps its 400 for the same body.
    expect((await product.api.call('PUT', '/api/v1/triggers', { ...ref, backfill: { end: '2026-01-01T00:00:00Z' } })).status).toBe(400);
  });
});
