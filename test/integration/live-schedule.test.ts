import { createTickHandler } from '../../functions/tick';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { runDueSchedules } from '../../lib/app/live-schedule';
import { logFlow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';
import { ManualClock } from '../support/manual-clock';

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
  // The test moves time: each pass of the live schedule runs at an instant it chooses.
  const clock = new ManualClock('2026-03-02T10:00:00.300Z');
  const at = (seconds: number) => Date.parse('2026-03-02T10:00:00Z') + seconds * 1000;
  beforeAll(async () => {
    // A short lease: the racing ticks below queue duplicates, which come back when the lease ends
    // (a real second later: the local queue's redelivery delay is a real timer).
    product = await startProduct({ clock, env: { ...process.env, WORKER_LEASE_SECONDS: '1' } });
  });
  afterAll(async () => product?.close());

  /** One pass of the live schedule at `seconds` past 10:00, then every execution it queued has run. */
  async function tickAt(seconds: number): Promise<void> {
    clock.set(at(seconds));
    await product.runtime.tick();
    await product.runtime.queue.idle();
  }
  const datesOf = async (flowId: string) =>
    (await product.api.executions('live', flowId)).map((e) => Date.parse(e.trigger.variables.date)).sort((a, b) => a - b);

  it('runs a withSeconds trigger on each of its ticks, never before, with its labels and trigger dates', async () => {
    expect((await product.api.createFlow(EVERY_TWO_SECONDS)).status).toBe(200);
    // A quarter of a second after each tick, as a ticker running every second would call it.
    for (const seconds of [2.25, 4.25, 6.25]) await tickAt(seconds);
    // Just before the next tick: nothing is due yet.
    await tickAt(7.999);
    expect(await datesOf('fast')).toEqual([at(2), at(4), at(6)]);
    for (const e of await product.api.executions('live', 'fast')) {
      const tick = Date.parse(e.trigger.variables.date);
      expect(e.state.current).toBe('SUCCESS');
      // Created by the pass that found it due, a quarter of a second after its tick.
      expect(Date.parse(e.state.startDate) - tick).toBe(250);
      expect(Date.parse(e.trigger.variables.next) - tick).toBe(2000);
      expect(e.labels).toEqual(
        expect.arrayContaining([
          { key: 'team', value: 'data' },
          { key: 'source', value: 'pulse' },
        ]),
      );
    }
  });

  it('does not run a disabled trigger, and runs it again once enabled, replaying the ticks it missed (ALL)', async () => {
    const ids = { namespace: 'live', flowId: 'fast', triggerId: 'pulse' };
    const disabled = await product.api.call('PUT', '/api/v1/triggers', { ...ids, disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect(disabled.body.nextExecutionDate).toBeUndefined();
    // Three ticks (:08, :10, :12) come while it is disabled.
    await tickAt(12.25);
    expect(await datesOf('fast')).toEqual([at(2), at(4), at(6)]);
    const enabled = await product.api.call('PUT', '/api/v1/triggers', { ...ids, disabled: false });
    expect(enabled.body.disabled).toBe(false);
    await tickAt(12.5);
    expect(await datesOf('fast')).toEqual([at(2), at(4), at(6), at(8), at(10), at(12)]);
  });

  it('replays missed ticks once each, even with two ticks running at the same time', async () => {
    expect((await product.api.createFlow(MINUTELY)).status).toBe(200);
    const row = (await product.api.call('GET', '/api/v1/triggers/live/minutely')).body.results[0];
    const first = Date.parse(row.nextExecutionDate);
    expect(first).toBe(at(60));
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

/** `npm run start:live`: the local stand-in for the EventBridge rule calls the tick on a real timer. */
describe('the local ticker', () => {
  let product: TestProduct;
  const clock = new ManualClock('2026-03-02T10:00:00.300Z');
  beforeAll(async () => {
    product = await startProduct({ clock, liveTickMs: 20 });
  });
  afterAll(async () => product?.close());

  it('runs the live schedule on its own, at the time of the runtime clock, once per tick however often it passes', async () => {
    const passes = vi.spyOn(product.runtime.deps.triggers, 'list');
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    expect((await product.api.createFlow(EVERY_TWO_SECONDS)).status).toBe(200);
    // The ticker keeps passing, but nothing is due until the clock reaches the first tick.
    const passed = passes.mock.calls.length;
    expect(await waitFor(async () => passes.mock.calls.length >= passed + 3, 10_000, 20)).toBe(true);
    expect(await product.api.executions('live', 'fast')).toEqual([]);
    clock.set('2026-03-02T10:00:02.100Z');
    const ran = await waitFor(
      async () => {
        const executions = await product.api.executions('live', 'fast');
        return executions.length > 0 && executions.every((e) => e.state.current === 'SUCCESS') ? executions : undefined;
      },
      10_000,
      20,
    );
    expect(ran?.map((e) => e.trigger.variables.date)).toEqual(['2026-03-02T10:00:02Z']);
    expect(Date.parse(ran?.[0].state.startDate)).toBe(Date.parse('2026-03-02T10:00:02.100Z'));
    // More passes at the same time find the tick done: still one execution.
    const after = passes.mock.calls.length;
    expect(await waitFor(async () => passes.mock.calls.length >= after + 3, 10_000, 20)).toBe(true);
    await product.runtime.queue.idle();
    expect(await product.api.executions('live', 'fast')).toHaveLength(1);
  });
});

/** Missed ticks, with the clock driven by the test: the service "was down" between two calls. */
describe('recovery of missed schedules', () => {
  let product: TestProduct;
  const flowWith = (id: string, extra: string) => logFlow('recover', id, { id: 'minute', cron: '* * * * *', extra });

  beforeAll(async () => {
    // A clock that stands still while the four flows are created, so they share their first tick.
    product = await startProduct({ clock: new ManualClock('2026-03-02T10:00:20Z') });
    for (const [id, extra] of [
      ['all', ''],
      ['last', '    recoverMissedSchedules: LAST\n'],
      ['none', '    recoverMissedSchedules: NONE\n'],
      ['late', '    lateMaximumDelay: PT3M\n'],
    ] as const) {
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
    const bad = await product.api.call('POST', '/api/v1/triggers/set-disabled/by-triggers', {
      triggers: [{ namespace: 'recover', flowId: 'all', triggerId: 'minute' }],
      disabled: 'yes',
    });
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
  const clock = new ManualClock('2026-03-02T10:00:00.300Z');
  const at = (seconds: number) => Date.parse('2026-03-02T10:00:00Z') + seconds * 1000;
  beforeAll(async () => {
    product = await startProduct({ clock });
  });
  afterAll(async () => product?.close());

  it('keeps ticking within its invocation while a sub-minute trigger exists, so its ticks land on time', async () => {
    expect((await product.api.createFlow(EVERY_TWO_SECONDS)).status).toBe(200);
    // Its waits between passes let the test's time pass, so the invocation runs at once.
    const handler = createTickHandler({ ...product.runtime.deps, clock, sleep: clock.sleep });
    // Prime: run the first due tick, so the trigger's cadence (date → next) is known.
    clock.set(at(2.3));
    expect((await handler()).created).toBe(1);
    const triggers = product.runtime.deps.triggers;
    const scans = vi.spyOn(triggers, 'list');
    const reads = vi.spyOn(triggers, 'get');
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    // 11.5 s left at 10:00:02.3: it passes at :02.3, then just past each second while more than
    // the 6 s margin is left: :03.005 … :08.005 (5.795 s left there, so it stops).
    const result = await handler({}, clock.lambdaContext(11_500));
    expect(clock.now().toISOString()).toBe('2026-03-02T10:00:08.005Z');
    expect(result.subMinute).toBe(true);
    expect(result.created).toBe(3);
    // One full read of the triggers, at the start; then each of the 6 later passes reads only the sub-minute trigger.
    expect(scans).toHaveBeenCalledTimes(1);
    expect(reads).toHaveBeenCalledTimes(6);
    expect(new Set(reads.mock.calls.map(([ref]) => `${ref.namespace}.${ref.flowId}.${ref.triggerId}`))).toEqual(new Set(['live.fast.pulse']));
    await product.runtime.queue.idle();
    const executions = await product.api.executions('live', 'fast');
    expect(executions.map((e) => Date.parse(e.trigger.variables.date)).sort((a, b) => a - b)).toEqual([at(2), at(4), at(6), at(8)]);
    for (const e of executions) {
      // The primed one 300 ms after its tick; the ones of the invocation 5 ms after theirs.
      const lag = Date.parse(e.state.startDate) - Date.parse(e.trigger.variables.date);
      expect(lag).toBe(Date.parse(e.trigger.variables.date) === at(2) ? 300 : 5);
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
