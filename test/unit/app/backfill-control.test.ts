import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyToTriggers, deleteBackfill, pauseBackfill, selectTriggers, unpauseBackfill, updateBackfill } from '../../../lib/app/backfill-control';
import { FlowNotFoundError, NoBackfillError, TriggerNotFoundError } from '../../../lib/domain/errors';
import { ValidationError } from '../../../lib/domain/flow/errors';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aSettings, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };

describe('backfill-control', () => {
  let deps: InMemoryDependencies;
  let now: string;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    now = deps.clock.now().toISOString();
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  const givenBackfill = (overrides: Parameters<typeof aBackfill>[0] = {}) => deps.triggers.startBackfill(REF, aBackfill(overrides), now);

  describe('pauseBackfill', () => {
    it('sets the pause flag and returns the row', async () => {
      await givenBackfill();
      deps.clock.advance(60_000);

      const state = await pauseBackfill(deps, REF);

      expect(state).toMatchObject({ updatedDate: deps.clock.now().toISOString(), backfill: { id: 'bf1', paused: true } });
      expect((await deps.triggers.get(REF))!.backfill!.paused).toBe(true);
    });

    it('throws NoBackfillError when the trigger has no backfill', async () => {
      await expect(pauseBackfill(deps, REF)).rejects.toThrow(new NoBackfillError());
    });

    it("throws the lookup's not-found errors first", async () => {
      await expect(pauseBackfill(deps, { ...REF, flowId: 'nope' })).rejects.toBeInstanceOf(FlowNotFoundError);
    });
  });

  describe('updateBackfill', () => {
    it('stores the new maxConcurrency on the running backfill and returns the row', async () => {
      await givenBackfill({ maxConcurrency: 2 });
      deps.clock.advance(60_000);

      const state = await updateBackfill(deps, REF, 6);

      expect(state).toMatchObject({ updatedDate: deps.clock.now().toISOString(), backfill: { id: 'bf1', maxConcurrency: 6 } });
      expect((await deps.triggers.get(REF))!.backfill!.maxConcurrency).toBe(6);
    });

    it("refuses a value above the service's limit, naming the field and the limit, changing nothing", async () => {
      deps.settings = aSettings({ dispatch: { maxInFlight: 10 } });
      await givenBackfill({ maxConcurrency: 2 });

      const refused = updateBackfill(deps, REF, 11);

      await expect(refused).rejects.toBeInstanceOf(ValidationError);
      await expect(refused).rejects.toMatchObject({ path: 'backfill.maxConcurrency', message: expect.stringContaining('from 1 to 10') });
      expect((await deps.triggers.get(REF))!.backfill!.maxConcurrency).toBe(2);
    });

    it("throws NoBackfillError when the trigger has no backfill, and the lookup's not-found errors first", async () => {
      await expect(updateBackfill(deps, REF, 3)).rejects.toThrow(new NoBackfillError());
      await expect(updateBackfill(deps, { ...REF, flowId: 'nope' }, 3)).rejects.toBeInstanceOf(FlowNotFoundError);
    });
  });

  describe('unpauseBackfill', () => {
    it('clears the flag and hands the parked token back to the state machine', async () => {
      await givenBackfill({ paused: true });
      await deps.triggers.storeTaskToken(REF, 'bf1', 'token-1');

      const state = await unpauseBackfill(deps, REF);

      expect(state.backfill!.paused).toBe(false);
      expect(deps.workflows.resumed).toEqual([{ taskToken: 'token-1', output: { resumedBy: 'unpause' } }]);
    });

    it('resumes nothing when the state machine has not parked yet', async () => {
      await givenBackfill({ paused: true });

      const state = await unpauseBackfill(deps, REF);

      expect(state.backfill!.paused).toBe(false);
      expect(deps.workflows.resumed).toEqual([]);
    });

    it('hands a token back once, however many times it is called', async () => {
      await givenBackfill({ paused: true });
      await deps.triggers.storeTaskToken(REF, 'bf1', 'token-1');

      await unpauseBackfill(deps, REF);
      await unpauseBackfill(deps, REF);

      expect(deps.workflows.resumed).toHaveLength(1);
    });

    it('throws NoBackfillError when the trigger has no backfill', async () => {
      await expect(unpauseBackfill(deps, REF)).rejects.toBeInstanceOf(NoBackfillError);
    });
  });

  describe('deleteBackfill', () => {
    it('removes the backfill, restoring the live schedule, and stops its state machine', async () => {
      await givenBackfill({ executionName: 'reports-hourly-bf1-g3' });
      deps.clock.advance(60_000);

      const state = await deleteBackfill(deps, REF);

      // The answer is the trigger read again: without the backfill, and with its summary.
      expect(state).toEqual(await deps.triggers.get(REF));
      expect(state).toEqual({
        ...aTriggerState(),
        updatedDate: deps.clock.now().toISOString(),
        lastBackfill: {
          id: 'bf1',
          outcome: 'DELETED',
          endedDate: deps.clock.now().toISOString(),
          start: '2026-02-01T00:00:00Z',
          end: '2026-02-01T09:00:00Z',
          createdDate: aBackfill().createdDate,
          labels: [],
          reprocess: 'ALL',
          latestRevision: true,
          order: 'OLDEST_FIRST',
          counts: { total: 10, dispatched: 0, succeeded: 0, failed: 0, killed: 0, skipped: 0, unfinished: 0 },
          notify: { status: 'DELIVERED', attempts: 1, eventSent: true },
        },
      });
      expect(deps.workflows.stopped).toEqual(['reports-hourly-bf1-g3']);
    });

    it('drops its open ledger pages: a late mark of an execution still running writes nothing', async () => {
      const page = { id: 'bf1|p', backfillId: 'bf1', ticks: [1, 2], sentAt: 's', ended: [0], failed: [] };
      await deps.ledger.open(page);
      await deps.ledger.open({ ...page, id: 'other|p', backfillId: 'other' });
      await givenBackfill();
      await deps.triggers.advanceBackfill(REF, 'bf1', aBackfill().cursorMs, { cursorMs: 3, currentDate: 'x', dispatchedDelta: 2, openedPage: 'bf1|p' });

      await deleteBackfill(deps, REF);
      await deps.ledger.markEnded([{ pageId: 'bf1|p', slot: 1, failed: false }]);

      expect(deps.ledger.all().map((p) => p.id)).toEqual(['other|p']);
    });

    it('throws NoBackfillError when the trigger has no backfill', async () => {
      await expect(deleteBackfill(deps, REF)).rejects.toBeInstanceOf(NoBackfillError);
      expect(deps.workflows.stopped).toEqual([]);
    });

    it('counts its executions still running as unfinished, beside those that ended, folded or not', async () => {
      const start = aBackfill().cursorMs;
      // Page a (3 ticks) ended and was folded: one failed. Page b (3 ticks) is open: one succeeded, one failed, one still running.
      await deps.ledger.open({ id: 'bf1|b', backfillId: 'bf1', ticks: [4, 5, 6], sentAt: 's', ended: [0, 1], failed: [1] });
      await givenBackfill({ labels: [{ key: 'team', value: 'data' }] });
      await deps.triggers.advanceBackfill(REF, 'bf1', start, { cursorMs: 4, currentDate: 'x', dispatchedDelta: 4, skippedDelta: 1, openedPage: 'bf1|a' });
      await deps.triggers.advanceBackfill(REF, 'bf1', 4, { cursorMs: 7, currentDate: 'y', dispatchedDelta: 3, openedPage: 'bf1|b' });
      await deps.triggers.foldPages(REF, 'bf1', [{ pageId: 'bf1|a', ended: 3, failed: 1, killed: 0 }]);

      await deleteBackfill(deps, REF);

      expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({
        outcome: 'DELETED',
        labels: [{ key: 'team', value: 'data' }],
        counts: { total: 10, dispatched: 7, succeeded: 3, failed: 2, killed: 0, skipped: 1, unfinished: 1 },
      });
    });

    it('counts a page folded while it was ending once: it reads the row again and ends with the pages as they are', async () => {
      const start = aBackfill().cursorMs;
      await deps.ledger.open({ id: 'bf1|a', backfillId: 'bf1', ticks: [1, 2], sentAt: 's', ended: [0, 1], failed: [0] });
      await givenBackfill();
      await deps.triggers.advanceBackfill(REF, 'bf1', start, { cursorMs: 3, currentDate: 'x', dispatchedDelta: 2, openedPage: 'bf1|a' });
      const finish = deps.triggers.finishBackfill.bind(deps.triggers);
      const folds = vi.spyOn(deps.triggers, 'finishBackfill').mockImplementationOnce(async (...args) => {
        // Dispatch folds the page (and deletes it) between the ending's read and its write.
        await deps.triggers.foldPages(REF, 'bf1', [{ pageId: 'bf1|a', ended: 2, failed: 1, killed: 0 }]);
        await deps.ledger.remove(['bf1|a']);
        return finish(...args);
      });

      await deleteBackfill(deps, REF);

      expect(folds).toHaveBeenCalledTimes(2);
      expect((await deps.triggers.get(REF))!.lastBackfill!.counts).toEqual({
        total: 10,
        dispatched: 2,
        succeeded: 1,
        failed: 1,
        killed: 0,
        skipped: 0,
        unfinished: 0,
      });
    });

    it('throws NoBackfillError, stopping nothing, when the backfill ended between the read and the write', async () => {
      await givenBackfill();
      const finish = deps.triggers.finishBackfill.bind(deps.triggers);
      vi.spyOn(deps.triggers, 'finishBackfill').mockImplementationOnce(async (ref, id, _outcome, date) => {
        // The state machine completed it first: this write finds it gone.
        await finish(ref, id, 'COMPLETED', date);
        return false;
      });

      await expect(deleteBackfill(deps, REF)).rejects.toBeInstanceOf(NoBackfillError);

      expect(deps.workflows.stopped).toEqual([]);
    });
  });

  describe('applyToTriggers', () => {
    const refs: TriggerRef[] = ['a', 'b', 'c'].map((triggerId) => ({ ...REF, triggerId }));

    it('applies the action to each trigger and counts those it changed', async () => {
      const done: string[] = [];

      const result = await applyToTriggers(refs, async (ref) => {
        done.push(ref.triggerId);
        return aTriggerState(ref);
      });

      expect(result).toEqual({ count: 3 });
      expect(done).toEqual(['a', 'b', 'c']);
    });

    it('skips triggers without a backfill or unknown ones', async () => {
      const result = await applyToTriggers(refs, async (ref) => {
        if (ref.triggerId === 'a') throw new NoBackfillError();
        if (ref.triggerId === 'b') throw new TriggerNotFoundError('no trigger b');
        return aTriggerState(ref);
      });

      expect(result).toEqual({ count: 1 });
    });

    it('stops at any other error', async () => {
      const action = vi.fn(async (ref: TriggerRef) => {
        if (ref.triggerId === 'b') throw new Error('store unavailable');
        return aTriggerState(ref);
      });

      await expect(applyToTriggers(refs, action)).rejects.toThrow('store unavailable');
      expect(action).toHaveBeenCalledTimes(2);
    });

    it('pauses every backfill of a selection end to end', async () => {
      await givenBackfill();
      await deps.triggers.createIfAbsent(aTriggerState({ triggerId: 'nightly' }));

      const result = await applyToTriggers([REF, { ...REF, triggerId: 'nightly' }, { ...REF, flowId: 'gone' }], (ref) => pauseBackfill(deps, ref));

      expect(result).toEqual({ count: 1 });
    });
  });

  describe('selectTriggers', () => {
    beforeEach(async () => {
      for (const [namespace, flowId, triggerId] of [
        ['company', 'a', 't1'],
        ['company.team', 'b', 't2'],
        ['companyx', 'a', 't3'],
        ['other', 'a', 't4'],
      ] as const) {
        await deps.triggers.createIfAbsent(aTriggerState({ namespace, flowId, triggerId }));
        if (triggerId !== 't4') await deps.triggers.startBackfill({ namespace, flowId, triggerId }, aBackfill(), now);
      }
    });

    const ids = (refs: TriggerRef[]) => refs.map((r) => r.triggerId).sort();

    it('selects a namespace and its children, not namespaces that merely start alike', async () => {
      expect(ids(await selectTriggers(deps, { namespace: 'company' }, 'backfill'))).toEqual(['t1', 't2']);
    });

    it('selects one flow id, in any namespace without a namespace filter', async () => {
      expect(ids(await selectTriggers(deps, { flowId: 'a' }, 'any'))).toEqual(['t1', 't3', 't4']);
    });

    it('combines both filters', async () => {
      expect(ids(await selectTriggers(deps, { namespace: 'company', flowId: 'a' }, 'any'))).toEqual(['t1']);
    });

    it('looks only at triggers with a backfill for backfill actions', async () => {
      expect(ids(await selectTriggers(deps, {}, 'backfill'))).toEqual(['t1', 't2', 't3']);
      expect(ids(await selectTriggers(deps, {}, 'any'))).toEqual(['hourly', 't1', 't2', 't3', 't4']);
    });

    it('returns bare references', async () => {
      expect(await selectTriggers(deps, { namespace: 'other' }, 'any')).toEqual([{ namespace: 'other', flowId: 'a', triggerId: 't4' }]);
    });
  });
});
