import { beforeEach, describe, expect, it } from 'vitest';
import { backfillTimeline } from '../../../lib/app/backfill-timeline';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { NoBackfillError, TriggerNotFoundError } from '../../../lib/domain/errors';
import { tickExecutionId } from '../../../lib/domain/ids';
import { emptyTimeline } from '../../../lib/domain/timeline';
import type { TimelineBucket } from '../../../lib/domain/timeline';
import type { BackfillState, TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aSettings, aStoredExecution, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const tick = (i: number) => T0 + i * HOUR;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const STATES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'killed', 'skipped', 'ended'] as const;
type State = (typeof STATES)[number];
const sum = (buckets: TimelineBucket[], state: State | 'ticks') => buckets.reduce((total, b) => total + (b[state] ?? 0), 0);
const stateOf = (b: TimelineBucket) => STATES.filter((s) => (b[s] ?? 0) > 0).join('+');

describe('backfillTimeline', () => {
  let deps: InMemoryDependencies;

  function withDispatch(dispatch: { batchSize: number; maxInFlight: number }) {
    deps = inMemoryDependencies({ settings: aSettings({ dispatch: { ...dispatch, maxIterationsPerExecution: 1000, throttleWaitSeconds: 1 } }) });
  }

  beforeEach(async () => {
    withDispatch({ batchSize: 3, maxInFlight: 6 });
  });

  async function givenBackfill(overrides: Partial<BackfillState> = {}): Promise<void> {
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
    const backfill = aBackfill(overrides);
    await deps.triggers.startBackfill(REF, { timeline: emptyTimeline(backfill.totalTicks), ...backfill }, deps.clock.now().toISOString());
  }

  /** What the worker does once the executions of ticks `indices` ended: it marks their ledger slots. */
  async function ended(indices: number[], failed = false): Promise<void> {
    const marks = indices.map((i) => {
      const page = deps.queue.sent.backfill.find((m) => m.executionId === tickExecutionId('bf1', tick(i)))?.created?.origin.page;
      if (!page) throw new Error(`tick ${i} was not sent`);
      return { pageId: page.id, slot: page.slot, failed };
    });
    await deps.ledger.markEnded(marks);
  }

  async function running(i: number): Promise<void> {
    const stored = aStoredExecution({ id: tickExecutionId('bf1', tick(i)), backfillId: 'bf1', tickMs: tick(i) });
    stored.execution.state = { ...stored.execution.state, current: 'RUNNING' };
    await deps.executions.createClaimed(stored, 'w', Number.MAX_SAFE_INTEGER);
  }

  it('follows a small backfill tick by tick, every tick counted once at every step, through dispatch and its folds', async () => {
    await givenBackfill();
    const states = async () => (await backfillTimeline(deps, REF, 200)).buckets.map(stateOf);

    expect(await states()).toEqual(Array(10).fill('pending'));

    await dispatchBatch(deps, aRunInput());
    await dispatchBatch(deps, aRunInput());
    await running(1);
    await ended([0]);
    await ended([2], true);
    expect(await states()).toEqual(['succeeded', 'running', 'failed', 'queued', 'queued', 'queued', 'pending', 'pending', 'pending', 'pending']);

    await deps.executions.finish(await deps.executions.get(tickExecutionId('bf1', tick(1))).then((s) => s!), 'w');
    await ended([1, 3, 4, 5]);
    await dispatchBatch(deps, aRunInput()); // folds both pages into the row's cells, sends 6-8
    expect((await deps.triggers.get(REF))?.backfill?.openPages).toHaveLength(1);
    const timeline = await backfillTimeline(deps, REF, 200);
    expect(timeline.buckets.map(stateOf)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
      'succeeded',
      'succeeded',
      'succeeded',
      'queued',
      'queued',
      'queued',
      'pending',
    ]);
    expect(timeline.buckets.every((b) => b.ticks === 1 && b.from === b.to)).toBe(true);
    expect(timeline.buckets[2]).toMatchObject({ from: iso(tick(2)), executionId: tickExecutionId('bf1', tick(2)) });
    expect(timeline.buckets[9]?.executionId).toBeUndefined();
    expect(timeline).toMatchObject({ backfillId: 'bf1', ticks: 10, split: true });

    for (let round = 0; round < 4; round++) {
      await ended([6, 7, 8, 9].filter((i) => deps.queue.sent.backfill.some((m) => m.executionId === tickExecutionId('bf1', tick(i)))));
      await dispatchBatch(deps, aRunInput());
    }
    expect((await deps.triggers.get(REF))?.backfill).toBeUndefined();
  });

  it('answers as many cells as asked for at most, merged, their counts adding up to the window', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    await ended([0, 1]);

    const timeline = await backfillTimeline(deps, REF, 4);

    expect(timeline.buckets).toHaveLength(4);
    expect(sum(timeline.buckets, 'ticks')).toBe(10);
    expect(timeline.buckets[0]).toMatchObject({ from: iso(tick(0)), to: iso(tick(1)), ticks: 2, succeeded: 2 });
    expect(timeline.buckets[0]?.executionId).toBeUndefined();
    expect(timeline.buckets.at(-1)?.to).toBe(iso(tick(9)));
  });

  it('counts skipped ticks apart: dispatched, never on a page', async () => {
    await givenBackfill({ reprocess: 'MISSING' });
    const earlier = aStoredExecution({ id: 'live-1', tickMs: tick(1), state: 'SUCCESS' });
    await deps.executions.createIfAbsent(earlier);
    await dispatchBatch(deps, aRunInput());

    const buckets = (await backfillTimeline(deps, REF, 200)).buckets;

    expect(buckets.slice(0, 3).map(stateOf)).toEqual(['queued', 'skipped', 'queued']);
  });

  it("folds a window's many cells over several writes, at most a hundred cells each, and counts them all", async () => {
    withDispatch({ batchSize: 100, maxInFlight: 200 });
    await givenBackfill({ end: iso(tick(199)), totalTicks: 200 });
    await dispatchBatch(deps, aRunInput());
    await dispatchBatch(deps, aRunInput());
    // Both pages ended but for tick 199, so the backfill stays; one in ten failed.
    await ended(Array.from({ length: 199 }, (_, i) => i).filter((i) => i % 10 !== 0));
    await ended(
      Array.from({ length: 20 }, (_, i) => i * 10),
      true,
    );

    await dispatchBatch(deps, aRunInput()); // page 1 ended: its 100 cells in one write
    expect((await deps.triggers.get(REF))?.backfill?.openPages).toHaveLength(1);
    await ended([199]);
    const both = await backfillTimeline(deps, REF, 200);
    expect({ succeeded: sum(both.buckets, 'succeeded'), failed: sum(both.buckets, 'failed') }).toEqual({ succeeded: 180, failed: 20 });
    expect(both.buckets.every((b) => b.ticks === 1 && (b.succeeded === 1) !== (b.failed === 1))).toBe(true);
  });

  it('folds one page per write when two would span more than a hundred cells', async () => {
    withDispatch({ batchSize: 100, maxInFlight: 300 });
    await givenBackfill({ end: iso(tick(299)), totalTicks: 300 });
    for (let i = 0; i < 3; i++) await dispatchBatch(deps, aRunInput());
    await ended(Array.from({ length: 299 }, (_, i) => i));

    await dispatchBatch(deps, aRunInput()); // 300 ticks in 200 cells: each page spans 67 cells, two take more than 100

    expect((await deps.triggers.get(REF))?.backfill?.openPages).toHaveLength(2);
    await dispatchBatch(deps, aRunInput());
    expect((await deps.triggers.get(REF))?.backfill?.openPages).toHaveLength(1);
    const timeline = await backfillTimeline(deps, REF, 200);
    expect({ succeeded: sum(timeline.buckets, 'succeeded'), queued: sum(timeline.buckets, 'queued'), ticks: sum(timeline.buckets, 'ticks') }).toEqual({
      succeeded: 299,
      queued: 1,
      ticks: 300,
    });
  });

  it('drops the per-cell counts rather than miscount when one page spans more cells than a write takes: folded ticks show as ended', async () => {
    withDispatch({ batchSize: 150, maxInFlight: 150 });
    await givenBackfill({ end: iso(tick(159)), totalTicks: 160 });
    await dispatchBatch(deps, aRunInput());
    await ended(Array.from({ length: 150 }, (_, i) => i));

    await dispatchBatch(deps, aRunInput());

    const timeline = await backfillTimeline(deps, REF, 200);
    expect(timeline.split).toBe(false);
    expect(sum(timeline.buckets, 'ended')).toBe(150);
    expect(sum(timeline.buckets, 'queued') + sum(timeline.buckets, 'pending')).toBe(10);
    expect(sum(timeline.buckets, 'succeeded')).toBe(0);
  });

  it('reads the row again when a page it lists was folded and deleted meanwhile', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    await ended([0, 1, 2]);
    const stale = await deps.triggers.get(REF);
    await dispatchBatch(deps, aRunInput()); // folds the page, deletes it
    let reads = 0;
    const racing = {
      ...deps,
      triggers: { get: async (ref: TriggerRef) => (reads++ === 0 ? stale : deps.triggers.get(ref)) },
    };

    const buckets = (await backfillTimeline(racing, REF, 200)).buckets;

    expect(reads).toBe(2);
    expect(buckets.slice(0, 6).map(stateOf)).toEqual(['succeeded', 'succeeded', 'succeeded', 'queued', 'queued', 'queued']);
  });

  it('is a 404 naming the trigger without one, and says so without a backfill', async () => {
    await deps.flows.create(aFlow());
    await expect(backfillTimeline(deps, { ...REF, triggerId: 'nope' }, 200)).rejects.toThrow(TriggerNotFoundError);
    await expect(backfillTimeline(deps, REF, 200)).rejects.toThrow(TriggerNotFoundError);
    await deps.triggers.createIfAbsent(aTriggerState());
    await expect(backfillTimeline(deps, REF, 200)).rejects.toThrow(NoBackfillError);
  });

  it('of a backfill stored before timelines shows its folded ticks as ended, not split', async () => {
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.triggers.startBackfill(REF, aBackfill(), deps.clock.now().toISOString());
    await dispatchBatch(deps, aRunInput());
    await ended([0, 1, 2], true);
    await dispatchBatch(deps, aRunInput());

    const timeline = await backfillTimeline(deps, REF, 200);

    expect(timeline.split).toBe(false);
    expect(timeline.buckets.map(stateOf)).toEqual(['ended', 'ended', 'ended', 'queued', 'queued', 'queued', 'pending', 'pending', 'pending', 'pending']);
  });
});
