import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleOf } from '../../lib/app/schedules';
import { type StateType, transition } from '../../lib/domain/execution';
import { isSchedule } from '../../lib/domain/flow/model';
import { liveOwner, tickExecutionId } from '../../lib/domain/ids';
import { buildScheduledExecution } from '../../lib/domain/scheduled-execution';
import { type TestProduct, startProduct, waitFor } from '../support/local';

/**
 * Backfills that replay only what is missing (beyond Kestra: its feature request #13873; Airflow 3's
 * `reprocess_behavior`). Earlier runs of a tick are the trigger's live executions and those of
 * earlier backfills; `FAILED_AND_MISSING` skips ticks with a SUCCESS run, `MISSING` ticks with any.
 */
const FLOW = `id: hourly
namespace: reprocess
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "tick {{ trigger.date }}"
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
`;
const ref = { namespace: 'reprocess', flowId: 'hourly', triggerId: 'schedule' };

describe('backfill reprocess modes', () => {
  let product: TestProduct;
  // Twelve hourly ticks, a day ago.
  const t0 = Math.floor((Date.now() - 24 * 3600_000) / 3600_000) * 3600_000;
  const tick = (i: number) => t0 + i * 3600_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const window = { start: iso(tick(0)), end: iso(tick(11)) };

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '5' } });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
    // The live schedule's runs of ticks 0, 1 (SUCCESS) and 2 (FAILED), as its tick function writes them.
    const svc = product.runtime.deps;
    const flow = (await svc.flows.get(ref.namespace, ref.flowId))!;
    const trigger = flow.triggers[0];
    if (!trigger || !isSchedule(trigger)) throw new Error('a Schedule trigger');
    const live = (i: number, final: StateType) => {
      const tickMs = Math.round(tick(i));
      const built = buildScheduledExecution({
        id: tickExecutionId(liveOwner(ref), tickMs),
        flow,
        trigger,
        schedule: scheduleOf(trigger),
        tickMs,
        createdAt: new Date(tickMs),
        origin: { liveOwner: liveOwner(ref), tickMs },
      });
      const at = new Date(tickMs + 1000);
      built.execution.state = transition(transition(built.execution.state, 'RUNNING', at), final, at);
      return built;
    };
    // And one at 03:30 of a former half-hourly cron: not a tick of this one, so it covers nothing.
    await svc.executions.createMany([live(0, 'SUCCESS'), live(1, 'SUCCESS'), live(2, 'FAILED'), live(3.5, 'SUCCESS')]);
    // An earlier backfill of ticks 4 and 5, run to the end.
    await runBackfill({ start: iso(tick(4)), end: iso(tick(5)) });
  });
  afterAll(async () => product?.close());

  async function runBackfill(backfill: Record<string, unknown>): Promise<string> {
    const created = await product.api.call('PUT', '/api/v1/triggers', { ...ref, backfill });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.backfill.id;
    const outcome = await waitFor(
      async () => {
        const last = (await product.runtime.deps.triggers.get(ref))?.lastBackfill;
        return last && last.id === id ? last.outcome : undefined;
      },
      30_000,
      100,
    );
    expect(outcome).toBe('COMPLETED');
    return id;
  }

  const ticksRunBy = async (backfillId: string) =>
    (await product.api.executions('reprocess', 'hourly', `&labels=system.backfill:${backfillId}`)).map((x) => x.trigger.variables.date).sort();

  it('previews how many ticks each mode would skip', async () => {
    const preview = async (reprocess?: string) =>
      (await product.api.call('POST', '/api/v1/triggers/backfill/preview', { ...ref, backfill: { ...window, reprocess } })).body;
    expect(await preview()).toMatchObject({ count: 12, skipped: 0 });
    expect(await preview('ALL')).toMatchObject({ count: 12, skipped: 0 });
    expect(await preview('FAILED_AND_MISSING')).toMatchObject({ count: 12, skipped: 4 }); // 0, 1 live; 4, 5 backfilled
    expect(await preview('MISSING')).toMatchObject({ count: 12, skipped: 5 }); // and 2, whose live run failed
  });

  it('FAILED_AND_MISSING replays the failed tick and the missing ones, nothing that succeeded', async () => {
    const id = await runBackfill({ ...window, reprocess: 'FAILED_AND_MISSING' });
    expect(await ticksRunBy(id)).toEqual([2, 3, 6, 7, 8, 9, 10, 11].map((i) => iso(tick(i))));
  });

  it('MISSING then finds every tick covered: it completes without creating an execution', async () => {
    const id = await runBackfill({ ...window, reprocess: 'MISSING' });
    expect(await ticksRunBy(id)).toEqual([]);
  });

  it('ALL (the default, as Kestra) replays every tick, covered or not', async () => {
    const id = await runBackfill(window);
    expect(await ticksRunBy(id)).toHaveLength(12);
  });

  it('shows the mode, and counts skipped ticks as dispatched and done, not as succeeded', async () => {
    // Written through the store and advanced by hand, so no state machine moves it while it is read.
    const svc = product.runtime.deps;
    const created = await product.api.call('PUT', '/api/v1/triggers', { ...ref, backfill: { ...window, reprocess: 'MISSING' } });
    expect(created.body.backfill.reprocess).toBe('MISSING');
    expect(await waitFor(async () => !(await svc.triggers.get(ref))?.backfill, 10_000, 50)).toBe(true);
    const plan = {
      ...created.body.backfill,
      id: 'manual',
      cursorMs: tick(0),
      dispatched: 0,
      skipped: 0,
      reprocess: 'MISSING',
      generation: 0,
      executionName: 'manual-g0',
      totalTicks: 12,
      paused: true,
      currentDate: window.start,
      createdDate: new Date().toISOString(),
      inputs: null,
      labels: [],
      previousNextExecutionDate: null,
      rateSamples: [],
    };
    await svc.triggers.startBackfill(ref, plan, new Date().toISOString(), { maxActive: 10 });
    expect(
      await svc.triggers.advanceBackfill(ref, 'manual', tick(0), { cursorMs: tick(5), currentDate: iso(tick(5)), dispatchedDelta: 5, skippedDelta: 5 }),
    ).toBe(true);
    const { backfill } = (await product.api.call('GET', '/api/v1/triggers/reprocess/hourly')).body.results[0];
    expect(backfill).toMatchObject({
      reprocess: 'MISSING',
      progress: { total: 12, dispatched: 5, skipped: 5, succeeded: 0, queued: 0, running: 0, failed: 0 },
    });
    await svc.triggers.finishBackfill(ref, 'manual', 'DELETED', new Date().toISOString());
  });
});
