import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minuteWindow, sleepyMinuteFlow } from '../support/flows';
import { type Kestra2Shape, expectKestra2Shape } from '../support/kestra2-shapes';
import { type TestProduct, startProduct } from '../support/local';

/**
 * Kestra 2.x's contract, route by route: every request a generated client sends is checked against
 * the shape Kestra's document gives it, and every answer against the shape its clients parse
 * (test/support/kestra2-shapes.ts). The behaviour of each route is tested beside it
 * (kestra2-*.test.ts); this suite only asks "would an official SDK accept this exchange?".
 */
const ref = { namespace: 'contract', flowId: 'k2', triggerId: 'schedule' };
const V2 = '/api/v1/main';

describe("Kestra 2.x's routes against the shapes of Kestra's published document", () => {
  let product: TestProduct;
  /** One exchange: the request body (when a shape is given) and the answer must match their shapes. */
  const exchange = async (method: string, path: string, request: { shape: Kestra2Shape; body: unknown } | undefined, answer: Kestra2Shape) => {
    if (request) expectKestra2Shape(request.shape, request.body);
    const response = await product.api.call(method, `${V2}${path}`, request?.body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expectKestra2Shape(answer, response.body);
    return response.body;
  };

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '25', BACKFILL_MAX_IN_FLIGHT: '50' }, workerConcurrency: 4, workerBatchSize: 2 });
    expect((await product.api.createFlow(sleepyMinuteFlow(ref.namespace, ref.flowId))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.tasksIdle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  it('refuses what a generated client would refuse (so the checks below can fail)', () => {
    const state = { namespace: 'a', flowId: 'b', triggerId: 'c', updatedAt: '2026-01-01T00:00:00Z' };
    expect(() => expectKestra2Shape('ApiTriggerState', state)).not.toThrow();
    expect(() => expectKestra2Shape('ApiTriggerState', { ...state, updatedAt: undefined })).toThrow(/updatedAt/);
    expect(() => expectKestra2Shape('ApiTriggerState', { ...state, updatedAt: 'yesterday' })).toThrow(/date-time/);
    expect(() =>
      expectKestra2Shape('ApiTriggerState', { ...state, backfill: { start: '2026-01-01T00:00:00Z', labels: [{ key: 'Reason', value: 'x' }] } }),
    ).toThrow(/labels\/0\/key/);
    expect(() => expectKestra2Shape('ApiAsyncOperationResponse', { operationId: 'x' })).toThrow(/totalItems/);
  });

  it('backfill create, pause, unpause and delete, and the flow triggers page', async () => {
    const body = { ...ref, backfill: { ...minuteWindow(200, 3), labels: [{ key: 'via', value: 'sdk' }], inputs: {} } };
    const created = await exchange('PUT', '/triggers/backfill/create', { shape: 'ApiCreateBackfillRequest', body }, 'ApiTriggerState');
    expect(created.backfill).toBeDefined();
    await exchange('GET', `/triggers/${ref.namespace}/${ref.flowId}`, undefined, 'PagedResults<ApiTriggerState>');
    await exchange('PUT', '/triggers/backfill/pause', { shape: 'ApiTriggerId', body: ref }, 'ApiTriggerState');
    await exchange('PUT', '/triggers/backfill/unpause', { shape: 'ApiTriggerId', body: ref }, 'ApiTriggerState');
    await exchange('POST', '/triggers/backfill/delete', { shape: 'ApiTriggerId', body: ref }, 'ApiTriggerState');
  });
});
