import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cancelBackfill } from '../../../lib/app/backfill-cancel';
import { pauseBackfill } from '../../../lib/app/backfill-control';
import { parkUntilResumed } from '../../../lib/app/backfill-run';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { executionLogs } from '../../../lib/app/execution-logs';
import { sweepStuck } from '../../../lib/app/stuck-executions';
import { createExecutionRunner } from '../../../lib/app/worker';
import { FlowNotFoundError, NoBackfillError } from '../../../lib/domain/errors';
import { SHELL_COMMANDS_TYPE, type ShellCommandsTask } from '../../../lib/domain/flow/model';
import { tickExecutionId } from '../../../lib/domain/ids';
import { ledgerPageId } from '../../../lib/domain/ledger';
import type { BackfillState, TriggerRef } from '../../../lib/domain/trigger-state';
import type { ExecutionMessage, ShellResult } from '../../../lib/ports';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aSettings, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const tick = (i: number) => T0 + i * HOUR;
const idOf = (i: number) => tickExecutionId('bf1', tick(i));
const BY = 'asked by a test';
const CANCELLED_BY = `backfill bf1 cancelled, ${BY}`;

const shellTask: ShellCommandsTask = { id: 'work', type: SHELL_COMMANDS_TYPE, runner: 'PROCESS', commands: ['sleep 600'], beforeCommands: [], env: {} };
const KILLED_RESULT: ShellResult = { ok: false, exitCode: null, timedOut: false, killed: true };

describe('cancelling a backfill', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies({
      settings: aSettings({ dispatch: { batchSize: 3, maxInFlight: 5, maxIterationsPerExecution: 10, throttleWaitSeconds: 7 } }),
    });
    await deps.flows.create(aFlow({ tasks: [shellTask] }));
    await deps.triggers.createIfAbsent(aTriggerState());
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  async function givenBackfill(overrides: Partial<BackfillState> = {}): Promise<void> {
    await deps.triggers.startBackfill(REF, aBackfill(overrides), deps.clock.now().toISOString());
  }

  const backfillNow = async () => (await deps.triggers.get(REF))?.backfill;
  const lastBackfill = async () => (await deps.triggers.get(REF))?.lastBackfill;
  const stateOf = async (i: number) => (await deps.executions.get(idOf(i)))?.execution.state.current;
  const historyOf = async (i: number) => (await deps.executions.get(idOf(i)))?.execution.state.histories.map((h) => h.state);
  const sentFor = (i: number): ExecutionMessage => {
    const message = deps.queue.sent.backfill.filter((m) => m.executionId === idOf(i)).at(-1);
    if (!message) throw new Error(`tick ${i} was not sent`);
    return message;
  };
  /** Delivers the messages of ticks `indices` to a worker, as the queue would. */
  const deliver = (...indices: number[]) => createExecutionRunner(deps).runExecutions(indices.map(sentFor));

  /**
   * Starts the execution of tick `i` in a worker whose task runs until `stop()`: then its runner
   * answers as a runner that saw the kill flag does (or, if no kill was asked, that the task succeeded).
   */
  async function startRunning(i: number): Promise<{ stop: () => Promise<void> }> {
    let release: (result: ShellResult) => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      deps.taskRunner.respond(
        () =>
          new Promise<ShellResult>((done) => {
            release = done;
            resolve();
          }),
      );
    });
    const running = deliver(i);
    await started;
    return {
      stop: async () => {
        const killAsked = await deps.executions.killRequestOf(idOf(i));
        release(killAsked ? KILLED_RESULT : { ok: true, exitCode: 0, timedOut: false });
        await running;
      },
    };
  }

  it('kills its queued executions at once and asks its running one to stop; it leaves the trigger CANCELLED when that one has stopped', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput()); // ticks 0, 1, 2
    deps.taskRunner.respond(() => ({ ok: true, exitCode: 0, timedOut: false }));
    await deliver(0); // ended SUCCESS before the cancel
    const running = await startRunning(1);
    deps.clock.advance(5000);

    const answer = await cancelBackfill(deps, REF, BY);

    // Tick 2, queued, never written: written KILLED with the line saying who asked; its slot marked killed.
    expect(await historyOf(2)).toEqual(['CREATED', 'KILLED']);
    expect((await executionLogs(deps, idOf(2))).map((l) => l.message)).toEqual([`Execution killed: ${CANCELLED_BY}, at 2026-03-01T12:00:05.000Z`]);
    // Tick 1 runs under its worker's lease: asked to stop, so the backfill is still there, being cancelled.
    expect(await deps.executions.killRequestOf(idOf(1))).toEqual({ at: '2026-03-01T12:00:05.000Z', by: CANCELLED_BY });
    expect(answer.backfill).toMatchObject({ id: 'bf1', cancelling: { at: '2026-03-01T12:00:05.000Z', by: CANCELLED_BY } });
    const [page] = deps.ledger.all();
    expect(page).toMatchObject({ ended: [0, 2], failed: [2], killed: [2] });

    // Its runner kills the task: the worker ends it KILLED, and its mark, the last, ends the backfill.
    await running.stop();

    expect(await stateOf(0)).toBe('SUCCESS');
    expect(await historyOf(1)).toEqual(['CREATED', 'RUNNING', 'KILLING', 'KILLED']);
    expect(await backfillNow()).toBeUndefined();
    expect(await lastBackfill()).toMatchObject({
      id: 'bf1',
      outcome: 'CANCELLED',
      counts: { total: 10, dispatched: 3, succeeded: 1, failed: 0, killed: 2, skipped: 0, unfinished: 0 },
    });
    expect((await lastBackfill())!.cancelledReason).toBeUndefined();
    // Nothing more is dispatched, and the state machine ends.
    expect((await dispatchBatch(deps, aRunInput())).status).toBe('GONE');
    expect(deps.queue.sentIds('backfill')).toHaveLength(3);
  });

  it('ends at once when nothing runs: a paused one gets its parked token back, its held executions are killed too', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    await pauseBackfill(deps, REF);
    await deliver(0, 1, 2); // a worker holds all three: the backfill is paused
    expect(deps.ledger.all()[0]?.held).toEqual([0, 1, 2]);
    expect(deps.taskRunner.runs).toEqual([]);
    await deps.triggers.storeTaskToken(REF, 'bf1', 'token-1');

    const answer = await cancelBackfill(deps, REF, BY);

    expect(answer.backfill).toBeUndefined();
    expect(answer.lastBackfill).toMatchObject({ outcome: 'CANCELLED', counts: { dispatched: 3, succeeded: 0, failed: 0, killed: 3, unfinished: 0 } });
    for (const i of [0, 1, 2]) expect(await historyOf(i)).toEqual(['CREATED', 'KILLED']);
    expect(deps.workflows.resumed).toEqual([{ taskToken: 'token-1', output: { resumedBy: 'cancel' } }]);
    expect(deps.taskRunner.runs).toEqual([]);
  });

  it('a state machine that parks after the cancel (it had seen the pause) hands its token back itself, so it ends', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    const running = await startRunning(0);
    await pauseBackfill(deps, REF);
    await cancelBackfill(deps, REF, BY); // still being cancelled: tick 0 runs
    expect(await backfillNow()).toMatchObject({ paused: true, cancelling: {} });

    expect(await parkUntilResumed(deps, { ...aRunInput(), taskToken: 'late-token' })).toEqual({ parked: false });
    expect(deps.workflows.resumed).toEqual([{ taskToken: 'late-token', output: { resumedBy: 'park' } }]);
    expect((await dispatchBatch(deps, aRunInput())).status).toBe('GONE');
    await running.stop();
    expect(await lastBackfill()).toMatchObject({ outcome: 'CANCELLED' });
  });

  it('a message taken after the cancel runs nothing; redelivered, it changes no count', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    await cancelBackfill(deps, REF, BY);
    const counts = (await lastBackfill())?.counts;

    await deliver(0, 1, 2);
    await deliver(0, 1, 2);

    expect(deps.taskRunner.runs).toEqual([]);
    for (const i of [0, 1, 2]) expect(await stateOf(i)).toBe('KILLED');
    expect((await lastBackfill())?.counts).toEqual(counts);
    expect(counts).toMatchObject({ dispatched: 3, killed: 3 });
  });

  it('a worker that reads the cancel writes the execution it takes KILLED, before the cancel reaches its slot', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    // Recorded, and nothing else yet (the request is still on its way, or died here).
    await deps.triggers.markBackfillCancelling(REF, 'bf1', { at: '2026-03-01T12:00:00.000Z', by: CANCELLED_BY }, deps.clock.now().toISOString());

    await deliver(0);

    expect(deps.taskRunner.runs).toEqual([]);
    expect(await historyOf(0)).toEqual(['CREATED', 'KILLED']);
    expect((await executionLogs(deps, idOf(0))).map((l) => l.message)).toEqual([`Execution killed: ${CANCELLED_BY}, at 2026-03-01T12:00:00.000Z`]);
    expect(deps.ledger.all()[0]).toMatchObject({ ended: [0], killed: [0] });
    expect(await backfillNow()).toMatchObject({ cancelling: {} });
  });

  it('a worker that reads the backfill ended CANCELLED kills a late message of it too', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    // Ended CANCELLED by another route (the executions were never written: its flow was gone, say).
    await deps.triggers.markBackfillCancelling(REF, 'bf1', { at: '2026-03-01T12:00:00.000Z', by: CANCELLED_BY }, deps.clock.now().toISOString());
    await deps.triggers.finishBackfill(REF, 'bf1', 'CANCELLED', '2026-03-01T12:00:01.000Z');

    await deliver(1);

    expect(deps.taskRunner.runs).toEqual([]);
    expect(await stateOf(1)).toBe('KILLED');
  });

  it('a cancel that died halfway is finished by the same call again, killing each execution once', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    const createIfAbsent = deps.executions.createIfAbsent.bind(deps.executions);
    let writes = 0;
    vi.spyOn(deps.executions, 'createIfAbsent').mockImplementation(async (stored) => {
      if (++writes === 2) throw new Error('DynamoDB: throttled');
      return createIfAbsent(stored);
    });

    await expect(cancelBackfill(deps, REF, BY)).rejects.toThrow('throttled');
    expect(await backfillNow()).toMatchObject({ cancelling: { by: CANCELLED_BY } });
    deps.clock.advance(60_000);
    const answer = await cancelBackfill(deps, REF, 'asked again');

    expect(answer.backfill).toBeUndefined();
    expect(answer.lastBackfill).toMatchObject({ outcome: 'CANCELLED', counts: { dispatched: 3, killed: 3, unfinished: 0 } });
    for (const i of [0, 1, 2]) {
      expect(await historyOf(i)).toEqual(['CREATED', 'KILLED']);
      // The first cancel's time and words stand.
      expect((await deps.executions.get(idOf(i)))?.killed).toEqual({ at: '2026-03-01T12:00:00.000Z', by: CANCELLED_BY });
    }
  });

  it('dispatch finds a cancel left halfway, carries it on, sends nothing and ends (GONE)', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    await deps.triggers.markBackfillCancelling(REF, 'bf1', { at: '2026-03-01T12:00:00.000Z', by: CANCELLED_BY }, deps.clock.now().toISOString());

    const out = await dispatchBatch(deps, aRunInput());

    expect(out.status).toBe('GONE');
    expect(deps.queue.sentIds('backfill')).toHaveLength(3);
    for (const i of [0, 1, 2]) expect(await stateOf(i)).toBe('KILLED');
    expect(await lastBackfill()).toMatchObject({ outcome: 'CANCELLED', counts: { killed: 3 } });
  });

  it('the sweep finds a cancel left halfway and carries it on, sending nothing again', async () => {
    await givenBackfill();
    await dispatchBatch(deps, aRunInput());
    await deps.triggers.markBackfillCancelling(REF, 'bf1', { at: '2026-03-01T12:00:00.000Z', by: CANCELLED_BY }, deps.clock.now().toISOString());
    deps.clock.advance(3_600_000);

    const report = await sweepStuck(deps, { staleAfterMs: 60_000 });

    expect(report).toMatchObject({ cancelsCarriedOn: 1, resent: 0 });
    expect(deps.queue.sentIds('backfill')).toHaveLength(3);
    for (const i of [0, 1, 2]) expect(await stateOf(i)).toBe('KILLED');
    expect(await lastBackfill()).toMatchObject({ outcome: 'CANCELLED' });
  });

  describe('a dispatch that read the backfill before the cancel', () => {
    it('sent its batch first: the batch is killed, its page never joins the backfill, and no execution of it runs', async () => {
      await givenBackfill();
      const advance = deps.triggers.advanceBackfill.bind(deps.triggers);
      // The cancel lands between dispatch sending the batch and moving the cursor.
      const racing = {
        ...deps,
        triggers: Object.assign(Object.create(deps.triggers), {
          advanceBackfill: async (...args: Parameters<typeof advance>) => {
            await cancelBackfill(deps, REF, BY);
            return advance(...args);
          },
        }),
      };

      await dispatchBatch(racing, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([idOf(0), idOf(1), idOf(2)]);
      for (const i of [0, 1, 2]) expect(await stateOf(i)).toBe('KILLED');
      expect(await backfillNow()).toBeUndefined();
      expect(await lastBackfill()).toMatchObject({ outcome: 'CANCELLED', counts: { dispatched: 0 } });
      await deliver(0, 1, 2);
      expect(deps.taskRunner.runs).toEqual([]);
    });

    it('had not sent it yet: the cancel closed the page at the cursor, so it sends nothing', async () => {
      await givenBackfill();
      const get = deps.flows.get.bind(deps.flows);
      let cancelled = false;
      // The cancel lands just after dispatch read the backfill (its next read is the flow's).
      const racing = {
        ...deps,
        flows: Object.assign(Object.create(deps.flows), {
          get: async (...args: Parameters<typeof get>) => {
            if (!cancelled) {
              cancelled = true;
              await cancelBackfill(deps, REF, BY);
            }
            return get(...args);
          },
        }),
      };

      await dispatchBatch(racing, aRunInput());

      expect(deps.queue.sentIds('backfill')).toEqual([]);
      expect(await deps.executions.get(idOf(0))).toBeUndefined();
      expect(await lastBackfill()).toMatchObject({ outcome: 'CANCELLED', counts: { dispatched: 0, killed: 0 } });
      expect(deps.ledger.all()).toEqual([
        { id: ledgerPageId('bf1', tick(0)), backfillId: 'bf1', ticks: [], sentAt: '2026-03-01T12:00:00.000Z', ended: [], failed: [] },
      ]);
    });

    it('newest first, closes the page of the newest tick not dispatched yet: where the next batch would go', async () => {
      await givenBackfill({ order: 'NEWEST_FIRST' });
      await dispatchBatch(deps, aRunInput()); // ticks 9, 8, 7: the cursor is now below tick 7
      expect(deps.queue.sentIds('backfill')).toEqual([idOf(9), idOf(8), idOf(7)]);

      await cancelBackfill(deps, REF, BY);

      const pages = deps.ledger.all();
      expect(pages.find((page) => page.id === ledgerPageId('bf1', tick(6)))).toMatchObject({ ticks: [] });
      expect(pages.map((page) => page.id)).not.toContain(ledgerPageId('bf1', tick(7)));
    });
  });

  it('answers No backfill found without one, and names an unknown flow; nothing changes', async () => {
    await expect(cancelBackfill(deps, REF, BY)).rejects.toBeInstanceOf(NoBackfillError);
    await expect(cancelBackfill(deps, { ...REF, flowId: 'nope' }, BY)).rejects.toBeInstanceOf(FlowNotFoundError);
    expect(await deps.triggers.get(REF)).toEqual(aTriggerState());
  });
});
