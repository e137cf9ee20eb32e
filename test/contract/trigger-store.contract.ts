import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESERVATION_MS } from '../../lib/domain/backfill-windows';
import { BackfillAlreadyActiveError, TriggerNotFoundError } from '../../lib/domain/errors';
import type { TriggerRef } from '../../lib/domain/trigger-state';
import type { TriggerStore } from '../../lib/ports';
import { emptyTimeline } from '../../lib/domain/timeline';
import { aBackfill, aTriggerState } from '../support/factories';

/** A store under test and how to dispose of it. */
export interface TriggerStoreUnderTest {
  store: TriggerStore;
  /** The next `startBackfill` reserves its window and then fails before writing its backfill's row, as a creation whose process died there. */
  crashBeforeNextBackfillRow(): void;
  /** The ids of the backfills whose rows are stored for the trigger (active or ended; pruned and deleted ones gone), sorted. */
  storedBackfillIds(ref: TriggerRef): Promise<string[]>;
  close(): Promise<void>;
}

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const LATER = '2026-03-01T12:05:00.000Z';
const LIMITS = { maxActive: 10 };

/**
 * What every TriggerStore guarantees, asserted through the port only: its conditional writes are
 * what keeps concurrent dispatchers, workers, API calls and state machines from trampling each
 * other. Run against the in-memory fake and against DynamoTriggerStore on dynalite.
 */
export function describeTriggerStoreContract(name: string, makeStore: () => Promise<TriggerStoreUnderTest>): void {
  describe(`TriggerStore contract: ${name}`, () => {
    let subject: TriggerStoreUnderTest;
    let store: TriggerStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.close();
    });

    /** A trigger row with backfill `bf1` attached. */
    async function withBackfill(overrides: Parameters<typeof aBackfill>[0] = {}) {
      await store.createIfAbsent(aTriggerState());
      const backfill = aBackfill(overrides);
      await store.startBackfill(REF, backfill, LATER, LIMITS);
      return backfill;
    }

    describe('createIfAbsent', () => {
      it('writes a missing row and says it did', async () => {
        const written = await store.createIfAbsent(aTriggerState());

        expect(written).toBe(true);
        expect(await store.get(REF)).toEqual(aTriggerState());
      });

      it('keeps an existing row and says it did not write', async () => {
        await store.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T13:00:00Z' }));

        const written = await store.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T14:00:00Z', disabled: true }));

        expect(written).toBe(false);
        expect(await store.get(REF)).toMatchObject({ nextExecutionDate: '2026-03-01T13:00:00Z', disabled: false });
      });

      it('writes only the live schedule: a backfill or a date given with the row are not stored', async () => {
        await store.createIfAbsent(aTriggerState({ date: '2026-03-01T12:00:00Z', backfill: aBackfill() }));

        expect(await store.get(REF)).toEqual(aTriggerState());
      });

      it('stores a trigger without a next tick (disabled) with a null nextExecutionDate', async () => {
        await store.createIfAbsent(aTriggerState({ nextExecutionDate: null, disabled: true }));

        expect(await store.get(REF)).toMatchObject({ nextExecutionDate: null, disabled: true });
      });
    });

    describe('get', () => {
      it('returns undefined for a trigger without a row', async () => {
        expect(await store.get(REF)).toBeUndefined();
      });
    });

    describe('listByFlow', () => {
      it('lists the rows of one flow, by trigger id', async () => {
        await store.createIfAbsent(aTriggerState({ triggerId: 'nightly' }));
        await store.createIfAbsent(aTriggerState({ triggerId: 'hourly' }));
        await store.createIfAbsent(aTriggerState({ flowId: 'other' }));
        await store.createIfAbsent(aTriggerState({ namespace: 'prod' }));

        const rows = await store.listByFlow('dev', 'reports');

        expect(rows.map((r) => r.triggerId)).toEqual(['hourly', 'nightly']);
      });
    });

    describe('list', () => {
      it('lists every row', async () => {
        await store.createIfAbsent(aTriggerState());
        await store.createIfAbsent(aTriggerState({ namespace: 'prod', flowId: 'sales', triggerId: 'daily' }));

        const rows = await store.list();

        expect(rows.map((r) => `${r.namespace}.${r.flowId}.${r.triggerId}`).sort()).toEqual(['dev.reports.hourly', 'prod.sales.daily']);
      });
    });

    describe('listWithBackfill', () => {
      it('lists only the rows with a backfill', async () => {
        await withBackfill();
        await store.createIfAbsent(aTriggerState({ triggerId: 'nightly' }));

        const rows = await store.listWithBackfill();

        expect(rows.map((r) => [r.triggerId, r.backfill?.id])).toEqual([['hourly', 'bf1']]);
      });
    });

    describe('updateSchedule', () => {
      it('sets the live schedule fields and keeps the backfill', async () => {
        const backfill = await withBackfill();

        await store.updateSchedule(REF, { nextExecutionDate: '2026-03-02T00:00:00Z', disabled: true, updatedDate: LATER });

        expect(await store.get(REF)).toMatchObject({ nextExecutionDate: '2026-03-02T00:00:00Z', disabled: true, updatedDate: LATER, backfill });
      });

      it('clears the next tick when given null', async () => {
        await store.createIfAbsent(aTriggerState());

        await store.updateSchedule(REF, { nextExecutionDate: null, disabled: false, updatedDate: LATER });

        expect((await store.get(REF))!.nextExecutionDate).toBeNull();
      });

      it('throws TriggerNotFoundError without a row, creating none', async () => {
        await expect(store.updateSchedule(REF, { nextExecutionDate: null, disabled: true, updatedDate: LATER })).rejects.toBeInstanceOf(TriggerNotFoundError);

        expect(await store.get(REF)).toBeUndefined();
      });
    });

    describe('advanceSchedule', () => {
      it('moves the next tick on and records the tick run when still at the expected one', async () => {
        await store.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T13:00:00Z' }));

        const moved = await store.advanceSchedule(REF, '2026-03-01T13:00:00Z', '2026-03-01T14:00:00Z', '2026-03-01T13:00:00Z', LATER);

        expect(moved).toBe(true);
        expect(await store.get(REF)).toMatchObject({ nextExecutionDate: '2026-03-01T14:00:00Z', date: '2026-03-01T13:00:00Z', updatedDate: LATER });
      });

      it('keeps the date of the last tick run when given none', async () => {
        await store.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T13:00:00Z' }));
        await store.advanceSchedule(REF, '2026-03-01T13:00:00Z', '2026-03-01T14:00:00Z', '2026-03-01T13:00:00Z', LATER);

        await store.advanceSchedule(REF, '2026-03-01T14:00:00Z', '2026-03-01T16:00:00Z', undefined, LATER);

        expect(await store.get(REF)).toMatchObject({ nextExecutionDate: '2026-03-01T16:00:00Z', date: '2026-03-01T13:00:00Z' });
      });

      it('refuses when another caller moved it first', async () => {
        await store.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T13:00:00Z' }));
        await store.advanceSchedule(REF, '2026-03-01T13:00:00Z', '2026-03-01T14:00:00Z', undefined, LATER);

        const moved = await store.advanceSchedule(REF, '2026-03-01T13:00:00Z', '2026-03-01T15:00:00Z', undefined, LATER);

        expect(moved).toBe(false);
        expect((await store.get(REF))!.nextExecutionDate).toBe('2026-03-01T14:00:00Z');
      });

      it('removes the next tick when the schedule has none left', async () => {
        await store.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T13:00:00Z' }));

        const moved = await store.advanceSchedule(REF, '2026-03-01T13:00:00Z', null, undefined, LATER);

        expect(moved).toBe(true);
        expect((await store.get(REF))!.nextExecutionDate).toBeNull();
      });

      it('refuses on a row without a next tick or without a row', async () => {
        await store.createIfAbsent(aTriggerState({ nextExecutionDate: null }));

        expect(await store.advanceSchedule(REF, '2026-03-01T13:00:00Z', '2026-03-01T14:00:00Z', undefined, LATER)).toBe(false);
        expect(await store.advanceSchedule({ ...REF, triggerId: 'none' }, '2026-03-01T13:00:00Z', null, undefined, LATER)).toBe(false);
        expect(await store.get({ ...REF, triggerId: 'none' })).toBeUndefined();
      });
    });

    describe('delete', () => {
      it('removes the row', async () => {
        await store.createIfAbsent(aTriggerState());

        await store.delete(REF);

        expect(await store.get(REF)).toBeUndefined();
      });

      it('does nothing for a missing row', async () => {
        await expect(store.delete(REF)).resolves.toBeUndefined();
      });
    });

    describe('reset', () => {
      const fresh = { ...REF, nextExecutionDate: '2026-03-01T13:00:00.000Z', disabled: false, updatedDate: '2026-03-01T12:40:00.000Z', backfills: [] };

      it('replaces the row with the fresh state, forgetting its last run, last backfill and switch', async () => {
        await withBackfill({ id: 'bf1' });
        await store.finishBackfill(REF, 'bf1', 'COMPLETED', LATER);
        await store.advanceSchedule(REF, aTriggerState().nextExecutionDate!, '2026-03-01T14:00:00.000Z', '2026-03-01T12:00:00.000Z', LATER);
        await store.updateSchedule(REF, { nextExecutionDate: '2026-03-01T14:00:00.000Z', disabled: true, updatedDate: LATER });

        expect(await store.reset(fresh)).toBe(true);

        expect(await store.get(REF)).toEqual(fresh);
      });

      it('stores a fresh state without a next tick with a null nextExecutionDate', async () => {
        await store.createIfAbsent(aTriggerState());

        await store.reset({ ...fresh, nextExecutionDate: null, disabled: true });

        expect(await store.get(REF)).toEqual({ ...fresh, nextExecutionDate: null, disabled: true });
      });

      it('refuses while a backfill is active, keeping it', async () => {
        await withBackfill({ id: 'bf1' });

        expect(await store.reset(fresh)).toBe(false);

        expect((await store.get(REF))!.backfill!.id).toBe('bf1');
      });

      it('refuses without a row, creating none', async () => {
        expect(await store.reset(fresh)).toBe(false);

        expect(await store.get(REF)).toBeUndefined();
      });
    });

    describe('startBackfill', () => {
      it('attaches the backfill as given, keeping the live schedule', async () => {
        await store.createIfAbsent(aTriggerState());
        const backfill = aBackfill({ inputs: { day: '2026-02-01' }, labels: [{ key: 'why', value: 'replay' }], reprocess: 'MISSING', flowRevision: 4 });

        await store.startBackfill(REF, backfill, LATER, LIMITS);

        expect(await store.get(REF)).toEqual({ ...aTriggerState(), updatedDate: LATER, backfill, backfills: [backfill] });
      });

      it('keeps a backfill without a pinned flow revision (latestRevision) without one', async () => {
        await store.createIfAbsent(aTriggerState());

        await store.startBackfill(REF, aBackfill(), LATER, LIMITS);

        expect((await store.get(REF))!.backfill).not.toHaveProperty('flowRevision');
      });

      it("keeps a NEWEST_FIRST backfill's order, and its summary keeps it once it ended", async () => {
        await store.createIfAbsent(aTriggerState());
        const backfill = aBackfill({ order: 'NEWEST_FIRST' });

        await store.startBackfill(REF, backfill, LATER, LIMITS);
        expect((await store.get(REF))?.backfill).toEqual(backfill);
        await store.finishBackfill(REF, 'bf1', 'COMPLETED', LATER);

        expect((await store.get(REF))?.lastBackfill).toMatchObject({ id: 'bf1', order: 'NEWEST_FIRST' });
      });

      it('throws TriggerNotFoundError without a row, creating none', async () => {
        await expect(store.startBackfill(REF, aBackfill(), LATER, LIMITS)).rejects.toBeInstanceOf(TriggerNotFoundError);

        expect(await store.get(REF)).toBeUndefined();
      });

      it('keeps its failure policy with its fixed parts, and starts with nothing killed', async () => {
        await store.createIfAbsent(aTriggerState());
        const backfill = aBackfill({ failurePolicy: { maxFailures: 3, maxFailurePercent: 12.5, action: 'CANCEL' } });

        await store.startBackfill(REF, backfill, LATER, LIMITS);

        expect((await store.get(REF))!.backfill).toEqual(backfill);
        expect(backfill.killed).toBe(0);
      });

      it('throws BackfillAlreadyActiveError while one is active, keeping it', async () => {
        await withBackfill({ id: 'bf1' });

        await expect(store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS)).rejects.toBeInstanceOf(BackfillAlreadyActiveError);

        expect((await store.get(REF))!.backfill!.id).toBe('bf1');
      });

      it('starts again once the previous one finished, keeping lastBackfill', async () => {
        await withBackfill({ id: 'bf1' });
        await store.finishBackfill(REF, 'bf1', 'COMPLETED', LATER);

        await store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS);

        expect(await store.get(REF)).toMatchObject({ backfill: { id: 'bf2' }, lastBackfill: { id: 'bf1', outcome: 'COMPLETED' } });
      });
    });

    describe('a creation racing a delete of its trigger', () => {
      it('leaves no backfill behind, however the two interleave (a creation that lost says the trigger is not found)', async () => {
        for (let i = 0; i < 10; i++) {
          await store.createIfAbsent(aTriggerState());
          const [created] = await Promise.allSettled([store.startBackfill(REF, aBackfill({ id: `race-${i}` }), LATER, LIMITS), store.delete(REF)]);

          expect(await store.get(REF)).toBeUndefined();
          expect(await subject.storedBackfillIds(REF)).toEqual([]);
          if (created.status === 'rejected') expect(created.reason).toBeInstanceOf(TriggerNotFoundError);
        }
      });
    });

    describe('getBackfill', () => {
      it('reads one backfill by id: active while it runs, its summary once it ended, nothing for an id it never had', async () => {
        const backfill = await withBackfill();
        await store.startBackfill(REF, aBackfill({ id: 'bf2', start: '2026-02-02T00:00:00Z', end: '2026-02-02T09:00:00Z' }), LATER, LIMITS);

        expect(await store.getBackfill(REF, 'bf1')).toEqual({ active: backfill });
        expect(await store.getBackfill(REF, 'bf2')).toEqual({ active: (await store.get(REF))?.backfills[1] });
        expect(await store.getBackfill(REF, 'nope')).toBeUndefined();
        expect(await store.getBackfill({ ...REF, triggerId: 'other' }, 'bf1')).toBeUndefined();

        expect(await store.finishBackfill(REF, 'bf1', 'COMPLETED', '2026-03-01T12:30:00.000Z')).toBe(true);
        const ended = await store.getBackfill(REF, 'bf1');
        expect(ended).toEqual({ ended: (await store.get(REF))?.lastBackfill });
        expect(ended).toMatchObject({ ended: { id: 'bf1', outcome: 'COMPLETED' } });
        expect(await store.getBackfill(REF, 'bf2')).toMatchObject({ active: { id: 'bf2' } });
      });
    });

    describe('several backfills on one trigger', () => {
      /** Backfill `id` over the ten hourly ticks of 2026-02-0<day> (day 1 is aBackfill's window). */
      const onDay = (id: string, day: number, overrides: Parameters<typeof aBackfill>[0] = {}) =>
        aBackfill({ id, start: `2026-02-0${day}T00:00:00Z`, end: `2026-02-0${day}T09:00:00Z`, executionName: `reports-hourly-${id}-g0`, ...overrides });
      const at = (minutes: number) => new Date(Date.parse(LATER) + minutes * 60_000).toISOString();
      const refusal = (promise: Promise<unknown>) =>
        promise.then(
          () => undefined,
          (error: unknown) => error,
        );

      it('keeps two disjoint backfills side by side: get lists both earliest window first, `backfill` being the earliest', async () => {
        await store.createIfAbsent(aTriggerState());
        const late = onDay('bf-late', 2);
        const early = onDay('bf-early', 1);

        await store.startBackfill(REF, late, LATER, LIMITS);
        await store.startBackfill(REF, early, at(1), LIMITS);

        const state = await store.get(REF);
        expect(state?.backfills).toEqual([early, late]);
        expect(state?.backfill).toEqual(early);
        expect((await store.listWithBackfill()).map((s) => s.backfills.map((b) => b.id))).toEqual([['bf-early', 'bf-late']]);
        expect((await store.listByFlow('dev', 'reports')).map((s) => [s.triggerId, s.backfills.length])).toEqual([['hourly', 2]]);
        expect((await store.list()).map((s) => s.backfills.length)).toEqual([2]);
      });

      it('refuses a window overlapping an active one with BackfillAlreadyActiveError naming it, keeping it alone', async () => {
        await withBackfill({ id: 'bf1' });

        const error = await refusal(
          store.startBackfill(REF, aBackfill({ id: 'bf2', start: '2026-02-01T05:00:00Z', end: '2026-02-01T12:00:00Z' }), at(1), LIMITS),
        );

        expect(error).toBeInstanceOf(BackfillAlreadyActiveError);
        expect((error as Error).message).toMatch(/^Backfill bf1 is already active on trigger hourly of flow dev\.reports/);
        expect((await store.get(REF))!.backfills.map((b) => b.id)).toEqual(['bf1']);
        expect(await subject.storedBackfillIds(REF)).toEqual(['bf1']);
      });

      it('takes windows that touch as overlapping (both ends are inclusive), not one that starts a millisecond later', async () => {
        await withBackfill({ id: 'bf1' });

        const touching = aBackfill({ id: 'bf2', start: '2026-02-01T09:00:00.000Z', end: '2026-02-01T12:00:00Z' });
        await expect(store.startBackfill(REF, touching, at(1), LIMITS)).rejects.toBeInstanceOf(BackfillAlreadyActiveError);
        const before = aBackfill({ id: 'bf0', start: '2026-01-31T20:00:00Z', end: '2026-02-01T00:00:00.000Z' });
        await expect(store.startBackfill(REF, before, at(1), LIMITS)).rejects.toBeInstanceOf(BackfillAlreadyActiveError);

        await store.startBackfill(REF, aBackfill({ id: 'bf3', start: '2026-02-01T09:00:00.001Z', end: '2026-02-01T12:00:00Z' }), at(2), LIMITS);
        expect((await store.get(REF))!.backfills.map((b) => b.id)).toEqual(['bf1', 'bf3']);
      });

      it('refuses one more than maxActive, and takes it under a higher limit', async () => {
        await store.createIfAbsent(aTriggerState());
        await store.startBackfill(REF, onDay('a', 1), LATER, { maxActive: 2 });
        await store.startBackfill(REF, onDay('b', 2), LATER, { maxActive: 2 });

        const error = await refusal(store.startBackfill(REF, onDay('c', 3), LATER, { maxActive: 2 }));

        expect(error).toBeInstanceOf(BackfillAlreadyActiveError);
        expect((error as Error).message).toMatch(/already has 2 active backfills/);
        await store.startBackfill(REF, onDay('c', 3), LATER, { maxActive: 3 });
        expect((await store.get(REF))!.backfills.map((b) => b.id)).toEqual(['a', 'b', 'c']);
      });

      it('lets exactly one of two concurrent overlapping creations win', async () => {
        await store.createIfAbsent(aTriggerState());

        const outcomes = await Promise.allSettled([
          store.startBackfill(REF, aBackfill({ id: 'bf-x' }), LATER, LIMITS),
          store.startBackfill(REF, aBackfill({ id: 'bf-y', start: '2026-02-01T05:00:00Z', end: '2026-02-01T12:00:00Z' }), LATER, LIMITS),
        ]);

        expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
        const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(lost.reason).toBeInstanceOf(BackfillAlreadyActiveError);
        const won = outcomes[0]?.status === 'fulfilled' ? 'bf-x' : 'bf-y';
        expect((await store.get(REF))!.backfills.map((b) => b.id)).toEqual([won]);
        expect(await subject.storedBackfillIds(REF)).toEqual([won]);
      });

      it('lets two concurrent disjoint creations both win', async () => {
        await store.createIfAbsent(aTriggerState());

        await Promise.all([store.startBackfill(REF, onDay('a', 1), LATER, LIMITS), store.startBackfill(REF, onDay('b', 2), LATER, LIMITS)]);

        expect((await store.get(REF))!.backfills.map((b) => b.id)).toEqual(['a', 'b']);
      });

      it('a reservation left by a creation that never wrote its backfill blocks overlapping creations until RESERVATION_MS passed, then no longer', async () => {
        await store.createIfAbsent(aTriggerState());
        const t0 = Date.parse(LATER);
        subject.crashBeforeNextBackfillRow();
        await expect(store.startBackfill(REF, aBackfill({ id: 'bf-dead' }), LATER, LIMITS)).rejects.toThrow();
        expect((await store.get(REF))!.backfills).toEqual([]);

        const overlapping = aBackfill({ id: 'bf2', start: '2026-02-01T05:00:00Z', end: '2026-02-01T12:00:00Z' });
        const error = await refusal(store.startBackfill(REF, overlapping, new Date(t0 + RESERVATION_MS - 1).toISOString(), LIMITS));
        expect(error).toBeInstanceOf(BackfillAlreadyActiveError);
        expect((error as Error).message).toMatch(/^Backfill bf-dead is already active/);
        // A disjoint window is not held up by it.
        await store.startBackfill(REF, onDay('bf-other', 3), new Date(t0 + 1).toISOString(), LIMITS);

        await store.startBackfill(REF, overlapping, new Date(t0 + RESERVATION_MS).toISOString(), LIMITS);
        expect((await store.get(REF))!.backfills.map((b) => b.id)).toEqual(['bf2', 'bf-other']);
      });

      it('a retried startBackfill of the same backfill changes nothing', async () => {
        const backfill = await withBackfill({ id: 'bf1' });
        await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, { cursorMs: backfill.cursorMs + 1, currentDate: 'c1', dispatchedDelta: 2 });

        await store.startBackfill(REF, backfill, at(1), LIMITS);

        expect((await store.get(REF))!.backfills).toEqual([{ ...backfill, cursorMs: backfill.cursorMs + 1, currentDate: 'c1', dispatched: 2 }]);
      });

      it('writes addressed to one backfill never change another', async () => {
        await store.createIfAbsent(aTriggerState());
        const a = onDay('a', 1);
        await store.startBackfill(REF, a, LATER, LIMITS);
        await store.startBackfill(REF, onDay('b', 2, { maxConcurrency: 4, timeline: emptyTimeline(10) }), LATER, LIMITS);
        const b = (await store.get(REF))!.backfills[1];

        await store.setBackfillPaused(REF, 'a', true, at(1), { reason: { kind: 'FAILURE_POLICY', failed: 4, threshold: 3, at: at(1) } });
        await store.setBackfillPaused(REF, 'a', false, at(2), { rebaseFailures: true });
        await store.setFailureBaseline(REF, 'a', 3);
        await store.setBackfillMaxConcurrency(REF, 'a', 9, at(3));
        await store.storeTaskToken(REF, 'a', 'token-a');
        await store.setBackfillExecution(REF, 'a', 1, 'reports-hourly-a-g1');
        expect(await store.advanceBackfill(REF, 'a', a.cursorMs, { cursorMs: a.cursorMs + 1, currentDate: 'c1', dispatchedDelta: 3, openedPage: 'a|p1' })).toBe(
          true,
        );
        expect(await store.foldPages(REF, 'a', [{ pageId: 'a|p1', ended: 3, failed: 1, killed: 1 }])).toBe(true);
        await store.markBackfillCancelling(REF, 'a', { at: at(4), by: 'a test' }, at(4));
        expect((await store.get(REF))!.backfills).toEqual([expect.objectContaining({ id: 'a', dispatched: 3, ended: 3, maxConcurrency: 9 }), b]);

        expect(await store.finishBackfill(REF, 'a', 'CANCELLED', at(5))).toBe(true);

        expect((await store.get(REF))!.backfills).toEqual([b]);
        // Nor does a write naming it reach the other.
        expect(await store.advanceBackfill(REF, 'a', a.cursorMs + 1, { cursorMs: 0, currentDate: 'x', dispatchedDelta: 1 })).toBe(false);
        expect(await store.setBackfillPaused(REF, 'a', true, at(6))).toBeUndefined();
        expect((await store.get(REF))!.backfills).toEqual([b]);
      });

      it('finishing one leaves the other active; lastBackfill is the most recently ended', async () => {
        await store.createIfAbsent(aTriggerState());
        await store.startBackfill(REF, onDay('a', 1), LATER, LIMITS);
        await store.startBackfill(REF, onDay('b', 2), LATER, LIMITS);

        await store.finishBackfill(REF, 'b', 'COMPLETED', at(10));
        const first = await store.get(REF);
        await store.finishBackfill(REF, 'a', 'DELETED', at(20));
        const second = await store.get(REF);

        expect(first!.backfills.map((x) => x.id)).toEqual(['a']);
        expect(first!.lastBackfill).toMatchObject({ id: 'b', outcome: 'COMPLETED', endedDate: at(10) });
        expect(second!.backfills).toEqual([]);
        expect(second!.backfill).toBeUndefined();
        expect(second!.lastBackfill).toMatchObject({ id: 'a', outcome: 'DELETED', endedDate: at(20) });
        expect(second!.updatedDate).toBe(at(20));
      });

      it('two ended backfills each keep their own PENDING outbox, both listed and claimed apart', async () => {
        await store.createIfAbsent(aTriggerState());
        await store.startBackfill(REF, onDay('a', 1, { notify: { webhook: 'https://hooks.example.com/a' } }), LATER, LIMITS);
        await store.startBackfill(REF, onDay('b', 2), LATER, LIMITS);
        await store.finishBackfill(REF, 'a', 'COMPLETED', at(1));
        await store.finishBackfill(REF, 'b', 'COMPLETED', at(1));

        const pending = (await store.listPendingNotifications()).sort((x, y) => x.lastBackfill.id.localeCompare(y.lastBackfill.id));
        expect(pending.map((p) => [p.ref, p.lastBackfill.id, p.lastBackfill.notify?.webhook])).toEqual([
          [REF, 'a', 'https://hooks.example.com/a'],
          [REF, 'b', undefined],
        ]);

        const now = Date.parse(at(2));
        expect((await store.claimNotification(REF, 'a', now, now + 60_000))?.notify).toMatchObject({ attempts: 1 });
        expect((await store.claimNotification(REF, 'b', now, now + 60_000))?.notify).toMatchObject({ attempts: 1 });
        expect(await store.recordNotification(REF, 'a', { status: 'DELIVERED', eventSent: true })).toBe(true);
        expect((await store.listPendingNotifications()).map((p) => p.lastBackfill.id)).toEqual(['b']);
      });

      it('prunes ended backfills but the most recently ended one and those whose notification is PENDING', async () => {
        await store.createIfAbsent(aTriggerState());
        for (const [id, day] of [
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ] as const)
          await store.startBackfill(REF, onDay(id, day), LATER, LIMITS);

        await store.finishBackfill(REF, 'a', 'COMPLETED', at(1));
        await store.recordNotification(REF, 'a', { status: 'DELIVERED', eventSent: true });
        expect(await subject.storedBackfillIds(REF)).toEqual(['a', 'b', 'c']);

        await store.finishBackfill(REF, 'b', 'COMPLETED', at(2));
        expect(await subject.storedBackfillIds(REF)).toEqual(['b', 'c']);

        await store.finishBackfill(REF, 'c', 'COMPLETED', at(3));
        expect(await subject.storedBackfillIds(REF)).toEqual(['b', 'c']);
        expect((await store.get(REF))!.lastBackfill).toMatchObject({ id: 'c' });

        await store.recordNotification(REF, 'b', { status: 'FAILED', lastError: 'gone', eventSent: true });
        expect(await subject.storedBackfillIds(REF)).toEqual(['c']);
        expect((await store.get(REF))!.lastBackfill).toMatchObject({ id: 'c', notify: { status: 'PENDING' } });
      });

      it('delete removes the trigger with every backfill, active or ended: a trigger created again has none', async () => {
        await store.createIfAbsent(aTriggerState());
        await store.startBackfill(REF, onDay('a', 1), LATER, LIMITS);
        await store.startBackfill(REF, onDay('b', 2), LATER, LIMITS);
        await store.finishBackfill(REF, 'b', 'COMPLETED', at(1));

        await store.delete(REF);

        expect(await store.get(REF)).toBeUndefined();
        expect(await subject.storedBackfillIds(REF)).toEqual([]);
        expect(await store.listPendingNotifications()).toEqual([]);
        await store.createIfAbsent(aTriggerState());
        expect(await store.get(REF)).toEqual(aTriggerState());
      });

      it('reset refuses while any backfill is active, and forgets the ended ones once none is', async () => {
        await store.createIfAbsent(aTriggerState());
        await store.startBackfill(REF, onDay('a', 1), LATER, LIMITS);
        await store.startBackfill(REF, onDay('b', 2), LATER, LIMITS);
        await store.finishBackfill(REF, 'a', 'COMPLETED', at(1));
        const fresh = { ...REF, nextExecutionDate: '2026-03-01T13:00:00.000Z', disabled: false, updatedDate: at(5), backfills: [] };

        expect(await store.reset(fresh)).toBe(false);
        expect((await store.get(REF))!.backfills.map((b) => b.id)).toEqual(['b']);

        await store.finishBackfill(REF, 'b', 'DELETED', at(2));
        expect(await store.reset(fresh)).toBe(true);
        expect(await store.get(REF)).toEqual(fresh);
        expect(await subject.storedBackfillIds(REF)).toEqual([]);
        expect(await store.listPendingNotifications()).toEqual([]);
      });

      it('reset refuses while a creation has reserved its window', async () => {
        await store.createIfAbsent(aTriggerState());
        subject.crashBeforeNextBackfillRow();
        await expect(store.startBackfill(REF, aBackfill({ id: 'bf-dead' }), LATER, LIMITS)).rejects.toThrow();
        const fresh = { ...REF, nextExecutionDate: null, disabled: true, backfills: [] };

        expect(await store.reset({ ...fresh, updatedDate: at(0.5) })).toBe(false);
        expect(await store.reset({ ...fresh, updatedDate: new Date(Date.parse(LATER) + RESERVATION_MS).toISOString() })).toBe(true);
      });

      it("a backfill of a trigger whose id begins like another trigger's stays with its own trigger", async () => {
        await store.createIfAbsent(aTriggerState());
        await store.createIfAbsent(aTriggerState({ triggerId: 'hourly2' }));
        await store.startBackfill({ ...REF, triggerId: 'hourly2' }, aBackfill({ id: 'bf9' }), LATER, LIMITS);

        expect((await store.get(REF))!.backfills).toEqual([]);
        expect((await store.get({ ...REF, triggerId: 'hourly2' }))!.backfills.map((b) => b.id)).toEqual(['bf9']);
        await store.startBackfill(REF, aBackfill({ id: 'bf1' }), LATER, LIMITS);
        expect((await store.listByFlow('dev', 'reports')).map((s) => [s.triggerId, s.backfills.map((b) => b.id)])).toEqual([
          ['hourly', ['bf1']],
          ['hourly2', ['bf9']],
        ]);
      });
    });

    describe('finishBackfill', () => {
      it('removes the backfill, restoring the live schedule, and records how it ended', async () => {
        await withBackfill({ flowRevision: 3 });

        const finished = await store.finishBackfill(REF, 'bf1', 'DELETED', '2026-03-01T12:30:00.000Z');

        expect(finished).toBe(true);
        expect(await store.get(REF)).toEqual({
          ...aTriggerState(),
          updatedDate: '2026-03-01T12:30:00.000Z',
          lastBackfill: {
            id: 'bf1',
            outcome: 'DELETED',
            endedDate: '2026-03-01T12:30:00.000Z',
            start: '2026-02-01T00:00:00Z',
            end: '2026-02-01T09:00:00Z',
            createdDate: '2026-03-01T12:00:00.000Z',
            labels: [],
            reprocess: 'ALL',
            flowRevision: 3,
            latestRevision: false,
            order: 'OLDEST_FIRST',
            counts: { total: 10, dispatched: 0, succeeded: 0, failed: 0, killed: 0, skipped: 0, unfinished: 0 },
            notify: { status: 'PENDING', attempts: 0, eventSent: false },
          },
        });
      });

      it("leaves a summary counted from the row's folded counters and the open pages it was given, in the same write", async () => {
        await withBackfill({ labels: [{ key: 'team', value: 'data' }], reprocess: 'MISSING' });
        const start = Date.parse('2026-02-01T00:00:00Z');
        // Eight ticks dispatched (two skipped) over two pages; p1 ended (one failed) and was folded, p2 is open.
        await store.advanceBackfill(REF, 'bf1', start, { cursorMs: start + 1, currentDate: 'c1', dispatchedDelta: 4, skippedDelta: 2, openedPage: 'p1' });
        await store.advanceBackfill(REF, 'bf1', start + 1, { cursorMs: start + 2, currentDate: 'c2', dispatchedDelta: 4, openedPage: 'p2' });
        await store.foldPages(REF, 'bf1', [{ pageId: 'p1', ended: 2, failed: 1, killed: 0 }]);

        const finished = await store.finishBackfill(REF, 'bf1', 'DELETED', LATER, undefined, { pages: ['p2'], failed: 1, killed: 0, unfinished: 2 });

        expect(finished).toBe(true);
        expect((await store.get(REF))?.lastBackfill).toMatchObject({
          labels: [{ key: 'team', value: 'data' }],
          reprocess: 'MISSING',
          counts: { total: 10, dispatched: 8, succeeded: 2, failed: 2, killed: 0, skipped: 2, unfinished: 2 },
        });
      });

      it('refuses, keeping the backfill, when its open pages are not those the summary counted', async () => {
        await withBackfill();
        const start = Date.parse('2026-02-01T00:00:00Z');
        await store.advanceBackfill(REF, 'bf1', start, { cursorMs: start + 1, currentDate: 'c1', dispatchedDelta: 4, openedPage: 'p1' });
        await store.advanceBackfill(REF, 'bf1', start + 1, { cursorMs: start + 2, currentDate: 'c2', dispatchedDelta: 4, openedPage: 'p2' });

        const folded = await store.finishBackfill(REF, 'bf1', 'DELETED', LATER, undefined, { pages: ['p2'], failed: 0, killed: 0, unfinished: 4 });
        const none = await store.finishBackfill(REF, 'bf1', 'DELETED', LATER, undefined, { pages: [], failed: 0, killed: 0, unfinished: 0 });
        const exact = await store.finishBackfill(REF, 'bf1', 'DELETED', LATER, undefined, { pages: ['p2', 'p1'], failed: 0, killed: 0, unfinished: 8 });

        expect([folded, none, exact]).toEqual([false, false, true]);
        expect((await store.get(REF))?.lastBackfill?.counts).toEqual({
          total: 10,
          dispatched: 8,
          succeeded: 0,
          failed: 0,
          killed: 0,
          skipped: 0,
          unfinished: 8,
        });
      });

      it('records why a FAILED backfill ended, and forgets that reason when the next backfill ends otherwise', async () => {
        await withBackfill({ id: 'bf1' });
        await store.finishBackfill(REF, 'bf1', 'FAILED', '2026-03-01T12:30:00.000Z', 'dispatch kept failing: throttled');
        const failed = (await store.get(REF))?.lastBackfill;
        await store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS);

        await store.finishBackfill(REF, 'bf2', 'COMPLETED', '2026-03-01T14:00:00.000Z');

        expect(failed).toMatchObject({ id: 'bf1', outcome: 'FAILED', endedDate: '2026-03-01T12:30:00.000Z', reason: 'dispatch kept failing: throttled' });
        const completed = (await store.get(REF))?.lastBackfill;
        expect(completed).toMatchObject({ id: 'bf2', outcome: 'COMPLETED', endedDate: '2026-03-01T14:00:00.000Z' });
        expect(completed).not.toHaveProperty('reason');
      });

      it('keeps when the backfill ended through later writes to the row', async () => {
        await withBackfill();
        await store.finishBackfill(REF, 'bf1', 'COMPLETED', '2026-03-01T12:30:00.000Z');

        await store.updateSchedule(REF, { nextExecutionDate: null, disabled: true, updatedDate: '2026-03-02T08:00:00.000Z' });

        expect((await store.get(REF))?.lastBackfill).toMatchObject({
          id: 'bf1',
          outcome: 'COMPLETED',
          endedDate: '2026-03-01T12:30:00.000Z',
          start: '2026-02-01T00:00:00Z',
        });
      });

      it('refuses another backfill id, keeping the active one', async () => {
        await withBackfill({ id: 'bf1' });

        expect(await store.finishBackfill(REF, 'bf-old', 'COMPLETED', LATER)).toBe(false);

        expect((await store.get(REF))!.backfill!.id).toBe('bf1');
      });

      it('refuses when there is no backfill or no row', async () => {
        await store.createIfAbsent(aTriggerState());

        expect(await store.finishBackfill(REF, 'bf1', 'COMPLETED', LATER)).toBe(false);
        expect(await store.finishBackfill({ ...REF, triggerId: 'none' }, 'bf1', 'COMPLETED', LATER)).toBe(false);
      });

      it('drops the parked task token with the backfill', async () => {
        await withBackfill({ id: 'bf1' });
        await store.storeTaskToken(REF, 'bf1', 'token-1');
        await store.finishBackfill(REF, 'bf1', 'DELETED', LATER);
        await store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS);

        const unpaused = await store.setBackfillPaused(REF, 'bf2', false, LATER);

        expect(unpaused!.taskToken).toBeUndefined();
      });
    });

    describe("the final notification's outbox: claimNotification, recordNotification, listPendingNotifications", () => {
      const NOW = Date.parse('2026-03-01T12:10:00Z');
      const ended = async (webhook?: string) => {
        await withBackfill(webhook ? { notify: { webhook } } : {});
        await store.finishBackfill(REF, 'bf1', 'COMPLETED', LATER);
      };

      it('is opened PENDING by the ending write, with the webhook the backfill had, and listed pending', async () => {
        await ended('https://hooks.example.com/x?token=t');

        expect((await store.get(REF))?.lastBackfill?.notify).toEqual({
          webhook: 'https://hooks.example.com/x?token=t',
          status: 'PENDING',
          attempts: 0,
          eventSent: false,
        });
        expect((await store.listPendingNotifications()).map((pending) => pending.lastBackfill.id)).toEqual(['bf1']);
      });

      it('a claim counts the attempt and holds others off until its time, for that backfill only', async () => {
        await ended();

        expect((await store.claimNotification(REF, 'bf1', NOW, NOW + 60_000))?.notify).toMatchObject({
          attempts: 1,
          nextAttemptMs: NOW + 60_000,
        });
        expect(await store.claimNotification(REF, 'bf1', NOW + 59_999, NOW + 120_000)).toBeUndefined();
        expect(await store.claimNotification(REF, 'other', NOW + 60_000, NOW + 120_000)).toBeUndefined();
        expect((await store.claimNotification(REF, 'bf1', NOW + 60_000, NOW + 120_000))?.notify).toMatchObject({ attempts: 2 });
      });

      it('records a failed attempt PENDING with its error and next time, then DELIVERED once, clearing both', async () => {
        await ended();
        await store.claimNotification(REF, 'bf1', NOW, NOW + 60_000);

        expect(await store.recordNotification(REF, 'bf1', { status: 'PENDING', lastError: 'answered 503', eventSent: true, nextAttemptMs: NOW + 30_000 })).toBe(
          true,
        );
        expect((await store.get(REF))?.lastBackfill?.notify).toEqual({
          status: 'PENDING',
          attempts: 1,
          lastError: 'answered 503',
          nextAttemptMs: NOW + 30_000,
          eventSent: true,
        });
        expect(await store.recordNotification(REF, 'bf1', { status: 'DELIVERED', eventSent: true })).toBe(true);
        expect((await store.get(REF))?.lastBackfill?.notify).toEqual({ status: 'DELIVERED', attempts: 1, eventSent: true });
        expect(await store.listPendingNotifications()).toEqual([]);
        // Delivered: nothing more is claimed or recorded.
        expect(await store.recordNotification(REF, 'bf1', { status: 'FAILED', lastError: 'late', eventSent: true })).toBe(false);
        expect(await store.claimNotification(REF, 'bf1', NOW + 3_600_000, NOW + 3_660_000)).toBeUndefined();
      });

      it("the next backfill's ending opens its own, afresh", async () => {
        await ended();
        await store.claimNotification(REF, 'bf1', NOW, NOW + 60_000);
        await store.recordNotification(REF, 'bf1', { status: 'FAILED', lastError: 'gone', eventSent: true });
        await store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS);
        await store.finishBackfill(REF, 'bf2', 'DELETED', LATER);

        expect((await store.get(REF))?.lastBackfill).toMatchObject({ id: 'bf2', notify: { status: 'PENDING', attempts: 0, eventSent: false } });
        expect((await store.get(REF))?.lastBackfill?.notify).not.toHaveProperty('lastError');
      });
    });

    describe('advanceBackfill', () => {
      it('moves the cursor and adds to the dispatched and skipped counts when at the expected cursor', async () => {
        const backfill = await withBackfill({ dispatched: 2, skipped: 1 });

        const moved = await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, {
          cursorMs: backfill.cursorMs + 3_600_000,
          currentDate: '2026-02-01T01:00:00Z',
          dispatchedDelta: 3,
          skippedDelta: 2,
        });

        expect(moved).toBe(true);
        expect((await store.get(REF))!.backfill).toMatchObject({
          cursorMs: backfill.cursorMs + 3_600_000,
          currentDate: '2026-02-01T01:00:00Z',
          dispatched: 5,
          skipped: 3,
        });
      });

      it('adds no skipped ticks when the advance names none', async () => {
        const backfill = await withBackfill({ skipped: 1 });

        await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, { cursorMs: backfill.cursorMs + 1, currentDate: backfill.end, dispatchedDelta: 1 });

        expect((await store.get(REF))!.backfill).toMatchObject({ dispatched: 1, skipped: 1 });
      });

      it('refuses when the cursor moved meanwhile (a batch counted twice)', async () => {
        const backfill = await withBackfill();
        const advance = { cursorMs: backfill.cursorMs + 3_600_000, currentDate: '2026-02-01T01:00:00Z', dispatchedDelta: 1 };
        await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, advance);

        const again = await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, advance);

        expect(again).toBe(false);
        expect((await store.get(REF))!.backfill!.dispatched).toBe(1);
      });

      it('refuses for another backfill id', async () => {
        const backfill = await withBackfill();

        const moved = await store.advanceBackfill(REF, 'bf-other', backfill.cursorMs, { cursorMs: 1, currentDate: 'x', dispatchedDelta: 1 });

        expect(moved).toBe(false);
        expect((await store.get(REF))!.backfill).toEqual(backfill);
      });
    });

    describe('ledger pages: opened by advanceBackfill, folded by foldPages', () => {
      async function openTwo() {
        const backfill = await withBackfill();
        await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, { cursorMs: 10, currentDate: 'a', dispatchedDelta: 3, openedPage: 'bf1|p1' });
        await store.advanceBackfill(REF, 'bf1', 10, { cursorMs: 20, currentDate: 'b', dispatchedDelta: 3, openedPage: 'bf1|p2' });
        return backfill;
      }

      it('a new backfill has no open page and nothing ended', async () => {
        await withBackfill();
        expect((await store.get(REF))!.backfill).toMatchObject({ openPages: [], ended: 0, failed: 0 });
      });

      it('opens the page of each batch with the cursor move, and none when the advance names none', async () => {
        await openTwo();
        await store.advanceBackfill(REF, 'bf1', 20, { cursorMs: 30, currentDate: 'c', dispatchedDelta: 3, skippedDelta: 3 });
        expect((await store.get(REF))!.backfill).toMatchObject({ openPages: ['bf1|p1', 'bf1|p2'], dispatched: 9 });
      });

      it('folds ended pages into the counters and closes them, once', async () => {
        await openTwo();

        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 1, killed: 0 }])).toBe(true);
        expect((await store.get(REF))!.backfill).toMatchObject({ openPages: ['bf1|p2'], ended: 3, failed: 1 });

        // A repeated fold (a retried dispatch) counts nothing twice, nor do the pages folded with it.
        expect(
          await store.foldPages(REF, 'bf1', [
            { pageId: 'bf1|p2', ended: 3, failed: 0, killed: 0 },
            { pageId: 'bf1|p1', ended: 3, failed: 1, killed: 0 },
          ]),
        ).toBe(false);
        expect((await store.get(REF))!.backfill).toMatchObject({ openPages: ['bf1|p2'], ended: 3, failed: 1 });

        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p2', ended: 3, failed: 0, killed: 0 }])).toBe(true);
        expect((await store.get(REF))!.backfill).toMatchObject({ openPages: [], ended: 6, failed: 1 });
      });

      it('folds the killed executions apart, within the failed ones', async () => {
        await openTwo();
        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 2, killed: 1 }])).toBe(true);
        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p2', ended: 3, failed: 1, killed: 1 }])).toBe(true);
        expect((await store.get(REF))!.backfill).toMatchObject({ ended: 6, failed: 3, killed: 2 });
      });

      it('refuses a fold for another backfill id', async () => {
        await openTwo();
        expect(await store.foldPages(REF, 'bf-other', [{ pageId: 'bf1|p1', ended: 3, failed: 0, killed: 0 }])).toBe(false);
        expect((await store.get(REF))!.backfill).toMatchObject({ openPages: ['bf1|p1', 'bf1|p2'], ended: 0 });
      });

      it('a finished backfill leaves no pages or counters behind for the next one', async () => {
        await openTwo();
        await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 2, killed: 0 }]);
        await store.finishBackfill(REF, 'bf1', 'DELETED', LATER);
        await store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS);
        expect((await store.get(REF))!.backfill).toMatchObject({ id: 'bf2', openPages: [], ended: 0, failed: 0 });
      });
    });

    describe('rate samples: set within advanceBackfill and foldPages, dropped on unpause', () => {
      const T = Date.parse('2026-03-01T12:00:00Z');
      const samples = (...pairs: [number, number][]) => pairs.map(([seconds, ended]) => ({ atMs: T + seconds * 1000, ended }));

      it('a backfill starts with the samples it is given, and keeps them through writes that name none', async () => {
        const backfill = await withBackfill({ rateSamples: samples([0, 0]) });
        await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, { cursorMs: 10, currentDate: 'a', dispatchedDelta: 3, openedPage: 'bf1|p1' });
        await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 0, killed: 0 }]);

        expect((await store.get(REF))!.backfill!.rateSamples).toEqual(samples([0, 0]));
      });

      it('replaces them in the cursor move and in the fold that carry new ones, times in whole seconds', async () => {
        const backfill = await withBackfill({ rateSamples: samples([0, 0]) });
        await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, {
          cursorMs: 10,
          currentDate: 'a',
          dispatchedDelta: 3,
          openedPage: 'bf1|p1',
          rateSamples: samples([0, 0], [61, 2]),
        });
        expect((await store.get(REF))!.backfill!.rateSamples).toEqual(samples([0, 0], [61, 2]));

        expect(
          await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 0, killed: 0 }], { rateSamples: [{ atMs: T + 125_400, ended: 3 }] }),
        ).toBe(true);
        expect((await store.get(REF))!.backfill!.rateSamples).toEqual(samples([125, 3]));
      });

      it('a refused cursor move or fold writes no samples', async () => {
        await withBackfill({ rateSamples: samples([0, 0]) });
        expect(await store.advanceBackfill(REF, 'bf1', -1, { cursorMs: 10, currentDate: 'a', dispatchedDelta: 3, rateSamples: samples([60, 5]) })).toBe(false);
        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|none', ended: 3, failed: 0, killed: 0 }], { rateSamples: samples([60, 5]) })).toBe(false);

        expect((await store.get(REF))!.backfill!.rateSamples).toEqual(samples([0, 0]));
      });

      it('pausing keeps them; unpausing drops them, in the same write', async () => {
        await withBackfill({ rateSamples: samples([0, 0], [60, 4]) });

        expect((await store.setBackfillPaused(REF, 'bf1', true, LATER))!.backfill.rateSamples).toEqual(samples([0, 0], [60, 4]));
        expect((await store.setBackfillPaused(REF, 'bf1', false, LATER))!.backfill.rateSamples).toEqual([]);
        expect((await store.get(REF))!.backfill!.rateSamples).toEqual([]);
      });

      it('the next backfill starts with its own', async () => {
        await withBackfill({ rateSamples: samples([0, 0], [60, 4]) });
        await store.finishBackfill(REF, 'bf1', 'COMPLETED', LATER);
        await store.startBackfill(REF, aBackfill({ id: 'bf2', rateSamples: samples([600, 0]) }), LATER, LIMITS);

        expect((await store.get(REF))!.backfill!.rateSamples).toEqual(samples([600, 0]));
      });
    });

    describe("a backfill's timeline: per-cell counts moved by foldPages", () => {
      async function openTwo(timeline = emptyTimeline(200)) {
        const backfill = await withBackfill({ totalTicks: 1000, timeline });
        await store.advanceBackfill(REF, 'bf1', backfill.cursorMs, { cursorMs: 10, currentDate: 'a', dispatchedDelta: 3, openedPage: 'bf1|p1' });
        await store.advanceBackfill(REF, 'bf1', 10, { cursorMs: 20, currentDate: 'b', dispatchedDelta: 3, openedPage: 'bf1|p2' });
        return backfill;
      }

      it('starts with every cell empty, and a row without one reads without one', async () => {
        await openTwo();
        expect((await store.get(REF))!.backfill?.timeline).toEqual(emptyTimeline(200));

        await store.finishBackfill(REF, 'bf1', 'DELETED', LATER);
        await store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS);
        expect((await store.get(REF))!.backfill).not.toHaveProperty('timeline');
      });

      it("adds a fold's counts to its cells in the same write, once", async () => {
        await openTwo();
        const cells = [
          { cell: 0, ended: 2, failed: 1 },
          { cell: 199, ended: 1, failed: 0 },
        ];

        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 1, killed: 0 }], { timeline: { cells } })).toBe(true);
        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 1, killed: 0 }], { timeline: { cells } })).toBe(false);
        expect(
          await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p2', ended: 3, failed: 3, killed: 0 }], {
            timeline: { cells: [{ cell: 0, ended: 3, failed: 3 }] },
          }),
        ).toBe(true);

        const timeline = (await store.get(REF))!.backfill?.timeline;
        expect(timeline?.[0]).toEqual({ ended: 5, failed: 4 });
        expect(timeline?.[199]).toEqual({ ended: 1, failed: 0 });
        expect(timeline?.slice(1, 199).every((cell) => cell.ended === 0 && cell.failed === 0)).toBe(true);
        expect((await store.get(REF))!.backfill).toMatchObject({ openPages: [], ended: 6, failed: 4 });
      });

      it('takes a hundred cells in one fold', async () => {
        await openTwo();
        const cells = Array.from({ length: 100 }, (_, i) => ({ cell: 2 * i, ended: 1 + (i % 7), failed: i % 2 }));

        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 0, killed: 0 }], { timeline: { cells } })).toBe(true);

        const timeline = (await store.get(REF))!.backfill?.timeline;
        expect(cells.every(({ cell, ended, failed }) => timeline?.[cell]?.ended === ended && timeline?.[cell]?.failed === failed)).toBe(true);
      });

      it('drops the cells with a fold that asks to, keeping the counters', async () => {
        await openTwo();

        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p1', ended: 3, failed: 1, killed: 0 }], { timeline: { drop: true } })).toBe(true);

        expect((await store.get(REF))!.backfill).toMatchObject({ openPages: ['bf1|p2'], ended: 3, failed: 1 });
        expect((await store.get(REF))!.backfill).not.toHaveProperty('timeline');
        // A fold that still counts per cell (read before the drop) is refused, not half applied.
        expect(
          await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p2', ended: 3, failed: 0, killed: 0 }], {
            timeline: { cells: [{ cell: 0, ended: 3, failed: 0 }] },
          }),
        ).toBe(false);
        expect(await store.foldPages(REF, 'bf1', [{ pageId: 'bf1|p2', ended: 3, failed: 0, killed: 0 }])).toBe(true);
      });

      it('holds the cells of a finished seed-sized backfill exactly (235 ticks each)', async () => {
        const full = Array.from({ length: 200 }, () => ({ ended: 235, failed: 0 }));
        await openTwo(full);
        expect((await store.get(REF))!.backfill?.timeline).toEqual(full);
      });
    });

    describe('storeTaskToken', () => {
      it('stores the token with the backfill and returns the row as it is now', async () => {
        await withBackfill({ paused: true });

        const backfill = await store.storeTaskToken(REF, 'bf1', 'token-1');

        expect(backfill).toMatchObject({ id: 'bf1', paused: true });
      });

      it('returns undefined when the backfill is gone or replaced', async () => {
        await withBackfill({ id: 'bf2' });

        expect(await store.storeTaskToken(REF, 'bf1', 'token-1')).toBeUndefined();
        expect(await store.storeTaskToken({ ...REF, triggerId: 'none' }, 'bf1', 'token-1')).toBeUndefined();
      });
    });

    describe('setBackfillPaused', () => {
      it('pauses the backfill without handing out its token', async () => {
        await withBackfill();
        await store.storeTaskToken(REF, 'bf1', 'token-1');

        const result = await store.setBackfillPaused(REF, 'bf1', true, '2026-03-01T12:30:00.000Z');

        expect(result!.taskToken).toBeUndefined();
        expect(result!.backfill).toMatchObject({ id: 'bf1', paused: true });
        expect((await store.get(REF))!.updatedDate).toBe('2026-03-01T12:30:00.000Z');
        expect((await store.get(REF))!.backfill!.paused).toBe(true);
      });

      it('unpausing hands the parked token out exactly once', async () => {
        await withBackfill({ paused: true });
        await store.storeTaskToken(REF, 'bf1', 'token-1');

        const first = await store.setBackfillPaused(REF, 'bf1', false, LATER);
        const second = await store.setBackfillPaused(REF, 'bf1', false, LATER);

        expect(first!.taskToken).toBe('token-1');
        expect(first!.backfill.paused).toBe(false);
        expect(second!.taskToken).toBeUndefined();
      });

      it('returns undefined, writing nothing, when the trigger has no backfill or no row', async () => {
        await store.createIfAbsent(aTriggerState());

        expect(await store.setBackfillPaused(REF, 'bf1', true, LATER)).toBeUndefined();
        expect(await store.setBackfillPaused({ ...REF, triggerId: 'none' }, 'bf1', true, LATER)).toBeUndefined();
        expect(await store.get(REF)).toEqual(aTriggerState());
        expect(await store.get({ ...REF, triggerId: 'none' })).toBeUndefined();
      });
    });

    describe('setBackfillPaused: the failure policy', () => {
      const TRIP = { kind: 'FAILURE_POLICY' as const, failed: 4, threshold: 3, at: '2026-03-01T12:20:00.000Z' };

      it('pauses saying why, only the backfill named; unpausing clears the reason and, when asked, marks its failures to count anew', async () => {
        await withBackfill();

        expect(await store.setBackfillPaused(REF, 'bf-other', true, LATER, { reason: TRIP })).toBeUndefined();
        expect((await store.get(REF))!.backfill).toMatchObject({ paused: false });
        expect((await store.get(REF))!.backfill!.pausedReason).toBeUndefined();

        const paused = await store.setBackfillPaused(REF, 'bf1', true, LATER, { reason: TRIP });
        expect(paused!.backfill).toMatchObject({ paused: true, pausedReason: TRIP });
        expect((await store.get(REF))!.backfill).toMatchObject({ paused: true, pausedReason: TRIP });

        const resumed = await store.setBackfillPaused(REF, 'bf1', false, LATER, { rebaseFailures: true });
        expect(resumed!.backfill).toMatchObject({ paused: false, rebaseFailures: true });
        expect(resumed!.backfill.pausedReason).toBeUndefined();
        const stored = (await store.get(REF))!.backfill!;
        expect(stored).toMatchObject({ paused: false, rebaseFailures: true });
        expect(stored.pausedReason).toBeUndefined();
      });

      it('a pause without a reason keeps none, and an unpause without rebase marks nothing', async () => {
        await withBackfill();
        await store.setBackfillPaused(REF, 'bf1', true, LATER);
        await store.setBackfillPaused(REF, 'bf1', false, LATER);
        const stored = (await store.get(REF))!.backfill!;
        expect(stored.pausedReason).toBeUndefined();
        expect(stored.rebaseFailures).toBeUndefined();
      });

      it('setFailureBaseline records the baseline and clears the rebase, for the backfill named only', async () => {
        await withBackfill();
        await store.setBackfillPaused(REF, 'bf1', false, LATER, { rebaseFailures: true });

        expect(await store.setFailureBaseline(REF, 'bf-other', 7)).toBe(false);
        expect(await store.setFailureBaseline(REF, 'bf1', 7)).toBe(true);

        const stored = (await store.get(REF))!.backfill!;
        expect(stored.failureBaseline).toBe(7);
        expect(stored.rebaseFailures).toBeUndefined();
      });
    });

    describe('markBackfillCancelling', () => {
      const CANCEL = { at: '2026-03-01T12:20:00.000Z', by: 'backfill bf1 cancelled, asked by a test' };

      it('records the cancel, hands the parked token out once, and keeps the first cancel when asked again', async () => {
        await withBackfill({ paused: true });
        await store.storeTaskToken(REF, 'bf1', 'token-1');

        const first = await store.markBackfillCancelling(REF, 'bf1', CANCEL, LATER);
        const second = await store.markBackfillCancelling(REF, 'bf1', { at: '2026-03-01T12:25:00.000Z', by: 'again' }, LATER);

        expect(first).toMatchObject({ taskToken: 'token-1', backfill: { id: 'bf1', cancelling: CANCEL, paused: true } });
        expect(second!.taskToken).toBeUndefined();
        expect(second!.backfill.cancelling).toEqual(CANCEL);
        expect((await store.get(REF))!.backfill!.cancelling).toEqual(CANCEL);
      });

      it('keeps a failure policy reason with the cancel', async () => {
        await withBackfill();
        const reason = { kind: 'FAILURE_POLICY' as const, failed: 2, threshold: 1, at: CANCEL.at };
        await store.markBackfillCancelling(REF, 'bf1', { ...CANCEL, reason }, LATER);
        expect((await store.get(REF))!.backfill!.cancelling).toEqual({ ...CANCEL, reason });
      });

      it('returns undefined, writing nothing, for another backfill id or without one', async () => {
        await withBackfill();
        expect(await store.markBackfillCancelling(REF, 'bf-other', CANCEL, LATER)).toBeUndefined();
        expect(await store.markBackfillCancelling({ ...REF, triggerId: 'none' }, 'bf1', CANCEL, LATER)).toBeUndefined();
        expect((await store.get(REF))!.backfill!.cancelling).toBeUndefined();
      });

      it('freezes the cursor: advanceBackfill refuses once a cancel is recorded', async () => {
        await withBackfill();
        const start = Date.parse('2026-02-01T00:00:00Z');
        await store.markBackfillCancelling(REF, 'bf1', CANCEL, LATER);

        expect(await store.advanceBackfill(REF, 'bf1', start, { cursorMs: start + 1, currentDate: 'c1', dispatchedDelta: 3, openedPage: 'p1' })).toBe(false);
        expect((await store.get(REF))!.backfill).toMatchObject({ cursorMs: start, dispatched: 0, openPages: [] });
      });

      it('ends CANCELLED only with a cancel recorded, keeping its failure policy reason and the killed counts apart', async () => {
        await withBackfill();
        const start = Date.parse('2026-02-01T00:00:00Z');
        await store.advanceBackfill(REF, 'bf1', start, { cursorMs: start + 1, currentDate: 'c1', dispatchedDelta: 4, openedPage: 'p1' });
        await store.advanceBackfill(REF, 'bf1', start + 1, { cursorMs: start + 2, currentDate: 'c2', dispatchedDelta: 4, openedPage: 'p2' });
        // p1: 4 ended, 3 without success, 2 of them killed; p2 open: 2 failed, 1 of them killed, 1 still stopping.
        await store.foldPages(REF, 'bf1', [{ pageId: 'p1', ended: 4, failed: 3, killed: 2 }]);
        const open = { pages: ['p2'], failed: 2, killed: 1, unfinished: 1 };
        expect(await store.finishBackfill(REF, 'bf1', 'CANCELLED', LATER, undefined, open)).toBe(false);

        const reason = { kind: 'FAILURE_POLICY' as const, failed: 2, threshold: 1, at: CANCEL.at };
        await store.markBackfillCancelling(REF, 'bf1', { ...CANCEL, reason }, LATER);
        expect(await store.finishBackfill(REF, 'bf1', 'CANCELLED', LATER, undefined, open)).toBe(true);

        const state = await store.get(REF);
        expect(state!.backfill).toBeUndefined();
        expect(state!.lastBackfill).toMatchObject({
          id: 'bf1',
          outcome: 'CANCELLED',
          cancelledReason: reason,
          counts: { total: 10, dispatched: 8, succeeded: 2, failed: 2, killed: 3, skipped: 0, unfinished: 1 },
        });
      });

      it('forgets the cancel with the backfill: the next one starts without it and ends without a cancelled reason', async () => {
        await withBackfill();
        await store.markBackfillCancelling(REF, 'bf1', { ...CANCEL, reason: { kind: 'FAILURE_POLICY', failed: 2, threshold: 1, at: CANCEL.at } }, LATER);
        await store.finishBackfill(REF, 'bf1', 'CANCELLED', LATER);
        await store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS);
        expect((await store.get(REF))!.backfill!.cancelling).toBeUndefined();

        await store.finishBackfill(REF, 'bf2', 'COMPLETED', LATER);
        expect((await store.get(REF))!.lastBackfill).toMatchObject({ id: 'bf2', outcome: 'COMPLETED' });
        expect((await store.get(REF))!.lastBackfill!.cancelledReason).toBeUndefined();
      });
    });

    describe('setBackfillMaxConcurrency', () => {
      it('keeps the bound a backfill starts with, and sets a new one while it runs', async () => {
        await withBackfill({ maxConcurrency: 2 });
        expect((await store.get(REF))!.backfill!.maxConcurrency).toBe(2);

        const changed = await store.setBackfillMaxConcurrency(REF, 'bf1', 6, LATER);

        expect(changed).toMatchObject({ id: 'bf1', maxConcurrency: 6 });
        expect((await store.get(REF))!.backfill!.maxConcurrency).toBe(6);
      });

      it('does not carry the bound over to the next backfill', async () => {
        await withBackfill({ maxConcurrency: 2 });
        await store.finishBackfill(REF, 'bf1', 'DELETED', LATER);
        await store.startBackfill(REF, aBackfill({ id: 'bf2' }), LATER, LIMITS);

        expect((await store.get(REF))!.backfill).not.toHaveProperty('maxConcurrency');
      });

      it('returns undefined, writing nothing, when the trigger has no backfill or no row', async () => {
        await store.createIfAbsent(aTriggerState());

        expect(await store.setBackfillMaxConcurrency(REF, 'bf1', 3, LATER)).toBeUndefined();
        expect(await store.setBackfillMaxConcurrency({ ...REF, triggerId: 'none' }, 'bf1', 3, LATER)).toBeUndefined();
        expect(await store.get(REF)).toEqual(aTriggerState());
        expect(await store.get({ ...REF, triggerId: 'none' })).toBeUndefined();
      });
    });

    describe('setBackfillExecution', () => {
      it('records a later generation and its execution name', async () => {
        await withBackfill({ generation: 0 });

        const recorded = await store.setBackfillExecution(REF, 'bf1', 1, 'reports-hourly-bf1-g1');

        expect(recorded).toBe(true);
        expect((await store.get(REF))!.backfill).toMatchObject({ generation: 1, executionName: 'reports-hourly-bf1-g1' });
      });

      it('refuses a generation that is not later (a repeated hand-over)', async () => {
        await withBackfill({ generation: 1, executionName: 'reports-hourly-bf1-g1' });

        expect(await store.setBackfillExecution(REF, 'bf1', 1, 'again')).toBe(false);
        expect(await store.setBackfillExecution(REF, 'bf1', 0, 'older')).toBe(false);

        expect((await store.get(REF))!.backfill!.executionName).toBe('reports-hourly-bf1-g1');
      });

      it('refuses for another backfill id', async () => {
        await withBackfill();

        expect(await store.setBackfillExecution(REF, 'bf-other', 1, 'x')).toBe(false);
      });
    });
  });
}
