import { beforeEach, describe, expect, it } from 'vitest';
import { cancelBackfill } from '../../../lib/app/backfill-cancel';
import { deleteBackfill, pauseBackfill, unpauseBackfill, updateBackfill } from '../../../lib/app/backfill-control';
import { backfillTimeline } from '../../../lib/app/backfill-timeline';
import { createBackfill, previewBackfill } from '../../../lib/app/backfills';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { triggerView } from '../../../lib/app/trigger-view';
import { BackfillAlreadyActiveError, NoBackfillError } from '../../../lib/domain/errors';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfillRequest, aFlow, aRunInput, aSettings, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
/** Ten hourly ticks each, a day apart: disjoint. */
const FEB_1 = { start: new Date('2026-02-01T00:00:00Z'), end: new Date('2026-02-01T09:00:00Z') };
const FEB_2 = { start: new Date('2026-02-02T00:00:00Z'), end: new Date('2026-02-02T09:00:00Z') };

describe('several backfills on one trigger (use cases over the in-memory stores)', () => {
  let deps: InMemoryDependencies;
  let early: string;
  let late: string;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
    // Created later window first: the trigger still lists the earliest first.
    late = (await createBackfill(deps, aBackfillRequest(FEB_2))).backfill!.id;
    early = (await createBackfill(deps, aBackfillRequest(FEB_1))).backfill!.id;
  });

  const state = async () => (await deps.triggers.get(REF))!;
  const pausedById = async () => Object.fromEntries((await state()).backfills.map((b) => [b.id, b.paused]));

  it('attaches a backfill beside one of a disjoint window, each with its own state machine; the answer shows the one created', async () => {
    const created = await createBackfill(deps, aBackfillRequest({ start: new Date('2026-02-03T00:00:00Z'), end: new Date('2026-02-03T09:00:00Z') }));

    expect(created.backfill!.start).toBe('2026-02-03T00:00:00Z');
    expect(created.backfills.map((b) => b.start)).toEqual(['2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', '2026-02-03T00:00:00Z']);
    const current = await state();
    expect(current.backfill!.id).toBe(early);
    expect(current.backfills.map((b) => b.id)).toEqual([early, late, created.backfill!.id]);
    expect(new Set(deps.workflows.started.map((s) => s.input.backfill.id))).toEqual(new Set([early, late, created.backfill!.id]));
  });

  it('refuses a window overlapping an active one with a 409 naming it, writing nothing; the preview says so ahead', async () => {
    const overlapping = aBackfillRequest({ start: new Date('2026-02-02T09:00:00Z'), end: new Date('2026-02-02T12:00:00Z') });

    const preview = await previewBackfill(deps, overlapping);
    await expect(createBackfill(deps, overlapping)).rejects.toThrow(BackfillAlreadyActiveError);
    await expect(createBackfill(deps, overlapping)).rejects.toThrow(`Backfill ${late} is already active on trigger hourly of flow dev.reports`);

    expect(preview).toMatchObject({ conflict: true, conflictsWith: { id: late, start: '2026-02-02T00:00:00Z', end: '2026-02-02T09:00:00Z' } });
    expect((await state()).backfills).toHaveLength(2);
    expect(deps.workflows.started).toHaveLength(2);
    const clear = await previewBackfill(deps, aBackfillRequest({ start: new Date('2026-02-05T00:00:00Z'), end: new Date('2026-02-05T01:00:00Z') }));
    expect(clear.conflict).toBe(false);
    expect(clear).not.toHaveProperty('conflictsWith');
  });

  it('refuses one more than BACKFILL_MAX_PER_TRIGGER, and the preview calls it a conflict', async () => {
    deps.settings = aSettings({ backfill: { maxPerTrigger: 2 } });
    const third = aBackfillRequest({ start: new Date('2026-02-05T00:00:00Z'), end: new Date('2026-02-05T01:00:00Z') });

    await expect(createBackfill(deps, third)).rejects.toThrow(/already has 2 active backfills/);
    expect(await previewBackfill(deps, third)).toMatchObject({ conflict: true });
  });

  it('pauses, resumes, updates and deletes one backfill by id, leaving the other as it was', async () => {
    await pauseBackfill(deps, { ...REF, backfillId: late });
    expect(await pausedById()).toEqual({ [early]: false, [late]: true });

    await updateBackfill(deps, { ...REF, backfillId: early }, 3);
    expect((await state()).backfills.map((b) => b.maxConcurrency)).toEqual([3, aSettings().dispatch.maxInFlight]);

    await unpauseBackfill(deps, { ...REF, backfillId: late });
    expect(await pausedById()).toEqual({ [early]: false, [late]: false });

    const after = await deleteBackfill(deps, { ...REF, backfillId: early });
    expect(after.backfills.map((b) => b.id)).toEqual([late]);
    expect(after.backfill!.id).toBe(late);
    expect(after.lastBackfill).toMatchObject({ id: early, outcome: 'DELETED' });
    expect(deps.workflows.stopped).toEqual([`reports-hourly-${early}-g0`]);
    expect(deps.events.published.map((e) => [e.type, e.backfill.id])).toEqual([
      ['CREATED', late],
      ['CREATED', early],
      ['PAUSED', late],
      ['UPDATED', early],
      ['RESUMED', late],
      ['DELETED', early],
    ]);
  });

  it('acts on every active backfill without an id, as Kestra clients call it', async () => {
    await pauseBackfill(deps, REF);
    expect(await pausedById()).toEqual({ [early]: true, [late]: true });

    await unpauseBackfill(deps, REF);
    expect(await pausedById()).toEqual({ [early]: false, [late]: false });

    const deleted = await deleteBackfill(deps, REF);
    expect(deleted.backfills).toEqual([]);
    expect(deleted.backfill).toBeUndefined();
    expect(new Set(deps.workflows.stopped)).toEqual(new Set([`reports-hourly-${early}-g0`, `reports-hourly-${late}-g0`]));
  });

  it('says which id is not active, and changes nothing', async () => {
    await expect(pauseBackfill(deps, { ...REF, backfillId: 'nope' })).rejects.toThrow(new NoBackfillError('nope'));
    await expect(cancelBackfill(deps, { ...REF, backfillId: 'nope' }, 'by a test')).rejects.toThrow('No backfill found with id nope');
    expect(await pausedById()).toEqual({ [early]: false, [late]: false });
  });

  it('cancels one by id: the other goes on', async () => {
    const after = await cancelBackfill(deps, { ...REF, backfillId: late }, 'by a test');

    expect(after.backfills.map((b) => b.id)).toEqual([early]);
    expect(after.lastBackfill).toMatchObject({ id: late, outcome: 'CANCELLED' });
  });

  it("dispatches each backfill from its own cursor, and shows each one's progress", async () => {
    await dispatchBatch(deps, aRunInput({ backfill: { ...REF, id: late } }));

    const current = await state();
    expect(current.backfills.map((b) => [b.id, b.dispatched])).toEqual([
      [early, 0],
      [late, 10],
    ]);
    const view = await triggerView(deps, current);
    expect(view.backfill?.id).toBe(early);
    expect(view.backfills?.map((b) => [b.id, b.progress.dispatched, b.progress.queued])).toEqual([
      [early, 0, 0],
      [late, 10, 10],
    ]);
    // Kestra's cursor is the earliest backfill's.
    expect(view.nextExecutionDate).toBe('2026-02-01T00:00:00Z');
  });

  it("answers the timeline of the backfill asked for, or the earliest's", async () => {
    expect((await backfillTimeline(deps, { ...REF, backfillId: late }, 10)).backfillId).toBe(late);
    expect((await backfillTimeline(deps, REF, 10)).backfillId).toBe(early);
    await expect(backfillTimeline(deps, { ...REF, backfillId: 'nope' }, 10)).rejects.toThrow(new NoBackfillError('nope'));
  });
});
