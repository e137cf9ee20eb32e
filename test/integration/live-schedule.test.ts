import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueSchedules } from '../../lib/app/live-schedule';
import { type TestProduct, startProduct, waitFor } from '../support/local';

const EVERY_TWO_SECONDS = `id: fast
namespace: live
labels:
  team: data
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "live {{ trigger.date }}"
triggers:
  - id: pulse
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/2 * * * * *"
    withSeconds: true
    labels:
      source: pulse
`;

const MINUTELY = `id: minutely
namespace: live
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;

describe('the live schedule', () => {
  let product: TestProduct;
  afterAll(async () => product?.close());

  it('runs a withSeconds trigger on time, in real time, with its labels and trigger dates', async () => {
    product = await startProduct({ liveTickMs: 100 });
    expect((await product.api.createFlow(EVERY_TWO_SECONDS)).status).toBe(200);
    const executions = await waitFor(async () => {
      const ex = await product.api.executions('live', 'fast');
      return ex.filter((e) => e.state.current === 'SUCCESS').length >= 3 ? ex : undefined;
    }, 15_000, 200);
    expect(executions).toBeTruthy();
    for (const e of executions as any[]) {
      const tick = Date.parse(e.trigger.variables.date);
      expect(tick % 2000).toBe(0);
      // Created within a second of its tick, never before it.
      const lag = Date.parse(e.state.startDate) - tick;
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(1000);
      expect(Date.parse(e.trigger.variables.next) - tick).toBe(2000);
      expect(e.labels).toEqual(expect.arrayContaining([{ key: 'team', value: 'data' }, { key: 'source', value: 'pulse' }]));
    }
    const dates = (executions as any[]).map((e) => e.trigger.variables.date);
    expect(new Set(dates).size).toBe(dates.length);
  });

  it('does not run a disabled trigger, and runs it again once enabled', async () => {
    const ids = { namespace: 'live', flowId: 'fast', triggerId: 'pulse' };
    const disabled = await product.api.call('PUT', '/api/v1/triggers', { ...ids, disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect(disabled.body.nextExecutionDate).toBeUndefined();
    await product.runtime.queue.idle();
    const before = (await product.api.executions('live', 'fast')).length;
    await new Promise((r) => setTimeout(r, 2500));
    expect((await product.api.executions('live', 'fast')).length).toBe(before);
    const enabled = await product.api.call('PUT', '/api/v1/triggers', { ...ids, disabled: false });
    expect(enabled.body.disabled).toBe(false);
    expect(await waitFor(async () => (await product.api.executions('live', 'fast')).length > before, 5000)).toBe(true);
  });
  it('replays missed ticks once each, even with two ticks running at the same time', async () => {
    expect((await product.api.createFlow(MINUTELY)).status).toBe(200);
    const row = (await product.api.call('GET', '/api/v1/triggers/live/minutely')).body.results[0];
    const first = Date.parse(row.nextExecutionDate);
    // Ten minutes later (the service was down): both calls see the same ten due ticks.
    const later = new Date(first + 9 * 60_000 + 30_000);
    const svc = product.runtime.services;
    await Promise.all([runDueSchedules(svc, later), runDueSchedules(svc, later)]);
    await product.runtime.queue.idle();
    const executions = await product.api.executions('live', 'minutely');
    expect(executions).toHaveLength(10);
    expect(new Set(executions.map((e) => e.trigger.variables.date)).size).toBe(10);
    const after = (await product.api.call('GET', '/api/v1/triggers/live/minutely')).body.results[0];
    expect(Date.parse(after.nextExecutionDate)).toBe(first + 10 * 60_000);
  });

});
