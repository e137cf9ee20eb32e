import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyToTriggers, deleteBackfill, pauseBackfill, selectTriggers, unpauseBackfill } from '../../../lib/app/backfill-control';
import { FlowNotFoundError, NoBackfillError, TriggerNotFoundError } from '../../../lib/domain/errors';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aTriggerState } from '../../support/factories';

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

      const expected = { ...aTriggerState(), updatedDate: deps.clock.now().toISOString() };
      expect(state).toEqual(expected);
      expect(await deps.triggers.get(REF)).toEqual({ ...expected, lastBackfill: { id: 'bf1', outcome: 'DELETED', endedDate: expected.updatedDate } });
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

    it('throws NoBackfillError, stopping nothing, when the backfill ended between the read and the write', async () => {
      await givenBackfill();
      vi.spyOn(deps.triggers, 'finishBackfill').mockResolvedValueOnce(false);

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
