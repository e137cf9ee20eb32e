import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { executionLogs } from '../../../lib/app/execution-logs';
import { replayExecution, restartExecution } from '../../../lib/app/execution-rerun';
import { sweepStuck } from '../../../lib/app/stuck-executions';
import { createExecutionRunner } from '../../../lib/app/worker';
import { ExecutionNotFoundError, ExecutionStateConflictError } from '../../../lib/domain/errors';
import { toKestraExecution } from '../../../lib/domain/execution';
import { SHELL_COMMANDS_TYPE } from '../../../lib/domain/flow/model';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aFlow, aStoredExecution } from '../../support/factories';

describe('restarting and replaying ended executions', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.flows.create(
      aFlow({ tasks: [{ id: 'work', type: SHELL_COMMANDS_TYPE, runner: 'PROCESS', commands: ['echo work'], beforeCommands: [], env: {} }] }),
    );
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const run = (id: string) => createExecutionRunner(deps).runExecutions([{ executionId: id }]);
  const stored = async (id: string) => (await deps.executions.get(id))!;

  /** e1, run once by a worker and ended FAILED (its task exited 1). */
  async function failedOnce(): Promise<void> {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', backfillId: 'bf1', tickMs: Date.parse('2026-02-01T00:00:00Z') }));
    deps.taskRunner.failWith(1);
    await run('e1');
    expect((await stored('e1')).execution.state.current).toBe('FAILED');
    deps.taskRunner.respond((shellRun) => {
      shellRun.log('INFO', 'second try');
      return { ok: true, exitCode: 0, timedOut: false };
    });
  }

  describe('restart', () => {
    it('runs a FAILED execution again in place: RESTARTED, queued on the live lane, then a new run (attempt 2) that ends SUCCESS', async () => {
      await failedOnce();
      deps.clock.advance(60_000);

      const restarted = await restartExecution(deps, 'e1');

      expect(restarted.state.current).toBe('RESTARTED');
      expect(deps.queue.sentIds('live')).toEqual(['e1']);
      await run('e1');
      const { execution } = await stored('e1');
      expect(execution.state.histories.map((h) => h.state)).toEqual(['CREATED', 'RUNNING', 'FAILED', 'RESTARTED', 'RUNNING', 'SUCCESS']);
      expect(toKestraExecution(execution, deps.clock.now()).metadata.attemptNumber).toBe(2);
      // Both runs' lines are kept, the first run's first.
      const lines = await executionLogs(deps, 'e1');
      expect(lines.map((l) => l.message)).toEqual(['command failed', 'Command failed with exit code 1', 'second try']);
    });

    it('gives the execution its attempts back: runs before the restart do not count towards WORKER_MAX_ATTEMPTS', async () => {
      await failedOnce();
      for (let i = 0; i < 3; i++) {
        await restartExecution(deps, 'e1');
        deps.taskRunner.failWith(1);
        await run('e1');
      }
      deps.taskRunner.respond(() => ({ ok: true, exitCode: 0, timedOut: false }));

      await restartExecution(deps, 'e1');
      await run('e1');

      expect((await stored('e1')).execution.state.current).toBe('SUCCESS');
    });

    it('refuses a SUCCESS or running execution with a 409 naming its state, and an unknown one with a 404; queues nothing', async () => {
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'ok', state: 'SUCCESS' }));
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'queued' }));

      await expect(restartExecution(deps, 'ok')).rejects.toThrow(
        new ExecutionStateConflictError('Execution ok is SUCCESS: only FAILED or KILLED executions can be restarted'),
      );
      await expect(restartExecution(deps, 'queued')).rejects.toThrow(ExecutionStateConflictError);
      await expect(restartExecution(deps, 'nope')).rejects.toThrow(new ExecutionNotFoundError('Execution nope not found'));
      expect(deps.queue.sentIds('live')).toEqual([]);
    });

    it("counts as done for a bulk operation's redelivery when restarted since the operation began", async () => {
      await failedOnce();
      const since = deps.clock.now().toISOString();
      await restartExecution(deps, 'e1', { doneIfRestartedSince: since });
      await run('e1');

      const again = await restartExecution(deps, 'e1', { doneIfRestartedSince: since });

      expect(again.state.current).toBe('SUCCESS');
      expect(deps.queue.sentIds('live')).toEqual(['e1']);
    });

    it('is sent again by the sweep when its message was lost, once it waited longer than a message may', async () => {
      await failedOnce();
      await restartExecution(deps, 'e1');
      deps.queue.sent.live.length = 0;

      expect(await sweepStuck(deps, { staleAfterMs: 60_000 })).toMatchObject({ requeued: 0 });
      deps.clock.advance(60_001);
      expect(await sweepStuck(deps, { staleAfterMs: 60_000 })).toMatchObject({ requeued: 1 });
      expect(deps.queue.sentIds('live')).toEqual(['e1']);
    });
  });

  describe('replay', () => {
    it('creates a new execution of the same flow, inputs and trigger, queued on the live lane; originalId and originalCreatedDate name the original', async () => {
      await failedOnce();
      deps.clock.advance(3_600_000);

      const replay = await replayExecution(deps, 'e1', 'r1');

      expect(deps.queue.sentIds('live')).toEqual(['r1']);
      await run('r1');
      const { execution, origin } = await stored('r1');
      expect(execution.state.current).toBe('SUCCESS');
      const original = (await stored('e1')).execution;
      expect(execution).toMatchObject({ namespace: 'dev', flowId: 'reports', inputs: original.inputs, trigger: original.trigger, labels: original.labels });
      expect(toKestraExecution(execution, deps.clock.now())).toMatchObject({
        id: 'r1',
        originalId: 'e1',
        metadata: { originalCreatedDate: '2026-03-01T12:00:00.000Z', attemptNumber: 1 },
      });
      expect(toKestraExecution(execution, deps.clock.now())).not.toHaveProperty('replayOf');
      expect(replay.state.histories[0]?.date).toBe('2026-03-01T13:00:00.000Z');
      // Outside any backfill: no backfill counts it.
      expect(origin.backfillId).toBeUndefined();
    });

    it("points a replay of a replay at the first original; a bulk operation's redelivery finds the replay it made", async () => {
      await failedOnce();
      await replayExecution(deps, 'e1', 'r1');
      await run('r1');

      const second = await replayExecution(deps, 'r1', 'r2');
      const again = await replayExecution(deps, 'r1', 'r2');

      expect(toKestraExecution(second, deps.clock.now()).originalId).toBe('e1');
      expect(again.id).toBe('r2');
      expect((await deps.executions.search({ namespace: 'dev', page: 1, size: 10 })).results.map((e) => e.id).sort()).toEqual(['e1', 'r1', 'r2']);
    });

    it('refuses an execution that has not ended (409) and an unknown one (404)', async () => {
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'queued' }));

      await expect(replayExecution(deps, 'queued')).rejects.toThrow(
        new ExecutionStateConflictError('Execution queued is CREATED: only ended executions can be replayed'),
      );
      await expect(replayExecution(deps, 'nope')).rejects.toThrow(new ExecutionNotFoundError('Execution nope not found'));
    });
  });
});
