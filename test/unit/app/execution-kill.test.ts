import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { executionLogs } from '../../../lib/app/execution-logs';
import { killExecution } from '../../../lib/app/execution-kill';
import { failUnrunnable, sweepStuck } from '../../../lib/app/stuck-executions';
import { createExecutionRunner } from '../../../lib/app/worker';
import { ExecutionNotFoundError, ExecutionStateConflictError } from '../../../lib/domain/errors';
import { SHELL_COMMANDS_TYPE, type ShellCommandsTask } from '../../../lib/domain/flow/model';
import { tickExecutionId } from '../../../lib/domain/ids';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aStoredExecution, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const TICK = Date.parse('2026-02-01T00:00:00Z');
const BY = 'asked by a test';

const shellTask = (id: string): ShellCommandsTask => ({
  id,
  type: SHELL_COMMANDS_TYPE,
  runner: 'PROCESS',
  commands: [`echo ${id}`],
  beforeCommands: [],
  env: {},
});
const KILLED_RESULT = { ok: false, exitCode: null, timedOut: false, killed: true };

describe('killing an execution', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.flows.create(aFlow({ tasks: [shellTask('first'), shellTask('second')] }));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const stored = async (id = 'e1') => (await deps.executions.get(id))!;
  const historyOf = async (id = 'e1') => (await stored(id)).execution.state.histories.map((h) => h.state);
  const messages = async (id = 'e1') => (await executionLogs(deps, id)).map((l) => l.message);
  const run = (...ids: string[]) => createExecutionRunner(deps).runExecutions(ids.map((executionId) => ({ executionId })));

  it('ends a queued execution KILLED at once, with a line saying who asked; its message, taken later, runs nothing', async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1' }));

    const killed = await killExecution(deps, 'e1', BY);

    expect(killed.outcome).toBe('KILLED');
    expect(killed.execution.state.current).toBe('KILLED');
    expect(await historyOf()).toEqual(['CREATED', 'KILLED']);
    expect(await messages()).toEqual([`Execution killed: ${BY}, at 2026-03-01T12:00:00.000Z`]);
    await run('e1');
    expect(deps.taskRunner.runs).toEqual([]);
    expect((await stored()).execution.state.current).toBe('KILLED');
  });

  it('answers 409 for an ended execution, naming its state, and 404 for an unknown one, naming it; nothing changes', async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'SUCCESS' }));

    await expect(killExecution(deps, 'e1', BY)).rejects.toThrow(
      new ExecutionStateConflictError('Execution e1 already ended SUCCESS: there is nothing to kill'),
    );
    await expect(killExecution(deps, 'nope', BY)).rejects.toThrow(new ExecutionNotFoundError('Execution nope not found'));
    expect((await stored()).execution.state.current).toBe('SUCCESS');
    expect(await messages()).toEqual([]);
  });

  describe('while its worker runs it', () => {
    it('stops the task its runner runs: the task and the execution end KILLED (RUNNING, KILLING, KILLED), the next task never starts', async () => {
      let answer: Awaited<ReturnType<typeof killExecution>> | undefined;
      deps.taskRunner.respond(async (shellRun) => {
        // The API's kill arrives while the task runs; the runner sees the flag and kills its processes.
        deps.clock.advance(2000);
        answer = await killExecution(deps, 'e1', BY);
        deps.clock.advance(1000);
        shellRun.log('ERROR', 'Task killed: its execution was killed');
        return KILLED_RESULT;
      });
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1' }));

      await run('e1');

      expect(answer?.outcome).toBe('KILLING');
      expect(answer?.execution.state.current).toBe('KILLING');
      expect(deps.taskRunner.runs.map((r) => r.executionId)).toEqual(['e1']);
      const { execution } = await stored();
      expect(execution.state.histories).toEqual([
        { state: 'CREATED', date: '2026-03-01T12:00:00.000Z' },
        { state: 'RUNNING', date: '2026-03-01T12:00:00.000Z' },
        { state: 'KILLING', date: '2026-03-01T12:00:02.000Z' },
        { state: 'KILLED', date: '2026-03-01T12:00:03.000Z' },
      ]);
      expect(execution.taskRunList.map((t) => [t.taskId, t.state.current])).toEqual([['first', 'KILLED']]);
      expect(await messages()).toEqual(['Task killed: its execution was killed', `Execution killed: ${BY}, at 2026-03-01T12:00:02.000Z`]);
    });

    it('starts no further task once killed between two: its save before the next is refused', async () => {
      deps.taskRunner.respond(async () => {
        await killExecution(deps, 'e1', BY);
        return { ok: true, exitCode: 0, timedOut: false };
      });
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1' }));

      await run('e1');

      expect(deps.taskRunner.runs).toHaveLength(1);
      expect((await stored()).execution.taskRunList.map((t) => [t.taskId, t.state.current])).toEqual([['first', 'SUCCESS']]);
      expect(await historyOf()).toEqual(['CREATED', 'RUNNING', 'KILLING', 'KILLED']);
    });

    it('does not believe a runner that says its task was killed when no kill was asked (a task can forge its answer): FAILED', async () => {
      deps.taskRunner.respond(() => KILLED_RESULT);
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1' }));

      await run('e1');

      expect((await stored()).execution.state.current).toBe('FAILED');
    });

    it('runs nothing again for a redelivered message once killed', async () => {
      deps.taskRunner.respond(async () => {
        await killExecution(deps, 'e1', BY);
        return KILLED_RESULT;
      });
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1' }));
      await run('e1');

      const again = await run('e1');

      expect(again).toEqual([{ status: 'fulfilled', value: { outcome: 'DONE' } }]);
      expect(deps.taskRunner.runs).toHaveLength(1);
      expect((await stored()).execution.state.current).toBe('KILLED');
    });
  });

  describe('when its worker died after the kill was asked', () => {
    /** e1 RUNNING under a lease whose worker is gone, a kill asked meanwhile (KILLING). */
    async function killedUnderADeadWorker(): Promise<void> {
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', liveOwner: 'live:dev|reports|hourly' }));
      const now = deps.clock.now();
      await deps.executions.claim('e1', 'dead-worker', now.getTime() + deps.settings.worker.leaseSeconds * 1000, now);
      expect((await killExecution(deps, 'e1', BY)).outcome).toBe('KILLING');
    }

    it('the sweep leaves it to its lease, and the worker that takes it over ends it KILLED without running a task', async () => {
      await killedUnderADeadWorker();
      expect(await sweepStuck(deps, { staleAfterMs: 1000 })).toMatchObject({ requeued: 0 });

      deps.clock.advance(deps.settings.worker.leaseSeconds * 1000 + 1);
      expect(await sweepStuck(deps, { staleAfterMs: 1000 })).toMatchObject({ requeued: 1 });
      await run('e1');

      expect(deps.taskRunner.runs).toEqual([]);
      expect((await stored()).execution.state.current).toBe('KILLED');
      expect(await messages()).toContain(`Execution killed: ${BY}, at 2026-03-01T12:00:00.000Z`);
      // Ended: the next sweep sends nothing.
      expect(await sweepStuck(deps, { staleAfterMs: 1000 })).toMatchObject({ requeued: 0 });
    });

    it('ends it KILLED rather than FAILED for its attempts, however often its workers died', async () => {
      await killedUnderADeadWorker();
      for (let i = 0; i <= deps.settings.worker.maxAttempts; i++) {
        deps.clock.advance(deps.settings.worker.leaseSeconds * 1000 + 1);
        const now = deps.clock.now();
        await deps.executions.claim('e1', `dying-${i}`, now.getTime() + deps.settings.worker.leaseSeconds * 1000, now);
      }
      deps.clock.advance(deps.settings.worker.leaseSeconds * 1000 + 1);

      await run('e1');

      expect((await stored()).execution.state.current).toBe('KILLED');
    });

    it('a dead-lettered message ends it KILLED, not FAILED', async () => {
      await killedUnderADeadWorker();
      deps.clock.advance(deps.settings.worker.leaseSeconds * 1000 + 1);

      expect(await failUnrunnable(deps, { executionId: 'e1' }, 'every delivery failed')).toBe('KILLED');
      expect((await stored()).execution.state.current).toBe('KILLED');
    });
  });

  describe("a backfill's execution not written yet (its message queued)", () => {
    const PAGE = 'bf1|p1';
    const id = tickExecutionId('bf1', TICK);

    beforeEach(async () => {
      // Every tick dispatched, one page of one tick open: its execution is the backfill's last.
      const past = Date.parse(aBackfill().end) + 1;
      await deps.triggers.startBackfill(REF, aBackfill({ cursorMs: past }), deps.clock.now().toISOString());
      await deps.triggers.advanceBackfill(REF, 'bf1', past, { cursorMs: past + 1, currentDate: aBackfill().end, dispatchedDelta: 1, openedPage: PAGE });
      await deps.ledger.open({ id: PAGE, backfillId: 'bf1', ticks: [TICK], sentAt: '2026-03-01T11:59:00.000Z', ended: [], failed: [] });
    });

    it('is written KILLED from its ledger slot, which ends counted failed, and its backfill, whose last it was, completes', async () => {
      const killed = await killExecution(deps, id, BY);

      expect(killed.outcome).toBe('KILLED');
      expect(killed.execution).toMatchObject({ id, namespace: 'dev', flowId: 'reports', trigger: { id: 'hourly' } });
      expect(await historyOf(id)).toEqual(['CREATED', 'KILLED']);
      expect((await deps.triggers.get(REF))?.lastBackfill).toMatchObject({ id: 'bf1', outcome: 'COMPLETED' });
    });

    it('its message, taken afterwards, writes and runs nothing and marks its slot again', async () => {
      await killExecution(deps, id, BY);
      // The document its message carries (as dispatch built it: CREATED).
      const { execution, origin } = aStoredExecution({ id, backfillId: 'bf1', tickMs: TICK });
      const markEnded = vi.spyOn(deps.ledger, 'markEnded');

      await createExecutionRunner(deps).runExecutions([{ executionId: id, created: { execution, origin: { ...origin, page: { id: PAGE, slot: 0 } } } }]);

      expect(deps.taskRunner.runs).toEqual([]);
      expect((await stored(id)).execution.state.current).toBe('KILLED');
      expect(markEnded).toHaveBeenCalledWith([{ pageId: PAGE, slot: 0, failed: true, killed: true }]);
    });

    it('a worker that wrote it first (a race) leaves it to be killed as a running one', async () => {
      const { execution, origin } = aStoredExecution({ id, backfillId: 'bf1', tickMs: TICK });
      let answer: Awaited<ReturnType<typeof killExecution>> | undefined;
      deps.taskRunner.respond(async () => {
        answer = await killExecution(deps, id, BY);
        return KILLED_RESULT;
      });

      await createExecutionRunner(deps).runExecutions([{ executionId: id, created: { execution, origin: { ...origin, page: { id: PAGE, slot: 0 } } } }]);

      expect(answer?.outcome).toBe('KILLING');
      expect((await stored(id)).execution.state.current).toBe('KILLED');
      expect((await deps.ledger.read([PAGE]))[0]).toBeUndefined();
      expect((await deps.triggers.get(REF))?.lastBackfill).toMatchObject({ outcome: 'COMPLETED' });
    });
  });
});
