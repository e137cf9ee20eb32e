import { beforeEach, describe, expect, it, vi } from 'vitest';
import { PREVIEW_TICKS, createBackfill, previewBackfill, resolveTrigger, setDisabled } from '../../../lib/app/backfills';
import { BackfillAlreadyActiveError, FlowNotFoundError, TriggerNotFoundError } from '../../../lib/domain/errors';
import { ValidationError } from '../../../lib/domain/flow/errors';
import { liveOwner } from '../../../lib/domain/ids';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aBackfillRequest, aFlow, aScheduleTrigger, aSettings, aStoredExecution, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');

describe('backfills', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies({ settings: aSettings({ backfill: { maxTicks: 100 } }) });
    await deps.flows.create(aFlow({ inputs: [{ id: 'day', type: 'STRING', required: false }] }));
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  describe('createBackfill', () => {
    it('attaches the planned backfill to the trigger and starts its state machine', async () => {
      const state = await createBackfill(deps, aBackfillRequest({ labels: [{ key: 'why', value: 'replay' }], inputs: { day: 'x' } }));

      const backfill = state.backfill!;
      expect(backfill).toMatchObject({
        start: '2026-02-01T00:00:00Z',
        end: '2026-02-01T09:00:00Z',
        cursorMs: T0,
        totalTicks: 10,
        dispatched: 0,
        paused: false,
        labels: [{ key: 'why', value: 'replay' }],
        inputs: { day: 'x' },
        previousNextExecutionDate: aTriggerState().nextExecutionDate,
        executionName: `reports-hourly-${backfill.id}-g0`,
        generation: 0,
        createdDate: deps.clock.now().toISOString(),
      });
      expect(await deps.triggers.get(REF)).toEqual({ ...aTriggerState(), updatedDate: deps.clock.now().toISOString(), backfill, backfills: [backfill] });
      expect(deps.workflows.started).toEqual([{ name: backfill.executionName, input: { backfill: { ...REF, id: backfill.id }, generation: 0, iteration: 0 } }]);
    });

    it("pins the flow's current revision, or none when the request asks for the latest one", async () => {
      await deps.flows.update(aFlow({ revision: 2, description: 'v2', inputs: [{ id: 'day', type: 'STRING', required: false }] }), 1);

      const pinned = await createBackfill(deps, aBackfillRequest());

      expect(pinned.backfill).toMatchObject({ flowRevision: 2 });
      expect((await deps.triggers.get(REF))!.backfill).toMatchObject({ flowRevision: 2 });
      await deps.triggers.finishBackfill(REF, pinned.backfill!.id, 'DELETED', deps.clock.now().toISOString());
      const latest = await createBackfill(deps, aBackfillRequest({ latestRevision: true }));
      expect(latest.backfill).not.toHaveProperty('flowRevision');
      expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ flowRevision: 2, latestRevision: false });
    });

    it('runs up to now when the request has no end', async () => {
      const state = await createBackfill(deps, aBackfillRequest({ start: new Date('2026-03-01T10:00:00Z'), end: null }));

      expect(state.backfill).toMatchObject({ end: '2026-03-01T12:00:00Z', totalTicks: 3 });
    });

    describe('a rejected request', () => {
      it.each([
        ['an end in the future', { end: new Date('2026-03-01T12:00:01Z') }, 'backfill.end', 'is in the future'],
        ['a start after the end', { start: new Date('2026-02-02T00:00:00Z') }, 'backfill.start', 'is after backfill.end'],
        ['more ticks than the limit', { start: new Date('2026-01-01T00:00:00Z') }, 'backfill.start', 'holds more than 100 ticks'],
        ['no tick in the window', { start: new Date('2026-02-01T00:10:00Z'), end: new Date('2026-02-01T00:50:00Z') }, 'backfill.start', 'holds no tick'],
        ['an unknown input', { inputs: { nope: 1 } }, 'backfill.inputs.nope', 'unknown input'],
      ])('refuses %s, writing nothing', async (_case, overrides, path, message) => {
        const rejection = createBackfill(deps, aBackfillRequest(overrides));

        await expect(rejection).rejects.toBeInstanceOf(ValidationError);
        await expect(rejection).rejects.toMatchObject({ path, message: expect.stringContaining(message) });
        expect(await deps.triggers.get(REF)).toEqual(aTriggerState());
        expect(deps.workflows.started).toEqual([]);
      });

      it('refuses an unknown flow', async () => {
        await expect(createBackfill(deps, aBackfillRequest({ flowId: 'nope' }))).rejects.toBeInstanceOf(FlowNotFoundError);
      });

      it('refuses a trigger the flow does not have', async () => {
        await expect(createBackfill(deps, aBackfillRequest({ triggerId: 'nope' }))).rejects.toThrow(
          new TriggerNotFoundError('Flow reports has no trigger nope', { qualified: 'Flow dev.reports has no schedule trigger nope' }),
        );
      });

      it('refuses a trigger without a state row yet', async () => {
        await deps.triggers.delete(REF);

        await expect(createBackfill(deps, aBackfillRequest())).rejects.toBeInstanceOf(TriggerNotFoundError);
      });
    });

    it('refuses a second backfill while one is active, keeping the first', async () => {
      const first = await createBackfill(deps, aBackfillRequest());

      await expect(createBackfill(deps, aBackfillRequest())).rejects.toBeInstanceOf(BackfillAlreadyActiveError);

      expect((await deps.triggers.get(REF))!.backfill!.id).toBe(first.backfill!.id);
      expect(deps.workflows.started).toHaveLength(1);
    });

    it('takes the backfill back off the trigger when its state machine cannot start', async () => {
      deps.workflows.failStartWith = new Error('StartExecution throttled');

      await expect(createBackfill(deps, aBackfillRequest())).rejects.toThrow('StartExecution throttled');

      const state = await deps.triggers.get(REF);
      expect(state!.backfill).toBeUndefined();
      expect(state!.lastBackfill).toMatchObject({ outcome: 'ABANDONED' });
    });
  });

  describe('previewBackfill', () => {
    it("counts and lists the window's ticks in the trigger's zone, writing nothing", async () => {
      const preview = await previewBackfill(deps, aBackfillRequest());

      expect(preview).toMatchObject({
        count: 10,
        skipped: 0,
        start: '2026-02-01T00:00:00Z',
        end: '2026-02-01T09:00:00Z',
        order: 'OLDEST_FIRST',
        ticks: Array.from({ length: 10 }, (_, i) => `2026-02-01T0${i}:00:00Z`),
        firstTick: '2026-02-01T00:00:00Z',
        lastTick: '2026-02-01T09:00:00Z',
        truncated: false,
        conflict: false,
        flowRevision: 1,
        latestRevision: false,
        // The service's BACKFILL_MAX_IN_FLIGHT, which the dialog shows at its concurrency field.
        maxConcurrencyLimit: deps.settings.dispatch.maxInFlight,
        // The flow has no ended execution yet to time it from (backfill-estimate.test.ts has the arithmetic).
        estimatedDuration: null,
        estimatedDurationSeconds: null,
      });
      expect(preview.estimate.duration.reason).toBe('No ended execution of flow dev.reports yet to time it from');
      expect(preview.estimatedCostUsd).toBeGreaterThan(0);
      expect(await deps.triggers.get(REF)).toEqual(aTriggerState());
      expect(deps.workflows.started).toEqual([]);
    });

    it('says no revision would be pinned when the request asks for the latest one', async () => {
      const preview = await previewBackfill(deps, aBackfillRequest({ latestRevision: true }));

      expect(preview).toMatchObject({ latestRevision: true });
      expect(preview).not.toHaveProperty('flowRevision');
    });

    it('lists the first ticks only of a long window, with its last tick', async () => {
      deps.settings = aSettings({ backfill: { maxTicks: 1000 } });
      await deps.flows.update(aFlow({ revision: 2, triggers: [aScheduleTrigger({ cron: '*/5 * * * *', timezone: 'Europe/Paris' })] }), 1);

      const preview = await previewBackfill(deps, aBackfillRequest({ end: new Date('2026-02-01T23:00:00Z') }));

      expect(preview.count).toBe(23 * 12 + 1);
      expect(preview.ticks).toHaveLength(PREVIEW_TICKS);
      expect(preview.ticks[0]).toBe('2026-02-01T01:00:00+01:00');
      expect(preview.lastTick).toBe('2026-02-02T00:00:00+01:00');
      expect(preview.truncated).toBe(true);
    });

    it('lists the ticks newest first for NEWEST_FIRST: the latest ones, in the order they will run', async () => {
      deps.settings = aSettings({ backfill: { maxTicks: 1000 } });
      await deps.flows.update(aFlow({ revision: 2, triggers: [aScheduleTrigger({ cron: '*/5 * * * *', timezone: 'Europe/Paris' })] }), 1);

      const preview = await previewBackfill(deps, aBackfillRequest({ end: new Date('2026-02-01T23:00:00Z'), order: 'NEWEST_FIRST' }));

      expect(preview).toMatchObject({ order: 'NEWEST_FIRST', count: 23 * 12 + 1, truncated: true });
      expect(preview.ticks).toHaveLength(PREVIEW_TICKS);
      expect(preview.ticks.slice(0, 3)).toEqual(['2026-02-02T00:00:00+01:00', '2026-02-01T23:55:00+01:00', '2026-02-01T23:50:00+01:00']);
      expect(preview.ticks.at(-1)).toBe('2026-02-01T15:45:00+01:00');
      expect(preview.firstTick).toBe('2026-02-01T01:00:00+01:00');
      expect(preview.lastTick).toBe('2026-02-02T00:00:00+01:00');
    });

    it("counts the ticks that MISSING would skip, ignoring runs off the current cron's ticks", async () => {
      await deps.executions.createMany([
        aStoredExecution({ id: 'live-1', liveOwner: liveOwner(REF), tickMs: T0 + HOUR, state: 'SUCCESS' }),
        aStoredExecution({ id: 'old-3', backfillId: 'bf0', tickMs: T0 + 3 * HOUR, state: 'FAILED' }),
        aStoredExecution({ id: 'off-tick', backfillId: 'bf0', tickMs: T0 + HOUR + 30 * 60_000, state: 'SUCCESS' }),
      ]);

      const preview = await previewBackfill(deps, aBackfillRequest({ reprocess: 'MISSING' }));

      expect(preview).toMatchObject({ count: 10, skipped: 2 });
    });

    it('counts only succeeded ticks as skipped under FAILED_AND_MISSING', async () => {
      await deps.executions.createMany([
        aStoredExecution({ id: 'live-1', liveOwner: liveOwner(REF), tickMs: T0 + HOUR, state: 'SUCCESS' }),
        aStoredExecution({ id: 'old-3', backfillId: 'bf0', tickMs: T0 + 3 * HOUR, state: 'FAILED' }),
      ]);

      expect((await previewBackfill(deps, aBackfillRequest({ reprocess: 'FAILED_AND_MISSING' }))).skipped).toBe(1);
    });

    it('leaves the skipped count to dispatch (null) for a window too large to read', async () => {
      deps.settings = aSettings({ backfill: { maxTicks: 1_000_000 } });
      await deps.flows.update(aFlow({ revision: 2, triggers: [aScheduleTrigger({ cron: '* * * * *' })] }), 1);
      const statesByTick = vi.spyOn(deps.executions, 'statesByTick');

      const preview = await previewBackfill(
        deps,
        aBackfillRequest({ start: new Date('2026-01-20T00:00:00Z'), end: new Date('2026-02-25T00:00:00Z'), reprocess: 'MISSING' }),
      );

      expect(preview).toMatchObject({ count: 36 * 24 * 60 + 1, skipped: null, truncated: true });
      expect(statesByTick).not.toHaveBeenCalled();
    });

    it('flags a conflict when a backfill is already active', async () => {
      await deps.triggers.startBackfill(REF, aBackfill(), deps.clock.now().toISOString());

      expect((await previewBackfill(deps, aBackfillRequest())).conflict).toBe(true);
    });

    it('refuses what creating would refuse', async () => {
      await expect(previewBackfill(deps, aBackfillRequest({ end: new Date('2026-03-02T00:00:00Z') }))).rejects.toMatchObject({ path: 'backfill.end' });
    });
  });

  describe('setDisabled', () => {
    it('disables the trigger, keeping its next tick for recovery', async () => {
      const state = await setDisabled(deps, REF, true);

      const expected = { ...aTriggerState(), disabled: true, updatedDate: deps.clock.now().toISOString() };
      expect(state).toEqual(expected);
      expect(await deps.triggers.get(REF)).toEqual(expected);
    });

    it('enables the trigger at its kept next tick', async () => {
      await deps.triggers.updateSchedule(REF, { nextExecutionDate: '2026-02-28T09:00:00Z', disabled: true, updatedDate: 'x' });

      const state = await setDisabled(deps, REF, false);

      expect(state).toMatchObject({ disabled: false, nextExecutionDate: '2026-02-28T09:00:00Z' });
    });

    it('enables a trigger without a next tick at the first tick after now', async () => {
      await deps.triggers.updateSchedule(REF, { nextExecutionDate: null, disabled: true, updatedDate: 'x' });

      await setDisabled(deps, REF, false);

      expect(await deps.triggers.get(REF)).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T13:00:00Z' });
    });
  });

  describe('resolveTrigger', () => {
    it('finds the flow, the trigger definition and its row', async () => {
      const resolved = await resolveTrigger(deps, REF);

      expect(resolved).toEqual({ flow: await deps.flows.get('dev', 'reports'), trigger: aScheduleTrigger(), state: aTriggerState() });
    });

    it('says when the flow is missing', async () => {
      await expect(resolveTrigger(deps, { ...REF, flowId: 'nope' })).rejects.toThrow(
        new FlowNotFoundError('Flow of trigger hourly not found', { qualified: 'Flow dev.nope of trigger hourly not found' }),
      );
    });

    it('says when the row is missing', async () => {
      await deps.triggers.delete(REF);

      await expect(resolveTrigger(deps, REF)).rejects.toThrow('Trigger hourly of flow dev.reports has no state yet');
    });
  });
});
