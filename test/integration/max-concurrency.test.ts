import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';

/** A per-minute schedule whose one shell task takes a while: executions stay in flight long enough to count. */
const SLOW_FLOW = `id: slow
namespace: conc
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - sleep 0.3
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
const ids = { namespace: 'conc', flowId: 'slow', triggerId: 'schedule' };
const SERVICE_LIMIT = 20;

describe("a backfill's maxConcurrency, over HTTP", () => {
  let product: TestProduct;
  const backfillOf = async () => (await product.api.call('GET', '/api/v1/triggers/conc/slow')).body.results[0].backfill;
  const inFlight = async () => {
    const backfill = await backfillOf();
    return backfill ? backfill.progress.queued + backfill.progress.running : 0;
  };

  beforeAll(async () => {
    product = await startProduct({
      env: { BACKFILL_BATCH_SIZE: '10', BACKFILL_MAX_IN_FLIGHT: String(SERVICE_LIMIT), BACKFILL_THROTTLE_WAIT_SECONDS: '1' },
      workerConcurrency: 8,
      workerBatchSize: 1,
    });
    expect((await product.api.createFlow(SLOW_FLOW)).status).toBe(200);
  });
  afterAll(async () => {
    if (product && (await backfillOf())) await product.api.call('POST', '/api/v1/triggers/backfill/delete', ids);
    await product?.runtime.workflows.idle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  it('refuses a maxConcurrency above the service limit, naming the field and the limit, creating nothing', async () => {
    const window = minuteWindow(5, 3);
    const tooMany = { ...ids, backfill: { ...window, maxConcurrency: SERVICE_LIMIT + 1 } };

    const v1 = await product.api.call('PUT', '/api/v1/triggers', tooMany);
    const v2 = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', tooMany);
    const preview = await product.api.call('POST', '/api/v1/triggers/backfill/preview', tooMany);

    expect(v1.status).toBe(400);
    expect(v1.body.message).toContain('backfill.maxConcurrency');
    expect(v1.body.message).toContain(`from 1 to ${SERVICE_LIMIT}`);
    expect(v2.status).toBe(422);
    expect(JSON.stringify(v2.body)).toContain('backfill.maxConcurrency');
    expect(preview.status).toBe(400);
    expect(await backfillOf()).toBeUndefined();
  });

  it('keeps at most maxConcurrency executions in flight, and an update raises the bound while it runs', async () => {
    const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', { ...ids, backfill: { ...minuteWindow(60, 2), maxConcurrency: 2 } });
    expect(created.status).toBe(200);
    expect(created.body.backfill.maxConcurrency).toBe(2);

    // Sampled while the backfill runs at 2: never above it, and it does reach it.
    let highest = 0;
    for (let i = 0; i < 40; i++) {
      const now = await inFlight();
      expect(now).toBeLessThanOrEqual(2);
      highest = Math.max(highest, now);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(highest).toBeGreaterThan(0);

    // Bad updates change nothing: above the limit, and on a trigger without a backfill.
    const tooMany = await product.api.call('PUT', '/api/v1/main/triggers/backfill/update', { ...ids, backfill: { maxConcurrency: SERVICE_LIMIT + 1 } });
    expect(tooMany.status).toBe(422);
    expect((await backfillOf()).maxConcurrency).toBe(2);

    const updated = await product.api.call('PUT', '/api/v1/main/triggers/backfill/update', { ...ids, backfill: { maxConcurrency: 6 } });
    expect(updated.status).toBe(200);
    expect(updated.body.backfill.maxConcurrency).toBe(6);

    // Raised: more than 2 in flight soon after, never more than 6.
    let above = 0;
    const raised = await waitFor(
      async () => {
        const now = await inFlight();
        expect(now).toBeLessThanOrEqual(6);
        above = Math.max(above, now);
        return now > 2;
      },
      15_000,
      25,
    );
    expect(raised, `in flight above 2 after the update (highest seen ${above})`).toBe(true);

    // The 1.x twin answers the 1.x Trigger, with the field.
    const v1 = await product.api.call('PUT', '/api/v1/triggers/backfill/update', { ...ids, backfill: { maxConcurrency: 3 } });
    expect(v1.status).toBe(200);
    expect(v1.body.backfill.maxConcurrency).toBe(3);
    const v1TooMany = await product.api.call('PUT', '/api/v1/triggers/backfill/update', { ...ids, backfill: { maxConcurrency: 0 } });
    expect(v1TooMany.status).toBe(400);
    expect(v1TooMany.body.message).toContain('backfill.maxConcurrency');
  });

  it('answers 409 without an active backfill on 2.x (400 on 1.x), and 404 naming the flow', async () => {
    if (await backfillOf()) expect((await product.api.call('POST', '/api/v1/triggers/backfill/delete', ids)).status).toBe(200);
    const body = { ...ids, backfill: { maxConcurrency: 2 } };

    expect((await product.api.call('PUT', '/api/v1/main/triggers/backfill/update', body)).status).toBe(409);
    expect((await product.api.call('PUT', '/api/v1/triggers/backfill/update', body)).status).toBe(400);
    const missing = await product.api.call('PUT', '/api/v1/main/triggers/backfill/update', { ...body, flowId: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('conc.nope');
  });
});
