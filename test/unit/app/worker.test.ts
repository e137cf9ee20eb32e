import { executionLogs } from '../../../lib/app/execution-logs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunOutcome, createExecutionRunner } from '../../../lib/app/worker';
import { type Flow, LOG_TYPE, SHELL_COMMANDS_TYPE, type ShellCommandsTask, type Task } from '../../../lib/domain/flow/model';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aScheduleTrigger, aStoredExecution, aTriggerState, type StoredExecutionOptions } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const TICK = Date.parse('2026-02-01T00:00:00Z');

const shellTask = (overrides: Partial<ShellCommandsTask> = {}): ShellCommandsTask => ({
  id: 'build',
  type: SHELL_COMMANDS_TYPE,
  runner: 'PROCESS',
  commands: ['echo {{ inputs.day }}'],
  beforeCommands: [],
  env: { DAY: '{{ inputs.day }}' },
  ...overrides,
});

const logTask = (message: string | string[], id = 'hello'): Task => ({ id, type: LOG_TYPE, message, level: 'INFO' });

/** Unwraps settled results into outcomes, failing on a rejection. */
const outcomes = (results: PromiseSettledResult<RunOutcome>[]) =>
  results.map((r) => (r.status === 'fulfilled' ? r.value : { rejected: (r.reason as Error).message }));

describe('createExecutionRunner', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.triggers.createIfAbsent(aTriggerState());
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function givenFlow(overrides: Partial<Flow> = {}): Promise<Flow> {
    const flow = aFlow(overrides);
    await deps.flows.create(flow);
    return flow;
  }

  async function givenExecution(options: StoredExecutionOptions = {}): Promise<string> {
    const stored = aStoredExecution({ id: 'e1', tickMs: TICK, inputs: { day: '2026-02-01' }, ...options });
    await deps.executions.createIfAbsent(stored);
    return stored.execution.id;
  }

  const stateOf = async (id = 'e1') => (await deps.executions.get(id))!.execution;

  describe('runExecutions', () => {
    describe('a Log task', () => {
      it('logs the rendered messages and succeeds', async () => {
        await givenFlow({ tasks: [logTask(['Hello {{ trigger.date }}', 'from {{ flow.namespace }}.{{ flow.id }}'])] });
        await givenExecution();

        const results = await createExecutionRunner(deps).runExecutions(['e1']);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        const execution = await stateOf();
        expect(execution.state.current).toBe('SUCCESS');
        expect(execution.state.histories.map((h) => h.state)).toEqual(['CREATED', 'RUNNING', 'SUCCESS']);
        expect(execution.taskRunList).toEqual([expect.objectContaining({ taskId: 'hello', state: expect.objectContaining({ current: 'SUCCESS' }) })]);
        const logs = await executionLogs(deps, 'e1');
        expect(logs.map((l) => l.message)).toEqual(['Hello 2026-02-01T00:00:00.000Z', 'from dev.reports']);
        expect(logs[0]).toMatchObject({
          namespace: 'dev',
          flowId: 'reports',
          executionId: 'e1',
          triggerId: 'hourly',
          taskId: 'hello',
          taskRunId: execution.taskRunList[0]?.id,
          attemptNumber: 1,
          level: 'INFO',
          timestamp: deps.clock.now().toISOString(),
        });
      });

      it('numbers the lines of a second attempt from 2,000,000, after those of the first', async () => {
        await givenFlow({ tasks: [logTask('second try')] });
        // RUNNING without a lease: its first worker died, so this run is attempt 2.
        await givenExecution({ state: 'RUNNING' });
        const line = (message: string) => ({ namespace: 'dev', flowId: 'reports', executionId: 'e1', timestamp: 't', level: 'INFO' as const, message });
        await deps.logs.append([
          { seq: 1_000_000, entry: line('first try') },
          { seq: 2_000_001, entry: line('sentinel') },
        ]);

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect((await stateOf()).state.current).toBe('SUCCESS');
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual(['first try', 'second try', 'sentinel']);
      });
    });

    describe('a Shell Commands task', () => {
      it('runs the rendered script with the default timeout and keeps its output', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();

        const results = await createExecutionRunner(deps).runExecutions(['e1']);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        expect(deps.shell.runs).toHaveLength(1);
        expect(deps.shell.runs[0]?.task).toEqual({ commands: ['echo 2026-02-01'], beforeCommands: [], env: { DAY: '2026-02-01' } });
        expect(deps.shell.runs[0]?.timeoutMs).toBe(deps.settings.worker.defaultTaskTimeoutSeconds * 1000);
        expect((await stateOf()).state.current).toBe('SUCCESS');
        expect((await executionLogs(deps, 'e1')).map((l) => [l.taskId, l.level, l.message])).toEqual([['build', 'INFO', 'echo 2026-02-01']]);
      });

      it("runs with the task's own timeout when it has one", async () => {
        await givenFlow({ tasks: [shellTask({ timeout: 'PT5M', timeoutMs: 300_000 })] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect(deps.shell.runs[0]?.timeoutMs).toBe(300_000);
      });

      it('shows the task RUNNING in the store while its process runs', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();
        let during: Awaited<ReturnType<typeof stateOf>> | undefined;
        deps.shell.respond(async () => {
          during = await stateOf();
          return { ok: true, exitCode: 0, timedOut: false };
        });

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect(during!.state.current).toBe('RUNNING');
        expect(during!.taskRunList.map((t) => [t.taskId, t.state.current])).toEqual([['build', 'RUNNING']]);
      });

      it('fails the execution when the command fails, skipping the tasks after it', async () => {
        await givenFlow({ tasks: [shellTask(), shellTask({ id: 'after' })] });
        await givenExecution();
        deps.shell.failWith(3, 'no such table');

        const results = await createExecutionRunner(deps).runExecutions(['e1']);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        const execution = await stateOf();
        expect(execution.state.current).toBe('FAILED');
        expect(execution.taskRunList.map((t) => [t.taskId, t.state.current])).toEqual([['build', 'FAILED']]);
        expect(deps.shell.runs).toHaveLength(1);
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual(['no such table', 'Command failed with exit code 3']);
      });

      it('fails the task with the reason logged when the process cannot start', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();
        deps.shell.respond(() => {
          throw new Error('spawn /bin/sh ENOENT');
        });

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await executionLogs(deps, 'e1')).toEqual([expect.objectContaining({ level: 'ERROR', message: 'spawn /bin/sh ENOENT' })]);
      });
    });

    describe('a template error', () => {
      it("fails the task with the template's message in its logs", async () => {
        await givenFlow({ tasks: [logTask('{{ nope }}')] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await executionLogs(deps, 'e1')).toEqual([
          expect.objectContaining({ level: 'ERROR', message: expect.stringContaining("Unable to find variable 'nope'") }),
        ]);
      });

      it('fails a shell task before its process starts', async () => {
        await givenFlow({ tasks: [shellTask({ commands: ['echo {{ 1 / 0 }}'] })] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(deps.shell.runs).toEqual([]);
      });
    });

    describe('a lease lost mid-run', () => {
      it('stops before the next task and leaves the execution to the worker that took it over', async () => {
        await givenFlow({ tasks: [shellTask({ id: 'first' }), shellTask({ id: 'second' })] });
        await givenExecution();
        deps.shell.respond(async () => {
          // This worker stalls past its lease; another one takes the execution over meanwhile.
          deps.clock.advance(deps.settings.worker.leaseSeconds * 1000);
          await deps.executions.claim('e1', 'other-worker', deps.clock.now().getTime() + 60_000, deps.clock.now());
          return { ok: true, exitCode: 0, timedOut: false };
        });

        const results = await createExecutionRunner(deps).runExecutions(['e1']);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        expect(deps.shell.runs).toHaveLength(1);
        const execution = await stateOf();
        expect(execution.state.current).toBe('RUNNING');
        expect(execution.taskRunList).toEqual([]);
      });

      it('does not complete the backfill or apply stopAfter when its finish is refused', async () => {
        await givenFlow({ triggers: [aScheduleTrigger({ stopAfter: ['SUCCESS'] })] });
        await deps.triggers.startBackfill(REF, aBackfill({ cursorMs: Date.parse(aBackfill().end) + 1 }), deps.clock.now().toISOString());
        await givenExecution({ backfillId: 'bf1' });
        vi.spyOn(deps.executions, 'finish').mockResolvedValueOnce(false);

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect(await deps.triggers.get(REF)).toMatchObject({ disabled: false, backfill: { id: 'bf1' } });
      });
    });

    describe('a claim that does not go through', () => {
      it("asks to retry just after the other worker's lease ends when the execution is busy", async () => {
        await givenFlow();
        await givenExecution();
        await deps.executions.claim('e1', 'other-worker', deps.clock.now().getTime() + 30_000, deps.clock.now());

        const results = await createExecutionRunner(deps).runExecutions(['e1']);

        expect(outcomes(results)).toEqual([{ outcome: 'RETRY_LATER', afterSeconds: 31 }]);
      });

      it('asks to retry after at least a second', async () => {
        await givenFlow();
        await givenExecution();
        await deps.executions.claim('e1', 'other-worker', deps.clock.now().getTime() + 1, deps.clock.now());

        const results = await createExecutionRunner(deps).runExecutions(['e1']);

        expect(outcomes(results)).toEqual([{ outcome: 'RETRY_LATER', afterSeconds: 2 }]);
      });

      it('is done with a finished or missing execution, running nothing', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution({ state: 'SUCCESS' });

        const results = await createExecutionRunner(deps).runExecutions(['e1', 'missing']);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }, { outcome: 'DONE' }]);
        expect(deps.shell.runs).toEqual([]);
      });

      it('runs an id twice in one batch only once, the copy coming back after the lease', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();

        const results = await createExecutionRunner(deps).runExecutions(['e1', 'e1']);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }, { outcome: 'RETRY_LATER', afterSeconds: deps.settings.worker.leaseSeconds + 1 }]);
        expect(deps.shell.runs).toHaveLength(1);
      });

      it('fails an execution the batched claim returned no result for, running nothing', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();
        vi.spyOn(deps.executions, 'claimMany').mockResolvedValueOnce([]);

        const results = await createExecutionRunner(deps).runExecutions(['e1']);

        expect(outcomes(results)).toEqual([{ rejected: 'No claim result for execution e1: claimMany returned 0 for 1 claims' }]);
        expect(deps.shell.runs).toEqual([]);
      });
    });

    describe('an error while running', () => {
      it('fails only its own execution and releases its lease for a redelivery', async () => {
        await givenFlow();
        await givenExecution({ id: 'e1' });
        await givenExecution({ id: 'e2' });
        const finish = deps.executions.finish.bind(deps.executions);
        vi.spyOn(deps.executions, 'finish').mockImplementation(async (stored, token) => {
          if (stored.execution.id === 'e2') throw new Error('executions table throttled');
          return finish(stored, token);
        });

        const results = await createExecutionRunner(deps).runExecutions(['e1', 'e2']);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }, { rejected: 'executions table throttled' }]);
        expect((await stateOf('e1')).state.current).toBe('SUCCESS');
        const retaken = await deps.executions.claim('e2', 'redelivery', deps.clock.now().getTime() + 60_000, deps.clock.now());
        expect(retaken.outcome).toBe('CLAIMED');
      });
    });

    describe('stopAfter', () => {
      it('disables the trigger when an execution ends in a listed state, keeping its next tick', async () => {
        await givenFlow({ tasks: [shellTask()], triggers: [aScheduleTrigger({ stopAfter: ['FAILED'] })] });
        await givenExecution();
        deps.shell.failWith(1);

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect(await deps.triggers.get(REF)).toMatchObject({ disabled: true, nextExecutionDate: aTriggerState().nextExecutionDate });
        expect(console.log).toHaveBeenCalledWith(expect.stringContaining('Trigger dev.reports.hourly disabled: execution e1 ended FAILED (stopAfter)'));
      });

      it('leaves the trigger on when the execution ends in another state', async () => {
        await givenFlow({ tasks: [shellTask()], triggers: [aScheduleTrigger({ stopAfter: ['FAILED'] })] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect((await deps.triggers.get(REF))!.disabled).toBe(false);
      });
    });

    describe("a backfill's execution", () => {
      const drained = () => aBackfill({ cursorMs: Date.parse(aBackfill().end) + 1, dispatched: 10 });

      it('completes the backfill when it is the last one to finish', async () => {
        await givenFlow();
        await deps.triggers.startBackfill(REF, drained(), deps.clock.now().toISOString());
        await givenExecution({ backfillId: 'bf1' });

        await createExecutionRunner(deps).runExecutions(['e1']);

        const state = await deps.triggers.get(REF);
        expect(state!.backfill).toBeUndefined();
        expect(state!.lastBackfill).toMatchObject({ id: 'bf1', outcome: 'COMPLETED' });
      });

      it('leaves the backfill running while other executions are unfinished', async () => {
        await givenFlow();
        await deps.triggers.startBackfill(REF, drained(), deps.clock.now().toISOString());
        await givenExecution({ id: 'e1', backfillId: 'bf1' });
        await givenExecution({ id: 'e2', backfillId: 'bf1', tickMs: TICK + 3_600_000 });

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect((await deps.triggers.get(REF))!.backfill!.id).toBe('bf1');
      });
    });

    describe('an execution whose flow is gone', () => {
      it('fails with a log line saying so', async () => {
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await executionLogs(deps, 'e1')).toEqual([expect.objectContaining({ level: 'ERROR', message: 'Flow dev.reports no longer exists' })]);
      });
    });

    describe('an execution without a trigger', () => {
      it('runs like any other', async () => {
        await givenFlow({ tasks: [logTask('made by hand')] });
        await givenExecution({ triggerId: null });

        await createExecutionRunner(deps).runExecutions(['e1']);

        expect((await stateOf()).state.current).toBe('SUCCESS');
      });
    });

    describe('the flow cache', () => {
      it('reads a flow once for executions of the same revision in quick succession', async () => {
        await givenFlow();
        await givenExecution({ id: 'e1' });
        await givenExecution({ id: 'e2' });
        const get = vi.spyOn(deps.flows, 'get');
        const runner = createExecutionRunner(deps);

        await runner.runExecutions(['e1']);
        deps.clock.advance(1999);
        await runner.runExecutions(['e2']);

        expect(get).toHaveBeenCalledTimes(1);
      });

      it('reads the flow again once the cached copy is two seconds old', async () => {
        await givenFlow();
        await givenExecution({ id: 'e1' });
        await givenExecution({ id: 'e2' });
        const get = vi.spyOn(deps.flows, 'get');
        const runner = createExecutionRunner(deps);

        await runner.runExecutions(['e1']);
        deps.clock.advance(2000);
        await runner.runExecutions(['e2']);

        expect(get).toHaveBeenCalledTimes(2);
      });

      it('reads the flow again at once for an execution of another revision', async () => {
        await givenFlow({ tasks: [logTask('revision {{ flow.revision }}')] });
        await givenExecution({ id: 'e1', flowRevision: 1 });
        const runner = createExecutionRunner(deps);
        await runner.runExecutions(['e1']);
        await deps.flows.update(aFlow({ revision: 2, tasks: [logTask('revision {{ flow.revision }}')] }), 1);
        await givenExecution({ id: 'e2', flowRevision: 2 });

        await runner.runExecutions(['e2']);

        expect((await executionLogs(deps, 'e2')).map((l) => l.message)).toEqual(['revision 2']);
      });
    });
  });
});
