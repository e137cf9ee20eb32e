import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchRound } from '../../../lib/app/dispatch-round';
import { tickExecutionId } from '../../../lib/domain/ids';
import type { BackfillState, TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aSettings, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const idOf = (i: number) => tickExecutionId('bf1', T0 + i * HOUR);
const ids = (...indexes: number[]) => indexes.map(idOf);

/** Ten hourly ticks, batches of 3, at most 6 unfinished; a wait of 1 s polled every 250 ms, rounds of 60 s. */
const DISPATCH = {
  batchSize: 3,
  maxInFlight: 6,
  maxIterationsPerExecution: 10,
  throttleWaitSeconds: 7,
  roundSeconds: 60,
  roundWaitSeconds: 1,
  roundPollMs: 250,
};

describe('dispatchRound', () => {
  let deps: InMemoryDependencies;
  let slept: number[];

  beforeEach(async () => {
    deps = inMemoryDependencies({ settings: aSettings({ dispatch: DISPATCH }) });
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
    slept = [];
    // The manual clock's sleep: time passes without waiting; each wait is recorded.
    const sleep = deps.sleep;
    deps.sleep = async (ms) => {
      slept.push(ms);
      await sleep(ms);
    };
  });

  async function givenBackfill(overrides: Partial<BackfillState> = {}): Promise<void> {
    await deps.triggers.startBackfill(REF, aBackfill(overrides), deps.clock.now().toISOString());
  }
  const backfillNow = async () => (await deps.triggers.get(REF))?.backfill;
  /** What the worker does once these ticks' executions ended: it marks their ledger slots. */
  const finish = (...indexes: number[]) =>
    deps.ledger.markEnded(
      indexes.map((i) => {
        const page = deps.queue.sent.backfill.find((m) => m.executionId === idOf(i))?.created?.origin.page;
        if (!page) throw new Error(`tick ${i} was not sent`);
        return { pageId: page.id, slot: page.slot, failed: false };
      }),
    );

  it('dispatches batches while there is room, then waits for room, and hands the wait over once its budget is spent', async () => {
    await givenBackfill();

    const out = await dispatchRound(deps, aRunInput({ iteration: 2 }));

    // Two batches fill maxInFlight; four polls of 250 ms find no room; THROTTLED goes back to the state machine.
    expect(out).toMatchObject({ status: 'THROTTLED', waitSeconds: 7, iteration: 3, dispatched: 6 });
    expect(deps.queue.sentIds('backfill')).toEqual(ids(0, 1, 2, 3, 4, 5));
    expect(slept).toEqual([250, 250, 250, 250]);
    expect(deps.clock.now().toISOString()).toBe('2026-03-01T12:00:01.000Z');
    expect((await backfillNow())!.cursorMs).toBe(T0 + 5 * HOUR + 1);
  });

  it('carries on dispatching in the same invocation when room opens while it waits, to the end of the backfill', async () => {
    await givenBackfill();
    // Executions end while the round waits: the first three after its first poll, all of them later.
    const sleep = deps.sleep;
    deps.sleep = async (ms) => {
      await sleep(ms);
      if (slept.length === 1) await finish(0, 1, 2);
      if (slept.length === 2) await finish(3, 4, 5);
      if (slept.length === 3) await finish(6, 7, 8, 9);
    };

    const out = await dispatchRound(deps, aRunInput());

    // Every tick went out in one invocation, and the completed backfill comes back as DONE.
    expect(out).toMatchObject({ status: 'DONE', iteration: 1, dispatched: 10 });
    expect(deps.queue.sentIds('backfill')).toEqual(ids(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    expect(slept).toEqual([250, 250, 250]);
    expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ id: 'bf1', outcome: 'COMPLETED' });
  });

  it('restarts its wait budget after every batch', async () => {
    await givenBackfill();
    // Room opens on the last poll of each wait, never sooner.
    const sleep = deps.sleep;
    deps.sleep = async (ms) => {
      await sleep(ms);
      if (slept.length === 4) await finish(0, 1, 2);
      if (slept.length === 8) await finish(3, 4, 5);
    };

    const out = await dispatchRound(deps, aRunInput());

    expect(out).toMatchObject({ status: 'THROTTLED', dispatched: 10 });
    expect(deps.queue.sentIds('backfill')).toEqual(ids(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    expect(slept).toHaveLength(12);
  });

  it('returns PAUSED at once when the backfill is paused between two batches, dispatching nothing more', async () => {
    deps.settings = aSettings({ dispatch: { ...DISPATCH, maxInFlight: 100 } });
    await givenBackfill();
    // The pause lands while the first batch is being written.
    const advance = deps.triggers.advanceBackfill.bind(deps.triggers);
    vi.spyOn(deps.triggers, 'advanceBackfill').mockImplementationOnce(async (...args) => {
      const moved = await advance(...args);
      await deps.triggers.setBackfillPaused(REF, 'bf1', true, deps.clock.now().toISOString());
      return moved;
    });

    const out = await dispatchRound(deps, aRunInput());

    expect(out).toMatchObject({ status: 'PAUSED', iteration: 1, dispatched: 3 });
    expect(deps.queue.sentIds('backfill')).toEqual(ids(0, 1, 2));
    expect(slept).toEqual([]);
  });

  it('notices a pause while it waits for room within one poll', async () => {
    await givenBackfill();
    const sleep = deps.sleep;
    deps.sleep = async (ms) => {
      await sleep(ms);
      if (slept.length === 1) await deps.triggers.setBackfillPaused(REF, 'bf1', true, deps.clock.now().toISOString());
    };

    const out = await dispatchRound(deps, aRunInput());

    expect(out.status).toBe('PAUSED');
    expect(slept).toEqual([250]);
  });

  it('returns GONE at once when the backfill is deleted while it waits', async () => {
    await givenBackfill();
    const sleep = deps.sleep;
    deps.sleep = async (ms) => {
      await sleep(ms);
      await deps.triggers.finishBackfill(REF, 'bf1', 'DELETED', deps.clock.now().toISOString());
    };

    expect((await dispatchRound(deps, aRunInput())).status).toBe('GONE');
    expect(slept).toEqual([250]);
  });

  it('hands over to a new execution before any batch once the execution ran maxIterationsPerExecution rounds', async () => {
    await givenBackfill();

    const out = await dispatchRound(deps, aRunInput({ iteration: 10, generation: 1 }));

    expect(out).toMatchObject({ status: 'CONTINUE_AS_NEW', generation: 1, iteration: 11 });
    expect(deps.queue.sentIds('backfill')).toEqual([]);
  });

  it('ends the round with the last status once roundSeconds have passed', async () => {
    deps.settings = aSettings({ dispatch: { ...DISPATCH, maxInFlight: 100, roundSeconds: 50 } });
    await givenBackfill();
    // Each batch takes 20 s of the clock.
    const createMany = deps.executions.createMany.bind(deps.executions);
    vi.spyOn(deps.executions, 'createMany').mockImplementation(async (items) => {
      deps.clock.advance(20_000);
      return createMany(items);
    });

    const out = await dispatchRound(deps, aRunInput());

    // 20 s, 40 s, 60 s: the third batch ends past the 50 s round, and the state machine loops at once.
    expect(out).toMatchObject({ status: 'DISPATCHED', waitSeconds: 0, iteration: 1, dispatched: 9 });
    expect(deps.queue.sentIds('backfill')).toEqual(ids(0, 1, 2, 3, 4, 5, 6, 7, 8));
  });

  it("starts no batch and no wait once the caller's time is up (the Lambda's, or the local runtime closing)", async () => {
    deps.settings = aSettings({ dispatch: { ...DISPATCH, maxInFlight: 100 } });
    await givenBackfill();
    let remaining = 60_000;
    const createMany = deps.executions.createMany.bind(deps.executions);
    vi.spyOn(deps.executions, 'createMany').mockImplementation(async (items) => {
      remaining = 0;
      return createMany(items);
    });

    const out = await dispatchRound(deps, aRunInput(), { remainingMs: () => remaining });

    expect(out).toMatchObject({ status: 'DISPATCHED', dispatched: 3 });
    expect(deps.queue.sentIds('backfill')).toEqual(ids(0, 1, 2));
  });

  it('ends a wait on its count of polls even when the clock stands still', async () => {
    await givenBackfill();
    // A sleep that lets no time pass on the clock (the local runtime's real timer beside a test's manual clock).
    deps.sleep = async (ms) => void slept.push(ms);

    const out = await dispatchRound(deps, aRunInput());

    expect(out.status).toBe('THROTTLED');
    expect(slept).toEqual([250, 250, 250, 250]);
  });

  it('lets an error through, so that the state machine retries the invocation, and a retry sends no tick under two pages', async () => {
    deps.settings = aSettings({ dispatch: { ...DISPATCH, maxInFlight: 100 } });
    await givenBackfill();
    const advance = deps.triggers.advanceBackfill.bind(deps.triggers);
    let calls = 0;
    vi.spyOn(deps.triggers, 'advanceBackfill').mockImplementation(async (...args) => {
      if (++calls === 2) throw new Error('throttled by DynamoDB');
      return advance(...args);
    });

    await expect(dispatchRound(deps, aRunInput())).rejects.toThrow('throttled by DynamoDB');
    expect((await backfillNow())!.dispatched).toBe(3);

    // Retried: every tick once, the second batch sent again from its ledger page (none of it had ended).
    const out = await dispatchRound(deps, aRunInput());
    expect(out).toMatchObject({ status: 'THROTTLED', iteration: 1, dispatched: 10 });
    expect(deps.queue.sentIds('backfill')).toEqual(ids(0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 9));
    expect(deps.ledger.all().map((page) => page.ticks.length)).toEqual([3, 3, 3, 1]);
    expect((await backfillNow())!).toMatchObject({ dispatched: 10, openPages: deps.ledger.all().map((page) => page.id) });
  });
});
