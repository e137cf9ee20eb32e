import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFlow } from '../support/flows';
import { type TestProduct, halfHourTicks, startProduct, waitFor } from '../support/local';

/**
 * Each runtime is its own composition root: its own store, queue, state machine runner and API.
 * Nothing is global, so two of them share a process without seeing each other's flows, backfills or
 * executions (before, a module-level service locator let only one exist at a time).
 */
describe('two local runtimes in one process', () => {
  let first: TestProduct;
  let second: TestProduct;
  beforeAll(async () => {
    [first, second] = await Promise.all([startProduct(), startProduct()]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it('serve their own API, store and workers, side by side', async () => {
    const flow = logFlow('twin', 'half_hourly', { id: 'every_half_hour', cron: '*/30 * * * *' });
    expect((await first.api.createFlow(flow)).status).toBe(200);
    expect((await second.api.createFlow(flow)).status).toBe(200);
    const ticks = halfHourTicks(6);
    const backfill = (count: number) => ({
      namespace: 'twin',
      flowId: 'half_hourly',
      triggerId: 'every_half_hour',
      backfill: { start: ticks[0]?.toISOString(), end: ticks[count - 1]?.toISOString() },
    });

    const [a, b] = await Promise.all([first.api.call('PUT', '/api/v1/triggers', backfill(6)), second.api.call('PUT', '/api/v1/triggers', backfill(3))]);

    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.backfill.id).not.toBe(b.body.backfill.id);
    const done = async (product: TestProduct, count: number) =>
      (await product.api.executions('twin', 'half_hourly')).filter((e) => e.state.current === 'SUCCESS').length === count;
    expect(await waitFor(() => done(first, 6), 20_000)).toBe(true);
    expect(await waitFor(() => done(second, 3), 20_000)).toBe(true);
    await Promise.all([first.runtime.queue.idle(), second.runtime.queue.idle()]);
    expect(await first.api.executions('twin', 'half_hourly')).toHaveLength(6);
    expect(await second.api.executions('twin', 'half_hourly')).toHaveLength(3);
    // Each one's workers ran only its own executions: no execution id of one exists in the other.
    const secondIds = new Set((await second.api.executions('twin', 'half_hourly')).map((e) => e.id));
    for (const execution of await first.api.executions('twin', 'half_hourly')) expect(secondIds.has(execution.id)).toBe(false);
  });
});
