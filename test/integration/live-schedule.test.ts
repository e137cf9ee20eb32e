import { createTickHandler } from '../../functions/tick';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { runDueSchedules } from '../../lib/app/live-schedule';
import { logFlow } from '../support/flows';
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

const MINUTELY = logFlow('live', 'minutely', { id: 'minute', cron: '* * * * *' });

describe('the live schedule', () => {
  let product: TestProduct;
  afterAll(async () => product?.close());

  it('runs a withSeconds trigger on time, in real time, with its labels and trigger dates', async () => {
    // A short lease: the racing ticks below queue duplicates, which come back when the lease ends.
    product = await startProduct({ liveTickMs: 100, env: { ...process.env, WORKER_LEASE_SECONDS: '3' } });
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
    const svc = product.runtime.deps;
    await Promise.all([runDueSchedules(svc, later), runDueSchedules(svc, later)]);
    await product.runtime.queue.idle();
    const executions = await product.api.executions('live', 'minutely');
    expect(executions).toHaveLength(10);
    expect(new Set(executions.map((e) => e.trigger.variables.date)).size).toBe(10);
    const after = (await product.api.call('GET', '/api/v1/triggers/live/minutely')).body.results[0];
    expect(Date.parse(after.nextExecutionDate)).toBe(first + 10 * 60_000);
  });

});

/** Missed ticks, with the clock driven by the test: the service "was down" between two calls. */
describe('recovery of missed schedules', () => {
  let product: TestProduct;
  const flowWith = (id: string, extra: string) => logFlow('recover', id, { id: 'minute', cron: '* * * * *', extra });

  beforeAll(async () => {
    product = await startProduct();
    for (const [id, extra] of [
      ['all', ''],
      ['last', '    recoverMissedSchedules: LAST\n'],
      ['none', '    recoverMissedSchedules: NONE\n'],
      ['late', '    lateMaximumDelay: PT3M\n'],
    ]) {
      expect((await product.api.createFlow(flowWith(id, extra))).status).toBe(200);
    }
  });
  afterAll(async () => product?.close());

  async function nextOf(flowId: string): Promise<number> {
    return Date.parse((await product.api.call('GET', `/api/v1/triggers/recover/${flowId}`)).body.results[0].nextExecutionDate);
  }
  async function datesOf(flowId: string): Promise<number[]> {
    await product.runtime.queue.idle();
    return (await product.api.executions('recover', flowId)).map((e) => Date.parse(e.trigger.variables.date)).sort((a, b) => a - b);
  }

  it('replays all missed ticks (ALL), only the last (LAST), none that are late (NONE), none older than lateMaximumDelay', async () => {
    const first = await nextOf('all');
    // Down for ten minutes: ticks first … first+10min are due, the last one 20 s ago.
    const now = new Date(first + 10 * 60_000 + 20_000);
    await runDueSchedules(product.runtime.deps, now);
    const minute = (n: number) => first + n * 60_000;
    expect(await datesOf('all')).toEqual(Array.from({ length: 11 }, (_, i) => minute(i)));
    expect(await datesOf('last')).toEqual([minute(10)]);
    // NONE runs what is on time (within 90 s by default): the last tick and the one before it.
    expect(await datesOf('none')).toEqual([minute(9), minute(10)]);
    expect(await datesOf('late')).toEqual([minute(8), minute(9), minute(10)]);
    for (const flowId of ['all', 'last', 'none', 'late']) expect(await nextOf(flowId)).toBe(minute(11));
  });

  it('labels live executions system.from=trigger, searchable beside backfilled ones', async () => {
    const live = await product.api.call('GET', '/api/v1/executions/search?namespace=recover&labels=system.from:trigger');
    expect(live.body.total).toBe(11 + 1 + 2 + 3);
    const backfilled = await product.api.call('GET', '/api/v1/executions/search?namespace=recover&labels=system.from:backfill');
    expect(backfilled.body.total).toBe(0);
  });

  it('keeps the missed ticks of a disabled trigger for recovery when it is enabled again, in bulk too', async () => {
    const ids = { namespace: 'recover', flowId: 'all', triggerId: 'minute' };
    const before = await nextOf('all');
    const off = await product.api.call('POST', '/api/v1/triggers/set-disabled/by-triggers', { triggers: [ids, { ...ids, flowId: 'nope' }], disabled: true });
    expect(off.body).toEqual({ count: 1 });
    const row = (await product.api.call('GET', '/api/v1/triggers/recover/all')).body.results[0];
    expect(row).toMatchObject({ disabled: true });
    expect(row.nextExecutionDate).toBeUndefined();
    const count = (await datesOf('all')).length;
    await runDueSchedules(product.runtime.deps, new Date(before + 5 * 60_000));
    expect((await datesOf('all')).length).toBe(count);

    const on = await product.api.call('POST', '/api/v1/triggers/set-disabled/by-query?namespace=recover&flowId=all&disabled=false');
    expect(on.body).toEqual({ count: 1 });
    expect(await nextOf('all')).toBe(before);
    await runDueSchedules(product.runtime.deps, new Date(before + 5 * 60_000));
    expect((await datesOf('all')).length).toBe(count + 6);
  });

  it('refuses a set-disabled body without triggers or with a non-boolean', async () => {
    expect((await product.api.call('POST', '/api/v1/triggers/set-disabled/by-triggers', { triggers: [], disabled: true })).status).toBe(400);
    const bad = await product.api.call('POST', '/api/v1/triggers/set-disabled/by-triggers', { triggers: [{ namespace: 'recover', flowId: 'all', triggerId: 'minute' }], disabled: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.path).toBe('disabled');
  });
});

describe('stopAfter', () => {
  let product: TestProduct;
  beforeAll(async () => {
    product = await startProduct();
  });
  afterAll(async () => product?.close());

  it('disables the trigger when one of its executions ends in a listed state', async () => {
    const flow = `id: fragile
namespace: stop
tasks:
  - id: fail
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - exit 1
triggers:
  - id: minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    stopAfter:
      - FAILED
`;
    expect((await product.api.createFlow(flow)).status).toBe(200);
    const next = Date.parse((await product.api.call('GET', '/api/v1/triggers/stop/fragile')).body.results[0].nextExecutionDate);
    await runDueSchedules(product.runtime.deps, new Date(next + 1000));
    await product.runtime.queue.idle();
    const [execution] = await product.api.executions('stop', 'fragile');
    expect(execution.state.current).toBe('FAILED');
    const row = (await product.api.call('GET', '/api/v1/triggers/stop/fragile')).body.results[0];
    expect(row.disabled).toBe(true);
    // Disabled: the next minutes bring nothing.
    await runDueSchedules(product.runtime.deps, new Date(next + 5 * 60_000));
    await product.runtime.queue.idle();
    expect(await product.api.executions('stop', 'fragile')).toHaveLength(1);
  });
});

describe('the tick function on AWS (called once a minute)', () => {
  let product: TestProduct;
  beforeAll(async () => {
    product = await startProduct();
  });
  afterAll(async () => product?.close());

  it('keeps ticking within its invocation while a sub-minute trigger exists, so its ticks land on time', async () => {
    expect((await product.api.createFlow(EVERY_TWO_SECONDS)).status).toBe(200);
    const handler = createTickHandler(product.runtime.deps);
    // Prime: run the first due tick, so the trigger's cadence (date → next) is known.
    await waitFor(async () => (await handler()).created > 0, 5000, 200);
    const deadline = Date.now() + 11_500; // 5.5 s of ticking before the 6 s margin
    const triggers = product.runtime.deps.triggers;
    const scans = vi.spyOn(triggers, 'list');
    const reads = vi.spyOn(triggers, 'get');
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const result = await handler({}, { getRemainingTimeInMillis: () => deadline - Date.now() });
    expect(result.subMinute).toBe(true);
    expect(result.created).toBeGreaterThanOrEqual(2);
    // One full read of the triggers, at the start; then each pass reads only the sub-minute trigger.
    expect(scans).toHaveBeenCalledTimes(1);
    expect(reads.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(new Set(reads.mock.calls.map(([ref]) => `${ref.namespace}.${ref.flowId}.${ref.triggerId}`))).toEqual(new Set([`live.fast.${result.subMinuteTriggers[0].triggerId}`]));
    await product.runtime.queue.idle();
    for (const e of await product.api.executions('live', 'fast')) {
      const lag = Date.parse(e.state.startDate) - Date.parse(e.trigger.variables.date);
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(1000);
    }
  });
});

describe('a live execution whose inputs cannot be resolved', () => {
  let product: TestProduct;
  beforeAll(async () => {
    product = await startProduct();
  });
  afterAll(async () => product?.close());

  it('is created FAILED, with the reason in its logs', async () => {
    const flow = `id: typed
namespace: broken
inputs:
  - id: size
    type: INT
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.size }}"
triggers:
  - id: minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    inputs:
      size: "{{ trigger.date }}"
`;
    expect((await product.api.createFlow(flow)).status).toBe(200);
    const next = Date.parse((await product.api.call('GET', '/api/v1/triggers/broken/typed')).body.results[0].nextExecutionDate);
    await runDueSchedules(product.runtime.deps, new Date(next + 1000));
    const [execution] = await product.api.executions('broken', 'typed');
    expect(execution.state.current).toBe('FAILED');
    const logs = (await product.api.call('GET', `/api/v1/logs/${execution.id}`)).body;
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'ERROR' });
    expect(logs[0].message).toMatch(/^Execution could not be created: inputs\.size: /);
  });
});
