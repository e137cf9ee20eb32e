/**
 * `progress.rate` and `progress.eta` from end to end over the fakes, with a manual clock: dispatch
 * samples the ended count within the row writes it makes anyway, the view divides.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { pauseBackfill, unpauseBackfill } from '../../../lib/app/backfill-control';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { triggerView } from '../../../lib/app/trigger-view';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aSettings, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const T0 = Date.parse('2026-03-01T12:00:00Z');
const seconds = (s: number) => T0 + s * 1000;

describe("a backfill's rate and ETA", () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    // Batches of 2, at most 4 in flight: ten ticks take five batches.
    deps = inMemoryDependencies({
      settings: aSettings({ dispatch: { batchSize: 2, maxInFlight: 4, maxIterationsPerExecution: 100, throttleWaitSeconds: 1 } }),
    });
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.triggers.startBackfill(REF, aBackfill({ rateSamples: [{ atMs: T0, ended: 0 }] }), deps.clock.now().toISOString());
  });

  const backfillNow = async () => (await deps.triggers.get(REF))!.backfill!;
  const progress = async () => (await triggerView(deps, (await deps.triggers.get(REF))!)).backfill!.progress;

  /** What the workers do: every execution sent and not ended yet ends now. */
  async function endEverythingSent(): Promise<void> {
    const marks = deps.queue.sent.backfill.flatMap((m) =>
      m.created?.origin.page ? [{ pageId: m.created.origin.page.id, slot: m.created.origin.page.slot, failed: false }] : [],
    );
    await deps.ledger.markEnded(marks);
  }

  it('has no rate for the first 30 s, then the pace since the start, and an ETA for what is left', async () => {
    await dispatchBatch(deps, aRunInput());
    await dispatchBatch(deps, aRunInput());
    deps.clock.set(new Date(seconds(20)));
    await endEverythingSent();
    expect(await progress()).toMatchObject({ rate: null, eta: null });

    deps.clock.set(new Date(seconds(30)));
    // 4 of 10 ended in 30 s: 8 a minute, the 6 left in 45 s.
    expect(await progress()).toMatchObject({ rate: 8, eta: new Date(seconds(75)).toISOString() });
  });

  it('takes at most one sample a minute, within the fold or cursor move dispatch makes anyway, with the count it just read', async () => {
    const fold = vi.spyOn(deps.triggers, 'foldPages');
    const advance = vi.spyOn(deps.triggers, 'advanceBackfill');
    await dispatchBatch(deps, aRunInput());
    await dispatchBatch(deps, aRunInput());
    deps.clock.set(new Date(seconds(59)));
    await endEverythingSent();
    await dispatchBatch(deps, aRunInput());
    // Not a minute yet: the fold and the cursor move carried none.
    expect((await backfillNow()).rateSamples).toEqual([{ atMs: T0, ended: 0 }]);

    deps.clock.set(new Date(seconds(61)));
    await endEverythingSent();
    await dispatchBatch(deps, aRunInput());
    // The fold took it (6 ended: 4 folded before, 2 on the page it folds now); the cursor move after it took none.
    expect((await backfillNow()).rateSamples).toEqual([
      { atMs: T0, ended: 0 },
      { atMs: seconds(61), ended: 6 },
    ]);
    expect(fold.mock.calls.at(-1)?.[3]?.rateSamples).toEqual([
      { atMs: T0, ended: 0 },
      { atMs: seconds(61), ended: 6 },
    ]);
    expect(advance.mock.calls.at(-1)?.[3].rateSamples).toBeUndefined();

    // Another minute on, with nothing to fold: the cursor move takes it.
    deps.clock.set(new Date(seconds(125)));
    await dispatchBatch(deps, aRunInput());
    expect(advance.mock.calls.at(-1)?.[3].rateSamples?.at(-1)).toEqual({ atMs: seconds(125), ended: 6 });
  });

  it('has no rate while paused, and after a resume measures from the first sample dispatch takes then', async () => {
    await dispatchBatch(deps, aRunInput());
    deps.clock.set(new Date(seconds(60)));
    await endEverythingSent();
    await dispatchBatch(deps, aRunInput());
    deps.clock.set(new Date(seconds(90)));
    // 2 ended since the start's sample, 90 s ago.
    expect((await progress()).rate).toBe(1.33);

    await pauseBackfill(deps, REF);
    expect(await progress()).toMatchObject({ rate: null, eta: null });
    // Ten minutes paused, which must not count in the rate.
    deps.clock.set(new Date(seconds(690)));
    await unpauseBackfill(deps, REF);
    expect((await backfillNow()).rateSamples).toEqual([]);
    expect((await progress()).rate).toBeNull();

    await endEverythingSent();
    await dispatchBatch(deps, aRunInput());
    expect((await backfillNow()).rateSamples).toEqual([{ atMs: seconds(690), ended: 4 }]);
    deps.clock.set(new Date(seconds(710)));
    await endEverythingSent();
    expect((await progress()).rate).toBeNull();
    deps.clock.set(new Date(seconds(720)));
    // 2 more ended in the 30 s since the resume's sample: 4 a minute, the 4 left in a minute.
    expect(await progress()).toMatchObject({ rate: 4, eta: new Date(seconds(780)).toISOString() });
  });
});
