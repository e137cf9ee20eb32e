import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { unpauseBackfill } from '../../../lib/app/backfill-control';
import { previewBackfill } from '../../../lib/app/backfills';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { tickExecutionId } from '../../../lib/domain/ids';
import type { FailurePolicy } from '../../../lib/domain/failure-policy';
import type { BackfillState, TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aBackfillRequest, aFlow, aRunInput, aSettings, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const tick = (i: number) => T0 + i * HOUR;
const idOf = (i: number) => tickExecutionId('bf1', tick(i));

describe('dispatch and the failure policy', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies({
      settings: aSettings({ dispatch: { batchSize: 3, maxInFlight: 5, maxIterationsPerExecution: 10, throttleWaitSeconds: 7 } }),
    });
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  async function givenBackfill(failurePolicy: FailurePolicy, overrides: Partial<BackfillState> = {}): Promise<void> {
    await deps.triggers.startBackfill(REF, aBackfill({ failurePolicy, ...overrides }), deps.clock.now().toISOString());
  }
  const backfillNow = async () => (await deps.triggers.get(REF))?.backfill;

  /** What a worker does once tick `i`'s execution ended in `state`: it marks its ledger slot. */
  async function ended(indices: number[], state: 'SUCCESS' | 'FAILED' | 'KILLED'): Promise<void> {
    await deps.ledger.markEnded(
      indices.map((i) => {
        const page = deps.queue.sent.backfill.find((m) => m.executionId === idOf(i))?.created?.origin.page;
        if (!page) throw new Error(`tick ${i} was not sent`);
        return { pageId: page.id, slot: page.slot, failed: state !== 'SUCCESS', ...(state === 'KILLED' ? { killed: true } : {}) };
      }),
    );
  }

  it('pauses the backfill once its FAILED executions exceed maxFailures, saying why, and sends nothing more', async () => {
    await givenBackfill({ maxFailures: 1, action: 'PAUSE' });
    await dispatchBatch(deps, aRunInput()); // ticks 0, 1, 2
    await ended([0], 'FAILED');
    expect((await dispatchBatch(deps, aRunInput())).status).not.toBe('PAUSED'); // 1 tolerated
    await ended([1], 'FAILED');
    deps.clock.advance(1000);

    const out = await dispatchBatch(deps, aRunInput());

    expect(out.status).toBe('PAUSED');
    expect(await backfillNow()).toMatchObject({
      paused: true,
      pausedReason: { kind: 'FAILURE_POLICY', failed: 2, threshold: 1, at: '2026-03-01T12:00:01.000Z' },
    });
    const sent = deps.queue.sentIds('backfill').length;
    expect((await dispatchBatch(deps, aRunInput())).status).toBe('PAUSED');
    expect(deps.queue.sentIds('backfill')).toHaveLength(sent);
  });

  it('counts FAILED executions only: KILLED ones and successes do not trip it', async () => {
    await givenBackfill({ maxFailures: 0, action: 'PAUSE' });
    await dispatchBatch(deps, aRunInput());
    await ended([0, 1], 'KILLED');
    await ended([2], 'SUCCESS');

    expect((await dispatchBatch(deps, aRunInput())).status).toBe('DISPATCHED');
    expect((await backfillNow())!.paused).toBe(false);
  });

  it("counts folded pages' failures with the open pages'", async () => {
    await givenBackfill({ maxFailures: 1, action: 'PAUSE' });
    await dispatchBatch(deps, aRunInput());
    await ended([0, 1], 'SUCCESS');
    await ended([2], 'FAILED');
    await dispatchBatch(deps, aRunInput()); // folds the first page, sends ticks 3, 4, 5
    expect((await backfillNow())!.openPages).toHaveLength(1);
    await ended([3], 'FAILED');

    expect((await dispatchBatch(deps, aRunInput())).status).toBe('PAUSED');
    expect((await backfillNow())!.pausedReason).toMatchObject({ failed: 2, threshold: 1 });
  });

  it("reads maxFailurePercent as a share of the window's ticks, rounded down, and applies the lower threshold of the two", async () => {
    // 25% of 10 ticks tolerates 2 (2.5 rounded down); maxFailures 5 is the higher.
    await givenBackfill({ maxFailures: 5, maxFailurePercent: 25, action: 'PAUSE' });
    await dispatchBatch(deps, aRunInput());
    await ended([0, 1], 'FAILED');
    expect((await dispatchBatch(deps, aRunInput())).status).toBe('DISPATCHED');
    await ended([2], 'FAILED');

    expect((await dispatchBatch(deps, aRunInput())).status).toBe('PAUSED');
    expect((await backfillNow())!.pausedReason).toMatchObject({ failed: 3, threshold: 2 });
  });

  it('resume continues: the failures it paused for no longer count, new ones do', async () => {
    await givenBackfill({ maxFailures: 1, action: 'PAUSE' });
    await dispatchBatch(deps, aRunInput());
    await ended([0, 1], 'FAILED');
    expect((await dispatchBatch(deps, aRunInput())).status).toBe('PAUSED');

    const resumed = await unpauseBackfill(deps, REF);
    expect(resumed.backfill!.pausedReason).toBeUndefined();
    // Tick 2, in flight at the pause, fails after it: it counts with those the pause was for.
    await ended([2], 'FAILED');

    expect((await dispatchBatch(deps, aRunInput())).status).toBe('DISPATCHED');
    expect(await backfillNow()).toMatchObject({ failureBaseline: 3, paused: false });
    expect((await backfillNow())!.rebaseFailures).toBeUndefined();
    await ended([3], 'FAILED');
    expect((await dispatchBatch(deps, aRunInput())).status).not.toBe('PAUSED');
    await ended([4], 'FAILED');

    expect((await dispatchBatch(deps, aRunInput())).status).toBe('PAUSED');
    expect((await backfillNow())!.pausedReason).toMatchObject({ failed: 2, threshold: 1 });
  });

  it('a resume after a pause asked by hand does not forgive any failure', async () => {
    await givenBackfill({ maxFailures: 1, action: 'PAUSE' });
    await dispatchBatch(deps, aRunInput());
    await ended([0], 'FAILED');
    await deps.triggers.setBackfillPaused(REF, 'bf1', true, deps.clock.now().toISOString());
    await unpauseBackfill(deps, REF);
    await dispatchBatch(deps, aRunInput());
    await ended([1], 'FAILED');

    expect((await dispatchBatch(deps, aRunInput())).status).toBe('PAUSED');
    expect((await backfillNow())!.failureBaseline).toBeUndefined();
  });

  it('CANCEL: the backfill is cancelled, its queued executions killed, and its summary says why', async () => {
    await givenBackfill({ maxFailures: 0, action: 'CANCEL' });
    await dispatchBatch(deps, aRunInput());
    await ended([0], 'FAILED');

    const out = await dispatchBatch(deps, aRunInput());

    expect(out.status).toBe('GONE');
    expect(await backfillNow()).toBeUndefined();
    const reason = { kind: 'FAILURE_POLICY', failed: 1, threshold: 0, at: '2026-03-01T12:00:00.000Z' };
    expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({
      outcome: 'CANCELLED',
      cancelledReason: reason,
      counts: { dispatched: 3, failed: 1, killed: 2, succeeded: 0, unfinished: 0 },
    });
    for (const i of [1, 2]) {
      const killed = await deps.executions.get(idOf(i));
      expect(killed?.execution.state.current).toBe('KILLED');
      expect(killed?.killed?.by).toBe('backfill bf1 cancelled by its failure policy (1 execution FAILED, more than the 0 its failure policy tolerates)');
    }
  });

  it('does not trip once every execution ended: the backfill completes', async () => {
    await givenBackfill({ maxFailures: 0, action: 'CANCEL' }, { start: '2026-02-01T07:00:00Z', totalTicks: 3 });
    await dispatchBatch(deps, aRunInput()); // ticks 7, 8, 9: all of them
    await deps.ledger.markEnded(deps.ledger.all()[0]!.ticks.map((_, slot) => ({ pageId: deps.ledger.all()[0]!.id, slot, failed: true })));

    expect((await dispatchBatch(deps, aRunInput())).status).toBe('DONE');
    expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ outcome: 'COMPLETED', counts: { failed: 3 } });
  });

  it('the dry run echoes the policy and how many failures it tolerates over the window', async () => {
    const preview = await previewBackfill(deps, aBackfillRequest({ failurePolicy: { maxFailurePercent: 25, action: 'PAUSE' } }));
    expect(preview.failurePolicy).toEqual({ maxFailurePercent: 25, action: 'PAUSE', tolerated: 2 });
    expect((await previewBackfill(deps, aBackfillRequest())).failurePolicy).toBeUndefined();
  });
});
