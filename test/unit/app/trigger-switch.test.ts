import { beforeEach, describe, expect, it } from 'vitest';
import { runDueSchedules } from '../../../lib/app/live-schedule';
import { resetTrigger, switchTrigger } from '../../../lib/app/trigger-switch';
import { BackfillAlreadyActiveError, FlowNotFoundError } from '../../../lib/domain/errors';
import { ValidationError } from '../../../lib/domain/flow/errors';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aScheduleTrigger, aSettings, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };

describe('switchTrigger (Kestra 2.x set-disabled)', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    // 12:00Z: the hourly trigger's next tick is 13:00Z.
    deps = inMemoryDependencies({ now: '2026-03-01T12:00:00.000Z' });
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  /** Disables the trigger now, then lets `hours` pass: the ticks from 13:00Z on are missed meanwhile. */
  async function disabledFor(hours: number, minutes = 30) {
    await switchTrigger(deps, REF, true);
    deps.clock.advance(hours * 3600_000 + minutes * 60_000);
  }

  it('disabling keeps the next tick, so that enabling again knows which ticks were missed', async () => {
    const state = await switchTrigger(deps, REF, true);

    expect(state).toMatchObject({ disabled: true, nextExecutionDate: '2026-03-01T13:00:00Z' });
    expect(await deps.triggers.get(REF)).toMatchObject({ disabled: true, nextExecutionDate: '2026-03-01T13:00:00Z' });
  });

  it('enabling without recovery skips the missed ticks: the live schedule goes on from the next one to come', async () => {
    await disabledFor(3); // 15:30Z: 13:00, 14:00 and 15:00 missed

    const state = await switchTrigger(deps, REF, false);

    expect(state).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T16:00:00Z', updatedDate: '2026-03-01T15:30:00.000Z' });
    expect((await runDueSchedules(deps, deps.clock.now())).created).toBe(0);
  });

  it('enabling with recovery leaves the missed ticks to the live schedule, which runs them as the trigger says (ALL here)', async () => {
    await disabledFor(3);

    const state = await switchTrigger(deps, REF, false, true);

    expect(state).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T13:00:00Z' });
    expect((await runDueSchedules(deps, deps.clock.now())).created).toBe(3);
    expect((await deps.triggers.get(REF))?.nextExecutionDate).toBe('2026-03-01T16:00:00Z');
  });

  it("enabling with recovery follows the trigger's recoverMissedSchedules: LAST runs only the latest missed tick", async () => {
    await deps.flows.update(aFlow({ revision: 2, triggers: [aScheduleTrigger({ recoverMissedSchedules: 'LAST' })] }), 1);
    await disabledFor(3);

    await switchTrigger(deps, REF, false, true);

    expect((await runDueSchedules(deps, deps.clock.now())).created).toBe(1);
    expect(deps.queue.sent.live).toHaveLength(1);
  });

  it('enabling with BACKFILL replays the missed window as a backfill and runs live from the next tick to come', async () => {
    await disabledFor(3);

    const state = await switchTrigger(deps, REF, false, 'BACKFILL');

    expect(state).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T16:00:00Z' });
    expect(state.backfill).toMatchObject({ start: '2026-03-01T13:00:00Z', end: '2026-03-01T15:30:00Z', totalTicks: 3, reprocess: 'ALL' });
    expect(deps.workflows.started).toHaveLength(1);
    expect((await runDueSchedules(deps, deps.clock.now())).created).toBe(0);
  });

  it('a retried BACKFILL enable keeps the backfill the first call started instead of answering 409', async () => {
    await disabledFor(3);
    const first = await switchTrigger(deps, REF, false, 'BACKFILL');
    // As if the first call had died after starting the backfill, before enabling the trigger.
    await deps.triggers.updateSchedule(REF, { nextExecutionDate: '2026-03-01T13:00:00Z', disabled: true, updatedDate: 'x' });

    const again = await switchTrigger(deps, REF, false, 'BACKFILL');

    expect(again.backfill?.id).toBe(first.backfill?.id);
    expect(again).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T16:00:00Z' });
    expect(deps.workflows.started).toHaveLength(1);
  });

  it('enabling with BACKFILL while an active backfill overlaps the missed window is a 409 naming it, and leaves the trigger disabled', async () => {
    // Its window reaches into the ticks missed from 13:00 on.
    const other = aBackfill({ id: 'other', start: '2026-03-01T10:00:00Z', end: '2026-03-01T14:00:00Z' });
    await deps.triggers.startBackfill(REF, other, '2026-03-01T12:00:00.000Z', { maxActive: 10 });
    await disabledFor(3);

    const refused = switchTrigger(deps, REF, false, 'BACKFILL');

    await expect(refused).rejects.toThrow(BackfillAlreadyActiveError);
    await expect(refused).rejects.toThrow(/dev\.reports\.hourly missed while disabled.*Backfill other is already active/);
    expect(await deps.triggers.get(REF)).toMatchObject({ disabled: true, nextExecutionDate: '2026-03-01T13:00:00Z', backfill: { id: 'other' } });
  });

  it('enabling with BACKFILL beside an active backfill of an earlier, disjoint window starts the missed one too', async () => {
    await deps.triggers.startBackfill(REF, aBackfill({ id: 'earlier' }), '2026-03-01T12:00:00.000Z', { maxActive: 10 });
    await disabledFor(3);

    const state = await switchTrigger(deps, REF, false, 'BACKFILL');

    expect(state.disabled).toBe(false);
    expect(state.backfills.map((b) => [b.id === 'earlier' ? 'earlier' : 'missed', b.start])).toEqual([
      ['earlier', '2026-02-01T00:00:00Z'],
      ['missed', '2026-03-01T13:00:00Z'],
    ]);
  });

  it('a missed window larger than a backfill may be is a validation failure naming recoverMissedSchedules, with nothing changed', async () => {
    deps.settings = aSettings({ backfill: { maxTicks: 2 } });
    await disabledFor(3);

    const refused = switchTrigger(deps, REF, false, 'BACKFILL');

    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toMatchObject({ path: 'recoverMissedSchedules' });
    expect(await deps.triggers.get(REF)).toMatchObject({ disabled: true });
    expect(deps.workflows.started).toEqual([]);
  });

  it('enabling with BACKFILL when no tick was missed only enables', async () => {
    await switchTrigger(deps, REF, true);
    deps.clock.advance(10 * 60_000);

    const state = await switchTrigger(deps, REF, false, 'BACKFILL');

    expect(state).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T13:00:00Z' });
    expect(state.backfill).toBeUndefined();
  });

  it('enabling an enabled trigger leaves its next tick alone, even one the live schedule is late on', async () => {
    deps.clock.advance(3 * 3600_000);

    const state = await switchTrigger(deps, REF, false);

    expect(state).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T13:00:00Z' });
  });

  it('gives a trigger without a next tick (created disabled) the next one to come', async () => {
    await deps.triggers.updateSchedule(REF, { nextExecutionDate: null, disabled: true, updatedDate: 'x' });

    expect(await switchTrigger(deps, REF, false)).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T13:00:00Z' });
  });

  it("throws the lookup's not-found errors, changing nothing", async () => {
    await expect(switchTrigger(deps, { ...REF, flowId: 'nope' }, true)).rejects.toBeInstanceOf(FlowNotFoundError);
  });
});

describe('resetTrigger (Kestra 2.x DELETE of a trigger)', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies({ now: '2026-03-01T12:00:00.000Z' });
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  it('recreates the row as the flow would: next tick from now, enabled, no last run or last backfill', async () => {
    await deps.triggers.startBackfill(REF, aBackfill(), '2026-03-01T12:00:00.000Z');
    await deps.triggers.finishBackfill(REF, 'bf1', 'COMPLETED', '2026-03-01T12:10:00.000Z');
    await deps.triggers.updateSchedule(REF, { nextExecutionDate: '2026-03-01T13:00:00Z', disabled: true, updatedDate: 'x' });
    deps.clock.advance(5 * 3600_000);

    await resetTrigger(deps, REF);

    expect(await deps.triggers.get(REF)).toEqual({
      ...REF,
      nextExecutionDate: '2026-03-01T18:00:00Z',
      disabled: false,
      updatedDate: '2026-03-01T17:00:00.000Z',
      backfills: [],
    });
  });

  it("keeps a trigger the flow's YAML disables disabled, without a next tick", async () => {
    await deps.flows.update(aFlow({ revision: 2, triggers: [aScheduleTrigger({ disabled: true })] }), 1);

    await resetTrigger(deps, REF);

    expect(await deps.triggers.get(REF)).toMatchObject({ disabled: true, nextExecutionDate: null });
  });

  it('is a 409 naming the active backfill, which it keeps', async () => {
    await deps.triggers.startBackfill(REF, aBackfill({ id: 'bf9' }), '2026-03-01T12:00:00.000Z');

    const refused = resetTrigger(deps, REF);

    await expect(refused).rejects.toThrow(BackfillAlreadyActiveError);
    await expect(refused).rejects.toThrow(/dev\.reports\.hourly has an active backfill \(bf9/);
    expect((await deps.triggers.get(REF))?.backfill?.id).toBe('bf9');
  });

  it('is a 409 when a backfill started between its read and its write', async () => {
    const reset = deps.triggers.reset.bind(deps.triggers);
    deps.triggers.reset = async (fresh) => {
      await deps.triggers.startBackfill(REF, aBackfill({ id: 'late' }), '2026-03-01T12:00:00.000Z');
      return reset(fresh);
    };

    await expect(resetTrigger(deps, REF)).rejects.toThrow(/active backfill \(late/);
  });

  it("throws the lookup's not-found errors", async () => {
    await expect(resetTrigger(deps, { ...REF, triggerId: 'nope' })).rejects.toThrow(/no schedule trigger nope|has no trigger nope/);
  });
});
