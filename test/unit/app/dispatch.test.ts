import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { liveOwner, tickExecutionId } from '../../../lib/domain/ids';
import type { BackfillState, TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { finishExecution } from '../../support/fakes/in-memory-execution-store';
import { aBackfill, aFlow, aRunInput, aSettings, aStoredExecution, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const tick = (i: number) => T0 + i * HOUR;
const idOf = (i: number, backfillId = 'bf1') => tickExecutionId(backfillId, tick(i));

describe('dispatchBatch', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies({
      settings: aSettings({ dispatch: { batchSize: 3, maxInFlight: 5, maxIterationsPerExecution: 10, throttleWaitSeconds: 7 } }),
    });
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  /** Attaches backfill `bf1` (ten hourly ticks from T0) to the trigger, as given. */
  async function givenBackfill(overrides: Partial<BackfillState> = {}): Promise<BackfillState> {
    const backfill = aBackfill(overrides);
    await deps.triggers.startBackfill(REF, backfill, deps.clock.now().toISOString());
    return backfill;
  }

  const backfillNow = async () => (await deps.triggers.get(REF))?.backfill;

  describe('a batch', () => {
    it("creates the next batchSize ticks' executions and queues them on the backfill lane", async () => {
      await givenBackfill();

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DISPATCHED', waitSeconds: 0, iteration: 1, generation: 0, dispatched: 3 });
      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1), idOf(2)]);
      expect(deps.queue.sentIds('live')).toEqual([]);
      const first = await deps.executions.get(idOf(0));
      expect(first!.origin).toMatchObject({ backfillId: 'bf1', tickMs: tick(0) });
      expect(first!.execution).toMatchObject({ namespace: 'dev', flowId: 'reports', state: { current: 'CREATED' } });
      expect(first!.execution.labels).toContainEqual({ key: 'system.backfill', value: 'bf1' });
    });

    it('moves the cursor past the batch, to the next tick', async () => {
      await givenBackfill();

      const out = await dispatchBatch(deps, aRunInput());

      expect(out.currentDate).toBe('2026-02-01T03:00:00Z');
      expect(await backfillNow()).toMatchObject({ cursorMs: tick(2) + 1, currentDate: '2026-02-01T03:00:00Z', dispatched: 3 });
    });

    it("lays the backfill's labels and inputs over the trigger's", async () => {
      await deps.flows.update(aFlow({ revision: 2, inputs: [{ id: 'day', type: 'STRING', required: false, defaults: 'today' }] }), 1);
      await givenBackfill({ labels: [{ key: 'why', value: 'replay' }], inputs: { day: '{{ trigger.date }}' } });

      await dispatchBatch(deps, aRunInput());

      const execution = (await deps.executions.get(idOf(1)))!.execution;
      expect(execution.labels).toContainEqual({ key: 'why', value: 'replay' });
      expect(execution.inputs).toEqual({ day: '2026-02-01T01:00:00Z' });
      expect(execution.flowRevision).toBe(2);
    });

    it('dispatches the last ticks and moves the cursor past the end', async () => {
      await givenBackfill({ cursorMs: tick(9), currentDate: '2026-02-01T09:00:00Z', dispatched: 9 });

      const out = await dispatchBatch(deps, aRunInput({ iteration: 3 }));

      expect(out).toMatchObject({ status: 'DISPATCHED', iteration: 4, dispatched: 10, currentDate: '2026-02-01T09:00:00Z' });
      expect(deps.queue.sentIds('backfill')).toEqual([idOf(9)]);
      expect(await backfillNow()).toMatchObject({ cursorMs: Date.parse('2026-02-01T09:00:00Z') + 1, dispatched: 10 });
    });
  });

  describe('THROTTLED', () => {
    it("counts a re-run batch's own executions already queued against maxInFlight", async () => {
      await givenBackfill();
      vi.spyOn(deps.triggers, 'advanceBackfill').mockRejectedValueOnce(new Error('crash'));
      await expect(dispatchBatch(deps, aRunInput())).rejects.toThrow('crash');

      // 3 unfinished of 5: the batch of 3 does not fit.
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('THROTTLED');
      await finishExecution(deps.executions, idOf(0), 'SUCCESS', deps.clock.now());
      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DISPATCHED', dispatched: 3 });
      expect(deps.queue.sentIds('backfill').slice(3)).toEqual([idOf(1), idOf(2)]);
      expect(await deps.executions.countUnfinished('bf1', 100)).toBe(2);
    });

    it('waits, dispatching nothing, while the backfill has maxInFlight unfinished executions', async () => {
      await givenBackfill({ cursorMs: tick(5), dispatched: 5 });
      await deps.executions.createMany([0, 1, 2, 3, 4].map((i) => aStoredExecution({ id: idOf(i), backfillId: 'bf1', tickMs: tick(i) })));

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'THROTTLED', waitSeconds: 7, dispatched: 5 });
      expect(deps.queue.sentIds('backfill')).toEqual([]);
      expect((await backfillNow())!.cursorMs).toBe(tick(5));
    });

    it('waits until a whole batch fits under maxInFlight, rather than send a part of one', async () => {
      await givenBackfill({ cursorMs: tick(4), dispatched: 4 });
      await deps.executions.createMany([0, 1, 2, 3].map((i) => aStoredExecution({ id: idOf(i), backfillId: 'bf1', tickMs: tick(i) })));

      expect((await dispatchBatch(deps, aRunInput())).status).toBe('THROTTLED');
      expect(deps.queue.sentIds('backfill')).toEqual([]);
      await finishExecution(deps.executions, idOf(0), 'SUCCESS', deps.clock.now());
      await finishExecution(deps.executions, idOf(1), 'SUCCESS', deps.clock.now());
      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(4), idOf(5), idOf(6)]);
    });

    it('sends the last ticks once they fit, though fewer than a batch', async () => {
      await givenBackfill({ cursorMs: tick(8), dispatched: 8 });
      await deps.executions.createMany([5, 6, 7].map((i) => aStoredExecution({ id: idOf(i), backfillId: 'bf1', tickMs: tick(i) })));

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(8), idOf(9)]);
    });

    it('makes batches of maxInFlight when that is below the batch size', async () => {
      deps.settings = aSettings({ dispatch: { batchSize: 3, maxInFlight: 2 } });
      await givenBackfill();

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DISPATCHED', dispatched: 2 });
      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1)]);
    });

    it('waits for the last executions once every tick is dispatched', async () => {
      await givenBackfill({ cursorMs: tick(10), dispatched: 10 });
      await deps.executions.createIfAbsent(aStoredExecution({ id: idOf(9), backfillId: 'bf1', tickMs: tick(9) }));

      const out = await dispatchBatch(deps, aRunInput());

      expect(out.status).toBe('THROTTLED');
      expect((await backfillNow())!.id).toBe('bf1');
    });
  });

  describe('PAUSED', () => {
    it('parks without dispatching, reporting where the cursor is', async () => {
      await givenBackfill({ paused: true, cursorMs: tick(3), currentDate: '2026-02-01T03:00:00Z', dispatched: 3 });

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'PAUSED', currentDate: '2026-02-01T03:00:00Z', dispatched: 3 });
      expect(deps.queue.sentIds('backfill')).toEqual([]);
    });
  });

  describe('CONTINUE_AS_NEW', () => {
    it('hands over once the execution ran maxIterationsPerExecution iterations', async () => {
      await givenBackfill();

      const out = await dispatchBatch(deps, aRunInput({ iteration: 10, generation: 2 }));

      expect(out).toMatchObject({ status: 'CONTINUE_AS_NEW', generation: 2, iteration: 11 });
      expect(deps.queue.sentIds('backfill')).toEqual([]);
    });
  });

  describe('DONE', () => {
    it('completes a drained backfill: every tick dispatched, none unfinished', async () => {
      await givenBackfill({ cursorMs: tick(10), dispatched: 10, currentDate: '2026-02-01T09:00:00Z' });
      await deps.executions.createIfAbsent(aStoredExecution({ id: idOf(9), backfillId: 'bf1', tickMs: tick(9), state: 'SUCCESS' }));

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DONE', dispatched: 10 });
      const state = await deps.triggers.get(REF);
      expect(state!.backfill).toBeUndefined();
      expect(state!.lastBackfill).toEqual({ id: 'bf1', outcome: 'COMPLETED', endedDate: deps.clock.now().toISOString() });
    });

    it('reports DONE when the worker that ran the last execution completed it first', async () => {
      await givenBackfill();
      await deps.triggers.finishBackfill(REF, 'bf1', 'COMPLETED', deps.clock.now().toISOString());

      expect((await dispatchBatch(deps, aRunInput())).status).toBe('DONE');
    });
  });

  describe('GONE', () => {
    it('ends when the backfill was deleted', async () => {
      await givenBackfill();
      await deps.triggers.finishBackfill(REF, 'bf1', 'DELETED', deps.clock.now().toISOString());

      expect((await dispatchBatch(deps, aRunInput())).status).toBe('GONE');
    });

    it('ends when another backfill replaced it, leaving that one alone', async () => {
      await givenBackfill({ id: 'bf2' });

      const out = await dispatchBatch(deps, aRunInput());

      expect(out.status).toBe('GONE');
      expect((await backfillNow())!.id).toBe('bf2');
      expect(deps.queue.sentIds('backfill')).toEqual([]);
    });

    it('ends when the trigger row is gone', async () => {
      await deps.triggers.delete(REF);

      expect((await dispatchBatch(deps, aRunInput())).status).toBe('GONE');
    });

    it('abandons the backfill when its flow was removed', async () => {
      await givenBackfill();
      await deps.flows.delete('dev', 'reports');

      const out = await dispatchBatch(deps, aRunInput());

      expect(out.status).toBe('GONE');
      expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ id: 'bf1', outcome: 'ABANDONED' });
    });

    it('abandons the backfill when its trigger left the flow', async () => {
      await givenBackfill();
      await deps.flows.update(aFlow({ revision: 2, triggers: [] }), 1);

      const out = await dispatchBatch(deps, aRunInput());

      expect(out.status).toBe('GONE');
      expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ id: 'bf1', outcome: 'ABANDONED' });
    });
  });

  describe('a re-run batch', () => {
    beforeEach(() => {
      // Room for the whole batch again: a re-run's own executions count against maxInFlight.
      deps.settings = aSettings({ dispatch: { batchSize: 3, maxInFlight: 100 } });
    });

    it('creates no second execution for a tick and moves the cursor once', async () => {
      await givenBackfill();
      vi.spyOn(deps.triggers, 'advanceBackfill').mockRejectedValueOnce(new Error('the task timed out before the cursor moved'));
      await expect(dispatchBatch(deps, aRunInput())).rejects.toThrow('timed out');

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DISPATCHED', dispatched: 3 });
      expect(await deps.executions.countUnfinished('bf1', 100)).toBe(3);
      expect(await backfillNow()).toMatchObject({ cursorMs: tick(2) + 1, dispatched: 3 });
    });

    it('queues again the executions still CREATED, not those that ran', async () => {
      await givenBackfill();
      vi.spyOn(deps.triggers, 'advanceBackfill').mockRejectedValueOnce(new Error('crash'));
      await expect(dispatchBatch(deps, aRunInput())).rejects.toThrow('crash');
      await finishExecution(deps.executions, idOf(0), 'SUCCESS', deps.clock.now());

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1), idOf(2), idOf(1), idOf(2)]);
      expect((await deps.executions.get(idOf(0)))!.execution.state.current).toBe('SUCCESS');
    });

    it('counts nothing twice when the cursor already moved for the batch', async () => {
      await givenBackfill();
      await dispatchBatch(deps, aRunInput());
      // A retried iteration that read the row before the first attempt moved the cursor.
      const stale = aBackfill();
      vi.spyOn(deps.triggers, 'get').mockResolvedValueOnce({ ...aTriggerState(), backfill: stale });

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DISPATCHED', dispatched: 0, currentDate: stale.currentDate });
      expect((await backfillNow())!.dispatched).toBe(3);
    });
  });

  describe('reprocess', () => {
    it('MISSING skips ticks that have any earlier execution and counts them as skipped', async () => {
      await givenBackfill({ reprocess: 'MISSING' });
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'live-1', liveOwner: liveOwner(REF), tickMs: tick(1), state: 'FAILED' }));

      const out = await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(2)]);
      expect(await deps.executions.get(idOf(1))).toBeUndefined();
      expect(out.dispatched).toBe(3);
      expect(await backfillNow()).toMatchObject({ dispatched: 3, skipped: 1 });
    });

    it('FAILED_AND_MISSING skips only ticks that already succeeded', async () => {
      await givenBackfill({ reprocess: 'FAILED_AND_MISSING' });
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'old-0', backfillId: 'bf0', tickMs: tick(0), state: 'SUCCESS' }));
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'old-1', backfillId: 'bf0', tickMs: tick(1), state: 'FAILED' }));

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(1), idOf(2)]);
      expect((await backfillNow())!.skipped).toBe(1);
    });

    it('ALL replays every tick whatever ran before', async () => {
      await givenBackfill({ reprocess: 'ALL' });
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'old-0', backfillId: 'bf0', tickMs: tick(0), state: 'SUCCESS' }));

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1), idOf(2)]);
    });

    it('never skips a tick the backfill itself already made an execution for', async () => {
      deps.settings = aSettings({ dispatch: { batchSize: 3, maxInFlight: 100 } });
      await givenBackfill({ reprocess: 'MISSING' });
      vi.spyOn(deps.triggers, 'advanceBackfill').mockRejectedValueOnce(new Error('crash'));
      await expect(dispatchBatch(deps, aRunInput())).rejects.toThrow('crash');
      // Meanwhile another run of tick 0 appears, which would cover it had the backfill not made its own.
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'live-0', liveOwner: liveOwner(REF), tickMs: tick(0), state: 'SUCCESS' }));

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1), idOf(2), idOf(0), idOf(1), idOf(2)]);
      expect((await backfillNow())!.skipped).toBe(0);
    });
  });

  describe('an execution that cannot be created', () => {
    it('is stored FAILED with a log line saying why, and not queued', async () => {
      await deps.flows.update(aFlow({ revision: 2, inputs: [{ id: 'day', type: 'INT', required: true }] }), 1);
      await givenBackfill();

      await dispatchBatch(deps, aRunInput());

      expect((await deps.executions.get(idOf(0)))!.execution.state.current).toBe('FAILED');
      expect(deps.queue.sentIds('backfill')).toEqual([]);
      const logs = (await deps.logs.list(idOf(0))).map((line) => line.entry);
      expect(logs).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          triggerId: 'hourly',
          message: expect.stringMatching(/^Execution could not be created: inputs\.day: required input has no value/),
        }),
      ]);
      expect(await deps.executions.progressOf('bf1', tick(3))).toEqual({ queued: 0, running: 0, failed: 3 });
    });
  });
});
