import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';
import { ManualClock } from '../support/manual-clock';

const FLOW = `id: paced
namespace: rate
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
const ids = { namespace: 'rate', flowId: 'paced', triggerId: 'schedule' };

/**
 * `progress.rate` and `progress.eta` through HTTP on the local default. The product's clock stands
 * still unless the test moves it, so the rate's basis (the sample taken at creation) is exactly
 * known while the executions run at their own pace.
 */
describe("a backfill's rate and ETA, over HTTP", () => {
  let product: TestProduct;
  // A whole second: samples are kept to the second.
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const v1 = async () => (await product.api.call('GET', '/api/v1/triggers/rate/paced')).body.results[0];
  const v2 = async () => (await product.api.call('GET', '/api/v1/main/triggers/rate/paced')).body.results[0];

  beforeAll(async () => {
    product = await startProduct({ clock, env: { BACKFILL_THROTTLE_WAIT_SECONDS: '1' } });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
  });
  afterAll(async () => {
    if (product && (await v1())?.backfill) await product.api.call('POST', '/api/v1/triggers/backfill/delete', ids);
    await product?.runtime.workflows.idle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  /** Checks a backfill's rate against the ends its own answer counts, 40 s after its creation. */
  function expectRateSince40s(backfill: any): void {
    const { progress } = backfill;
    // rate = ended / 40 s, per minute = 1.5 × ended: the ends the rate counted, whole.
    const ended = progress.rate / 1.5;
    expect(Number.isInteger(ended), `rate ${progress.rate} is 1.5 × a whole count`).toBe(true);
    // The view counts them from the same reads as the counts beside it (one page folded in between at most).
    expect(Math.abs(ended - (progress.succeeded + progress.failed))).toBeLessThanOrEqual(1);
    const left = progress.total - progress.skipped - ended;
    const eta = Math.ceil((clock.now().getTime() + (left / progress.rate) * 60_000) / 1000) * 1000;
    expect(progress.eta).toBe(new Date(eta).toISOString());
  }

  it('has none at first, then the pace since its start in both shapes, none while paused, and starts again after a resume', async () => {
    const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', {
      ...ids,
      backfill: { ...minuteWindow(300, 2), maxConcurrency: 1 },
    });
    expect(created.status).toBe(200);
    expect(created.body.backfill.progress).toMatchObject({ rate: null, eta: null });

    const ran = await waitFor(async () => ((await v1()).backfill?.progress.succeeded ?? 0) >= 3, 30_000);
    expect(ran, 'three executions ended within 30 s').toBe(true);
    // Not 30 s of the product's time yet: no basis.
    expect((await v1()).backfill.progress).toMatchObject({ rate: null, eta: null });

    clock.advance(40_000);
    const shapes = [(await v1()).backfill, (await v2()).backfill];
    for (const backfill of shapes) {
      expect(backfill.progress.rate).toBeGreaterThan(0);
      expectRateSince40s(backfill);
    }

    const paused = await product.api.call('PUT', '/api/v1/triggers/backfill/pause', ids);
    expect(paused.body.backfill.progress).toMatchObject({ rate: null, eta: null });
    expect((await v2()).backfill.progress).toMatchObject({ rate: null, eta: null });

    clock.advance(600_000);
    const resumed = await product.api.call('PUT', '/api/v1/main/triggers/backfill/unpause', ids);
    expect(resumed.status).toBe(200);
    // The ten minutes paused count in no rate: it starts again from dispatch's next sample.
    expect(resumed.body.backfill.progress).toMatchObject({ rate: null, eta: null });
  });
});
