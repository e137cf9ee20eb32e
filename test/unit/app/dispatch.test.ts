import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { liveOwner, tickExecutionId } from '../../../lib/domain/ids';
import { ledgerPageId } from '../../../lib/domain/ledger';
import type { BackfillState, TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
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

  /** The last document sent for tick `i` (dispatch writes no execution: the worker does). */
  const sentDocument = (i: number) => deps.queue.sent.backfill.filter((m) => m.executionId === idOf(i) && m.created).at(-1)?.created;

  /** What the worker does once the executions of ticks `indices` ended: it marks their ledger slots. */
  async function ended(indices: number[], state: 'SUCCESS' | 'FAILED' = 'SUCCESS'): Promise<void> {
    await deps.ledger.markEnded(
      indices.map((i) => {
        const page = sentDocument(i)?.origin.page;
        if (!page) throw new Error(`tick ${i} was not sent`);
        return { pageId: page.id, slot: page.slot, failed: state === 'FAILED' };
      }),
    );
  }

  describe('a batch', () => {
    it("sends the next batchSize ticks' executions as documents on the backfill lane, under one ledger page, writing none", async () => {
      await givenBackfill();

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DISPATCHED', waitSeconds: 0, iteration: 1, generation: 0, dispatched: 3 });
      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1), idOf(2)]);
      expect(deps.queue.sentIds('live')).toEqual([]);
      const pageId = ledgerPageId('bf1', tick(0));
      const first = sentDocument(0)!;
      expect(first.origin).toEqual({ backfillId: 'bf1', tickMs: tick(0), page: { id: pageId, slot: 0 } });
      expect(first.execution).toMatchObject({ id: idOf(0), namespace: 'dev', flowId: 'reports', state: { current: 'CREATED' } });
      expect(first.execution.labels).toContainEqual({ key: 'system.backfill', value: 'bf1' });
      expect(sentDocument(2)!.origin.page).toEqual({ id: pageId, slot: 2 });
      expect(await deps.executions.get(idOf(0))).toBeUndefined();
      expect(deps.ledger.all()).toEqual([
        { id: pageId, backfillId: 'bf1', ticks: [tick(0), tick(1), tick(2)], sentAt: deps.clock.now().toISOString(), ended: [], failed: [] },
      ]);
      expect((await backfillNow())!.openPages).toEqual([pageId]);
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

      const execution = sentDocument(1)!.execution;
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

  describe('NEWEST_FIRST', () => {
    const newest = (overrides: Partial<BackfillState> = {}) => givenBackfill({ order: 'NEWEST_FIRST', ...overrides });

    it('sends the latest ticks first, newest first within the batch, and moves the cursor back below them', async () => {
      await newest();

      const out = await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(9), idOf(8), idOf(7)]);
      const pageId = ledgerPageId('bf1', tick(9));
      expect(deps.ledger.all()).toEqual([expect.objectContaining({ id: pageId, ticks: [tick(9), tick(8), tick(7)] })]);
      expect(sentDocument(7)!.origin.page).toEqual({ id: pageId, slot: 2 });
      // Kestra's currentDate is the next tick to dispatch: going back, the one before the batch.
      expect(out).toMatchObject({ status: 'DISPATCHED', dispatched: 3, currentDate: '2026-02-01T06:00:00Z' });
      expect(await backfillNow()).toMatchObject({ cursorMs: tick(7) - 1, currentDate: '2026-02-01T06:00:00Z', dispatched: 3, openPages: [pageId] });
    });

    it('with maxConcurrency 1, runs one execution at a time, strictly from the newest tick to the oldest, then completes', async () => {
      await newest({ maxConcurrency: 1 });
      const run: number[] = [];

      for (let round = 0; round < 30; round++) {
        const out = await dispatchBatch(deps, aRunInput());
        if (out.status === 'DONE') break;
        // What a worker does: it runs what was sent, then marks its slot ended.
        const sent = deps.queue.sentIds('backfill');
        const fresh = sent.slice(run.length).map((id) => Array.from({ length: 10 }, (_, i) => i).find((i) => idOf(i) === id)!);
        expect(fresh.length, `round ${round}: one execution in flight at most`).toBeLessThanOrEqual(1);
        run.push(...fresh);
        if (fresh.length) await ended(fresh);
        deps.clock.advance(1000);
      }

      expect(run).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      const state = await deps.triggers.get(REF);
      expect(state!.backfill).toBeUndefined();
      expect(state!.lastBackfill).toMatchObject({ outcome: 'COMPLETED', order: 'NEWEST_FIRST', counts: { total: 10, dispatched: 10, succeeded: 10 } });
    });

    it("sends the last, oldest ticks once they fit, moves the cursor below the window's start, and waits for them", async () => {
      await newest({ cursorMs: tick(1), currentDate: '2026-02-01T01:00:00Z', dispatched: 8 });

      const out = await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(1), idOf(0)]);
      expect(out).toMatchObject({ status: 'DISPATCHED', dispatched: 10, currentDate: '2026-02-01T00:00:00Z' });
      expect(await backfillNow()).toMatchObject({ cursorMs: tick(0) - 1, currentDate: '2026-02-01T00:00:00Z' });
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('THROTTLED');
      await ended([1, 0]);
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('DONE');
    });

    it('skips, under reprocess, the covered ticks of a batch running backwards', async () => {
      await newest({ reprocess: 'MISSING' });
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'live-8', liveOwner: liveOwner(REF), tickMs: tick(8), state: 'SUCCESS' }));
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'live-6', liveOwner: liveOwner(REF), tickMs: tick(6), state: 'SUCCESS' }));

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(9), idOf(7)]);
      expect(await backfillNow()).toMatchObject({ dispatched: 3, skipped: 1 });
    });

    it('a re-run batch finds the page its first attempt wrote (named after its newest tick) and moves the cursor once', async () => {
      await newest();
      vi.spyOn(deps.triggers, 'advanceBackfill').mockRejectedValueOnce(new Error('crash'));
      await expect(dispatchBatch(deps, aRunInput())).rejects.toThrow('crash');

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(9), idOf(8), idOf(7), idOf(9), idOf(8), idOf(7)]);
      expect(deps.ledger.all()).toHaveLength(1);
      expect(await backfillNow()).toMatchObject({ cursorMs: tick(7) - 1, dispatched: 3, openPages: [ledgerPageId('bf1', tick(9))] });
    });

    it('sends held slots again newest page first, before any new batch', async () => {
      deps.settings = aSettings({ dispatch: { batchSize: 2, maxInFlight: 100 } });
      await newest();
      await dispatchBatch(deps, aRunInput());
      await dispatchBatch(deps, aRunInput());
      // Workers held every slot while the backfill was paused: pages [9, 8] and [7, 6].
      await deps.ledger.hold(ledgerPageId('bf1', tick(7)), [0, 1]);
      await deps.ledger.hold(ledgerPageId('bf1', tick(9)), [0, 1]);
      deps.queue.sent.backfill.length = 0;

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(9), idOf(8), idOf(7), idOf(6), idOf(5), idOf(4)]);
    });
  });

  describe('THROTTLED', () => {
    it('waits, sending nothing, while a batch does not fit under maxInFlight executions in flight', async () => {
      await givenBackfill();
      await dispatchBatch(deps, aRunInput());

      // 3 in flight of 5: the next batch of 3 does not fit.
      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'THROTTLED', waitSeconds: 7, dispatched: 3 });
      expect(deps.queue.sentIds('backfill')).toHaveLength(3);
      expect((await backfillNow())!.cursorMs).toBe(tick(2) + 1);
    });

    it('sends the next batch once enough executions ended for a whole one, rather than send a part of one', async () => {
      await givenBackfill();
      await dispatchBatch(deps, aRunInput());
      await ended([0]);
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('DISPATCHED');
      expect(deps.queue.sentIds('backfill').slice(3)).toEqual([idOf(3), idOf(4), idOf(5)]);

      // In flight now: ticks 1, 2 and 3, 4, 5. One more ended leaves room for 1 only.
      await ended([1]);
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('THROTTLED');
      await ended([2, 3]);
      await dispatchBatch(deps, aRunInput());
      expect(deps.queue.sentIds('backfill').slice(6)).toEqual([idOf(6), idOf(7), idOf(8)]);
    });

    it('sends the last ticks once they fit, though fewer than a batch', async () => {
      await givenBackfill({ cursorMs: tick(8), dispatched: 8 });

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

    it("keeps the backfill's own maxConcurrency in flight at most, and follows a change made while it runs", async () => {
      deps.settings = aSettings({ dispatch: { batchSize: 3, maxInFlight: 5 } });
      await givenBackfill({ maxConcurrency: 1 });

      expect((await dispatchBatch(deps, aRunInput())).status).toBe('DISPATCHED');
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('THROTTLED');
      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0)]);

      // Raised while tick 0 still runs: the next batch re-reads the backfill and fills the new room.
      await deps.triggers.setBackfillMaxConcurrency(REF, 'bf1', 4, deps.clock.now().toISOString());
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('DISPATCHED');
      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1), idOf(2), idOf(3)]);

      // Lowered below what is in flight: nothing more goes out until fewer than the new bound are.
      await deps.triggers.setBackfillMaxConcurrency(REF, 'bf1', 2, deps.clock.now().toISOString());
      await ended([0, 1]);
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('THROTTLED');
      await ended([2]);
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('DISPATCHED');
      expect(deps.queue.sentIds('backfill').slice(4)).toEqual([idOf(4)]);
    });

    it("never exceeds the service's maxInFlight, whatever the backfill's maxConcurrency says", async () => {
      deps.settings = aSettings({ dispatch: { batchSize: 10, maxInFlight: 2 } });
      await givenBackfill({ maxConcurrency: 8 });

      await dispatchBatch(deps, aRunInput());
      expect((await dispatchBatch(deps, aRunInput())).status).toBe('THROTTLED');

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1)]);
    });

    it('waits for the last executions once every tick is dispatched', async () => {
      await givenBackfill({ cursorMs: tick(8), dispatched: 8 });
      await dispatchBatch(deps, aRunInput());
      await ended([8]);

      const out = await dispatchBatch(deps, aRunInput());

      expect(out.status).toBe('THROTTLED');
      expect((await backfillNow())!.id).toBe('bf1');
    });
  });

  describe('the ledger', () => {
    it("folds a page whose executions all ended into the backfill's counters, and deletes it", async () => {
      deps.settings = aSettings({ dispatch: { batchSize: 3, maxInFlight: 100 } });
      await givenBackfill();
      await dispatchBatch(deps, aRunInput());
      await ended([0, 2]);
      await ended([1], 'FAILED');

      await dispatchBatch(deps, aRunInput());

      const second = ledgerPageId('bf1', tick(3));
      expect(await backfillNow()).toMatchObject({ openPages: [second], ended: 3, failed: 1, dispatched: 6 });
      expect(deps.ledger.all().map((p) => p.id)).toEqual([second]);
    });

    it('sends again, once the backfill runs again, the slots workers held while it was paused', async () => {
      deps.settings = aSettings({ dispatch: { batchSize: 3, maxInFlight: 100 } });
      await givenBackfill();
      await dispatchBatch(deps, aRunInput());
      const first = sentDocument(1)!;
      await deps.ledger.hold(first.origin.page!.id, [1, 2]);
      deps.queue.sent.backfill.length = 0;

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(1), idOf(2), idOf(3), idOf(4), idOf(5)]);
      expect(deps.queue.sent.backfill[0]).toEqual({ executionId: idOf(1), created: first });
      expect((await deps.ledger.read([first.origin.page!.id]))[0]?.held).toBeUndefined();
    });

    it('keeps a page open while one of its executions has not ended', async () => {
      deps.settings = aSettings({ dispatch: { batchSize: 3, maxInFlight: 100 } });
      await givenBackfill();
      await dispatchBatch(deps, aRunInput());
      await ended([0, 1]);

      await dispatchBatch(deps, aRunInput());

      expect(await backfillNow()).toMatchObject({ openPages: [ledgerPageId('bf1', tick(0)), ledgerPageId('bf1', tick(3))], ended: 0 });
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
    it('completes a drained backfill: every tick dispatched, every execution ended, and leaves its summary', async () => {
      await givenBackfill({ cursorMs: tick(8), dispatched: 8, currentDate: '2026-02-01T08:00:00Z' });
      await dispatchBatch(deps, aRunInput());
      await ended([8]);
      await ended([9], 'FAILED');

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DONE', dispatched: 10 });
      expect(deps.ledger.all()).toEqual([]);
      const state = await deps.triggers.get(REF);
      expect(state!.backfill).toBeUndefined();
      expect(state!.lastBackfill).toEqual({
        id: 'bf1',
        outcome: 'COMPLETED',
        endedDate: deps.clock.now().toISOString(),
        start: '2026-02-01T00:00:00Z',
        end: '2026-02-01T09:00:00Z',
        createdDate: aBackfill().createdDate,
        labels: [],
        reprocess: 'ALL',
        latestRevision: true,
        order: 'OLDEST_FIRST',
        counts: { total: 10, dispatched: 10, succeeded: 9, failed: 1, killed: 0, skipped: 0, unfinished: 0 },
        notify: { status: 'DELIVERED', attempts: 1, eventSent: true },
      });
    });

    it('reports DONE when an earlier attempt of this dispatch completed it first', async () => {
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

    it('abandons the backfill when its flow was removed, dropping its open ledger pages and counting their executions', async () => {
      await givenBackfill();
      await dispatchBatch(deps, aRunInput());
      await ended([0], 'FAILED');
      await deps.flows.delete('dev', 'reports');

      const out = await dispatchBatch(deps, aRunInput());

      expect(out.status).toBe('GONE');
      expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({
        id: 'bf1',
        outcome: 'ABANDONED',
        counts: { total: 10, dispatched: 3, succeeded: 0, failed: 1, killed: 0, skipped: 0, unfinished: 2 },
      });
      expect(deps.ledger.all()).toEqual([]);
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
      deps.settings = aSettings({ dispatch: { batchSize: 3, maxInFlight: 100 } });
    });

    it('finds the page the first attempt wrote, sends its executions again and moves the cursor once', async () => {
      await givenBackfill();
      vi.spyOn(deps.triggers, 'advanceBackfill').mockRejectedValueOnce(new Error('the task timed out before the cursor moved'));
      await expect(dispatchBatch(deps, aRunInput())).rejects.toThrow('timed out');
      const firstSend = structuredClone(deps.queue.sent.backfill);
      deps.clock.advance(60_000);

      const out = await dispatchBatch(deps, aRunInput());

      expect(out).toMatchObject({ status: 'DISPATCHED', dispatched: 3 });
      // The very same documents (created when the page was), so the worker writes each execution once.
      expect(deps.queue.sent.backfill.slice(3)).toEqual(firstSend);
      expect(deps.ledger.all()).toHaveLength(1);
      expect(await backfillNow()).toMatchObject({ cursorMs: tick(2) + 1, dispatched: 3, openPages: [ledgerPageId('bf1', tick(0))] });
    });

    it('sends again only the executions that have not ended', async () => {
      await givenBackfill();
      vi.spyOn(deps.triggers, 'advanceBackfill').mockRejectedValueOnce(new Error('crash'));
      await expect(dispatchBatch(deps, aRunInput())).rejects.toThrow('crash');
      await ended([0]);

      await dispatchBatch(deps, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1), idOf(2), idOf(1), idOf(2)]);
    });

    it('counts nothing twice when the cursor already moved for the batch', async () => {
      await givenBackfill();
      await dispatchBatch(deps, aRunInput());
      // A retried iteration that read the row before the first attempt moved the cursor.
      const stale = aBackfill();
      vi.spyOn(deps.triggers, 'getBackfill').mockResolvedValueOnce({ active: stale });

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

    it('never skips a tick the backfill itself already sent: a re-run batch keeps its page', async () => {
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
    it('is stored FAILED with a log line saying why, not queued, and its slot ended and failed', async () => {
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
      expect(deps.ledger.all()).toEqual([expect.objectContaining({ ended: [0, 1, 2], failed: [0, 1, 2] })]);
    });
  });
});
