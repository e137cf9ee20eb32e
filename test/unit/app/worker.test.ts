import { executionLogs } from '../../../lib/app/execution-logs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunOutcome, createExecutionRunner } from '../../../lib/app/worker';
import { transition } from '../../../lib/domain/execution';
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

/** Messages naming executions that exist (live ones, or a backfill's written by dispatch). */
const byId = (...ids: string[]) => ids.map((executionId) => ({ executionId }));

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

        const results = await createExecutionRunner(deps).runExecutions(byId('e1'));

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

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect((await stateOf()).state.current).toBe('SUCCESS');
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual(['first try', 'second try', 'sentinel']);
      });
    });

    describe('a Shell Commands task', () => {
      it('runs the rendered script with the default timeout and keeps its output', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();

        const results = await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        expect(deps.taskRunner.runs).toHaveLength(1);
        expect(deps.taskRunner.runs[0]?.task).toEqual({ commands: ['echo 2026-02-01'], beforeCommands: [], env: { DAY: '2026-02-01' } });
        expect(deps.taskRunner.runs[0]?.timeoutMs).toBe(deps.settings.worker.defaultTaskTimeoutSeconds * 1000);
        expect((await stateOf()).state.current).toBe('SUCCESS');
        expect((await executionLogs(deps, 'e1')).map((l) => [l.taskId, l.level, l.message])).toEqual([['build', 'INFO', 'echo 2026-02-01']]);
      });

      it("clamps a task's timeout to the time its worker's invocation has left, and says so when that kills it", async () => {
        await givenFlow({ tasks: [shellTask({ timeout: 'PT5M', timeoutMs: 300_000 })] });
        await givenExecution();
        deps.taskRunner.respond(() => ({ ok: false, exitCode: null, timedOut: true }));

        // 75 s left: 60 s for the task, 15 s kept to record its outcome.
        await createExecutionRunner(deps).runExecutions(byId('e1'), { remainingMs: () => 75_000 });

        expect(deps.taskRunner.runs[0]?.timeoutMs).toBe(60_000);
        expect((await stateOf()).state.current).toBe('FAILED');
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toContainEqual(
          "Task killed after PT1M: its worker's time limit (WORKER_TIMEOUT_SECONDS is 900) left no more time, short of the task's own timeout of PT5M",
        );
      });

      it('starts no task once its invocation has no time left for one', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(byId('e1'), { remainingMs: () => 10_000 });

        expect(deps.taskRunner.runs).toEqual([]);
        expect((await stateOf()).state.current).toBe('FAILED');
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toContainEqual(
          expect.stringContaining('Task not started: its worker has no time left'),
        );
      });

      it("runs with the task's own timeout when it has one", async () => {
        await givenFlow({ tasks: [shellTask({ timeout: 'PT5M', timeoutMs: 300_000 })] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(deps.taskRunner.runs[0]?.timeoutMs).toBe(300_000);
      });

      it('shows the task RUNNING in the store while its process runs', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();
        let during: Awaited<ReturnType<typeof stateOf>> | undefined;
        deps.taskRunner.respond(async () => {
          during = await stateOf();
          return { ok: true, exitCode: 0, timedOut: false };
        });

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(during!.state.current).toBe('RUNNING');
        expect(during!.taskRunList.map((t) => [t.taskId, t.state.current])).toEqual([['build', 'RUNNING']]);
      });

      it('fails the execution when the command fails, skipping the tasks after it', async () => {
        await givenFlow({ tasks: [shellTask(), shellTask({ id: 'after' })] });
        await givenExecution();
        deps.taskRunner.failWith(3, 'no such table');

        const results = await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        const execution = await stateOf();
        expect(execution.state.current).toBe('FAILED');
        expect(execution.taskRunList.map((t) => [t.taskId, t.state.current])).toEqual([['build', 'FAILED']]);
        expect(deps.taskRunner.runs).toHaveLength(1);
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual(['no such table', 'Command failed with exit code 3']);
      });

      it('fails the task with the reason logged when the runner could not start its process', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();
        deps.taskRunner.respond((run) => {
          run.log('ERROR', 'spawn /bin/sh ENOENT');
          return { ok: false, exitCode: null, timedOut: false };
        });

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await executionLogs(deps, 'e1')).toEqual([expect.objectContaining({ level: 'ERROR', message: 'spawn /bin/sh ENOENT' })]);
      });

      it('retries the execution, recording nothing as run, when the task runner cannot be reached', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();
        deps.taskRunner.respond(() => {
          throw new Error('The task runner could not be invoked: Rate exceeded');
        });

        const results = await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(outcomes(results)).toEqual([{ rejected: 'The task runner could not be invoked: Rate exceeded' }]);
        expect((await stateOf()).state.current).toBe('RUNNING');
        const retaken = await deps.executions.claim('e1', 'redelivery', deps.clock.now().getTime() + 60_000, deps.clock.now());
        expect(retaken.outcome).toBe('CLAIMED');
      });

      it("hands the runner the attempt's log caps, and counts the lines it did not send in the cap's line", async () => {
        deps = inMemoryDependencies({ settings: { ...deps.settings, worker: { ...deps.settings.worker, logMaxLines: 2, logMaxBytes: 1000 } } });
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();
        deps.taskRunner.respond((run) => {
          run.log('INFO', 'one');
          run.log('INFO', 'two');
          run.log('INFO', 'three');
          return { ok: true, exitCode: 0, timedOut: false, unsent: { lines: 40, bytes: 400 } };
        });

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(deps.taskRunner.runs[0]?.logLimits).toEqual({ maxLines: 2, maxBytes: 1000 });
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual([
          'one',
          'two',
          'Log capped at 2 lines or 1000 bytes per attempt: 41 more lines (405 bytes) were not logged',
        ]);
      });
    });

    describe('a template error', () => {
      it("fails the task with the template's message in its logs", async () => {
        await givenFlow({ tasks: [logTask('{{ nope }}')] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await executionLogs(deps, 'e1')).toEqual([
          expect.objectContaining({ level: 'ERROR', message: expect.stringContaining("Unable to find variable 'nope'") }),
        ]);
      });

      it('fails a Log task whose messages loop past their shared 50 ms budget, saying so', async () => {
        // A hundred million iterations take seconds on any machine.
        await givenFlow({ tasks: [logTask(['first', '{% for i in 0..100000000 %}{% endfor %}'])] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await executionLogs(deps, 'e1')).toEqual([
          expect.objectContaining({ message: 'first' }),
          expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('Template rendering exceeded the time limit of 50 ms') }),
        ]);
      });

      it('fails a shell task before its process starts', async () => {
        await givenFlow({ tasks: [shellTask({ commands: ['echo {{ 1 / 0 }}'] })] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(deps.taskRunner.runs).toEqual([]);
      });
    });

    describe('a lease lost mid-run', () => {
      it('stops before the next task and leaves the execution to the worker that took it over', async () => {
        await givenFlow({ tasks: [shellTask({ id: 'first' }), shellTask({ id: 'second' })] });
        await givenExecution();
        deps.taskRunner.respond(async () => {
          // This worker stalls past its lease; another one takes the execution over meanwhile.
          deps.clock.advance(deps.settings.worker.leaseSeconds * 1000);
          await deps.executions.claim('e1', 'other-worker', deps.clock.now().getTime() + 60_000, deps.clock.now());
          return { ok: true, exitCode: 0, timedOut: false };
        });

        const results = await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        expect(deps.taskRunner.runs).toHaveLength(1);
        const execution = await stateOf();
        expect(execution.state.current).toBe('RUNNING');
        expect(execution.taskRunList).toEqual([]);
      });

      it('neither applies stopAfter nor marks its ledger slot when its finish is refused', async () => {
        await givenFlow({ triggers: [aScheduleTrigger({ stopAfter: ['SUCCESS'] })] });
        const stored = aStoredExecution({ id: 'e1', backfillId: 'bf1', tickMs: TICK });
        stored.origin.page = { id: 'bf1|p', slot: 0 };
        await deps.executions.createIfAbsent(stored);
        vi.spyOn(deps.executions, 'finish').mockResolvedValueOnce(false);

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(await deps.triggers.get(REF)).toMatchObject({ disabled: false });
        expect(deps.ledger.markCalls).toEqual([]);
      });
    });

    describe('a claim that does not go through', () => {
      it("asks to retry just after the other worker's lease ends when the execution is busy", async () => {
        await givenFlow();
        await givenExecution();
        await deps.executions.claim('e1', 'other-worker', deps.clock.now().getTime() + 30_000, deps.clock.now());

        const results = await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(outcomes(results)).toEqual([{ outcome: 'RETRY_LATER', afterSeconds: 31 }]);
      });

      it('asks to retry after at least a second', async () => {
        await givenFlow();
        await givenExecution();
        await deps.executions.claim('e1', 'other-worker', deps.clock.now().getTime() + 1, deps.clock.now());

        const results = await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(outcomes(results)).toEqual([{ outcome: 'RETRY_LATER', afterSeconds: 2 }]);
      });

      it('is done with a finished or missing execution, running nothing', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution({ state: 'SUCCESS' });

        const results = await createExecutionRunner(deps).runExecutions(byId('e1', 'missing'));

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }, { outcome: 'DONE' }]);
        expect(deps.taskRunner.runs).toEqual([]);
      });

      it('runs an id twice in one batch only once, the copy coming back after the lease', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();

        const results = await createExecutionRunner(deps).runExecutions(byId('e1', 'e1'));

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }, { outcome: 'RETRY_LATER', afterSeconds: deps.settings.worker.leaseSeconds + 1 }]);
        expect(deps.taskRunner.runs).toHaveLength(1);
      });

      it('fails an execution the batched claim returned no result for, running nothing', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution();
        vi.spyOn(deps.executions, 'claimMany').mockResolvedValueOnce([]);

        const results = await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(outcomes(results)).toEqual([{ rejected: 'No claim result for execution e1' }]);
        expect(deps.taskRunner.runs).toEqual([]);
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

        const results = await createExecutionRunner(deps).runExecutions(byId('e1', 'e2'));

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
        deps.taskRunner.failWith(1);

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(await deps.triggers.get(REF)).toMatchObject({ disabled: true, nextExecutionDate: aTriggerState().nextExecutionDate });
        expect(console.log).toHaveBeenCalledWith(expect.stringContaining('Trigger dev.reports.hourly disabled: execution e1 ended FAILED (stopAfter)'));
      });

      it('leaves the trigger on when the execution ends in another state', async () => {
        await givenFlow({ tasks: [shellTask()], triggers: [aScheduleTrigger({ stopAfter: ['FAILED'] })] });
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect((await deps.triggers.get(REF))!.disabled).toBe(false);
      });
    });

    describe('a log store that refuses every write', () => {
      /** Runs with the retries' waits played out on fake timers: no test waits on the wall clock. */
      async function runWithLogStoreDown(messages: Parameters<ReturnType<typeof createExecutionRunner>['runExecutions']>[0]) {
        vi.spyOn(deps.logs, 'append').mockRejectedValue(new Error('ProvisionedThroughputExceededException'));
        const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
        vi.useFakeTimers({ toFake: ['setTimeout'] });
        try {
          const running = createExecutionRunner(deps).runExecutions(messages);
          await vi.runAllTimersAsync();
          return { results: await running, error };
        } finally {
          vi.useRealTimers();
        }
      }

      it('ends a claimed execution in its real state, with a line saying how many lines were lost', async () => {
        await givenFlow({ tasks: [shellTask({ commands: Array.from({ length: 40 }, (_, i) => `echo line ${i}`) })] });
        await givenExecution();

        const { results, error } = await runWithLogStoreDown(byId('e1'));

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        expect((await stateOf()).state.current).toBe('SUCCESS');
        expect(await executionLogs(deps, 'e1')).toEqual([
          expect.objectContaining({
            level: 'ERROR',
            message: '40 log lines could not be written to the log store and are lost (ProvisionedThroughputExceededException)',
          }),
        ]);
        expect(error).toHaveBeenCalled();
      });

      it('ends a sent execution of Log tasks whose log is too big to ride along, and marks its slot', async () => {
        await deps.ledger.open({ id: 'bf1|p1', backfillId: 'bf1', ticks: [TICK], sentAt: '2026-03-01T12:00:00.000Z', ended: [], failed: [] });
        const { execution, origin } = aStoredExecution({ id: 'e1', backfillId: 'bf1', tickMs: TICK, inputs: { day: '2026-02-01' } });
        await givenFlow({ tasks: [logTask(Array.from({ length: 30 }, (_, i) => `a longer line of the log, number ${i}`))] });

        const { results } = await runWithLogStoreDown([{ executionId: 'e1', created: { execution, origin: { ...origin, page: { id: 'bf1|p1', slot: 0 } } } }]);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        expect((await stateOf()).state.current).toBe('SUCCESS');
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual([expect.stringMatching(/^30 log lines could not be written/)]);
        expect((await deps.ledger.read(['bf1|p1']))[0]).toMatchObject({ ended: [0], failed: [] });
      });
    });

    describe("a backfill's execution, sent as a document (the dispatch ledger)", () => {
      const PAGE = 'bf1|p1';

      /** A page of one tick, and the message dispatch sends for it. */
      async function givenSent(id = 'e1', slot = 0) {
        await deps.ledger.open({ id: PAGE, backfillId: 'bf1', ticks: [TICK, TICK + 3_600_000], sentAt: '2026-03-01T12:00:00.000Z', ended: [], failed: [] });
        const { execution, origin } = aStoredExecution({ id, backfillId: 'bf1', tickMs: TICK + slot * 3_600_000, inputs: { day: '2026-02-01' } });
        return { executionId: id, created: { execution, origin: { ...origin, page: { id: PAGE, slot } } } };
      }
      const page = async () => (await deps.ledger.read([PAGE]))[0];

      /** Backfill bf1 with every tick dispatched, PAGE its one open page. */
      async function givenDispatchedToTheEnd(): Promise<void> {
        const past = Date.parse(aBackfill().end) + 1;
        await deps.triggers.startBackfill(REF, aBackfill({ cursorMs: past }), deps.clock.now().toISOString());
        await deps.triggers.advanceBackfill(REF, 'bf1', past, { cursorMs: past + 1, currentDate: aBackfill().end, dispatchedDelta: 2, openedPage: PAGE });
      }

      it('runs an instant flow at once and writes its execution once, ended, with its log; then marks its slot', async () => {
        await givenFlow({ tasks: [logTask('Hello {{ trigger.date }}')] });
        const message = await givenSent();
        const claimMany = vi.spyOn(deps.executions, 'claimMany');
        const createIfAbsent = vi.spyOn(deps.executions, 'createIfAbsent');

        const results = await createExecutionRunner(deps).runExecutions([message]);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        expect(createIfAbsent).toHaveBeenCalledTimes(1);
        expect(claimMany).not.toHaveBeenCalled();
        const execution = await stateOf();
        expect(execution.state.histories.map((h) => h.state)).toEqual(['CREATED', 'RUNNING', 'SUCCESS']);
        expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual(['Hello 2026-02-01T00:00:00.000Z']);
        expect(await page()).toMatchObject({ ended: [0], failed: [] });
        expect(deps.ledger.markCalls).toHaveLength(1);
      });

      it('a duplicate of the message runs nothing more and only marks the slot again', async () => {
        await givenFlow({ tasks: [logTask('once')] });
        const message = await givenSent();
        const runner = createExecutionRunner(deps);

        await runner.runExecutions([message]);
        const first = await stateOf();
        const again = await runner.runExecutions([message, message]);

        expect(outcomes(again)).toEqual([{ outcome: 'DONE' }, { outcome: 'DONE' }]);
        expect(await stateOf()).toEqual(first);
        expect(await executionLogs(deps, 'e1')).toHaveLength(1);
        expect(await page()).toMatchObject({ ended: [0] });
      });

      it("writes a longer task's execution RUNNING under the lease before running it, then ends it and marks its slot", async () => {
        await givenFlow({ tasks: [shellTask()] });
        const message = await givenSent('e2', 1);
        const createClaimed = vi.spyOn(deps.executions, 'createClaimed');

        await createExecutionRunner(deps).runExecutions([message]);

        expect(createClaimed).toHaveBeenCalledTimes(1);
        expect(deps.taskRunner.runs).toHaveLength(1);
        expect((await stateOf('e2')).state.histories.map((h) => h.state)).toEqual(['CREATED', 'RUNNING', 'SUCCESS']);
        expect(await page()).toMatchObject({ ended: [1], failed: [] });
      });

      it('marks the slot of a failed execution as failed', async () => {
        await givenFlow({ tasks: [shellTask()] });
        deps.taskRunner.failWith(2);
        const message = await givenSent();

        await createExecutionRunner(deps).runExecutions([message]);

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await page()).toMatchObject({ ended: [0], failed: [0] });
      });

      it('leaves an execution another worker holds to it: the message comes back once the lease ends', async () => {
        await givenFlow({ tasks: [shellTask()] });
        const message = await givenSent();
        const other = structuredClone(message.created);
        other.execution.state = { ...other.execution.state, current: 'RUNNING' };
        await deps.executions.createClaimed(other, 'other-worker', deps.clock.now().getTime() + 30_000);

        const results = await createExecutionRunner(deps).runExecutions([message]);

        expect(outcomes(results)).toEqual([{ outcome: 'RETRY_LATER', afterSeconds: 31 }]);
        expect(deps.taskRunner.runs).toEqual([]);
        expect(await page()).toMatchObject({ ended: [] });
      });

      it('marks the slot of an execution dispatch wrote itself (one too large for a message) once it ends', async () => {
        await givenFlow({ tasks: [logTask('big')] });
        const { created } = await givenSent();
        await deps.executions.createIfAbsent(created);

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect((await stateOf()).state.current).toBe('SUCCESS');
        expect(await page()).toMatchObject({ ended: [0] });
      });

      it("completes the backfill when its execution ends the backfill's last open page, every tick dispatched", async () => {
        await givenFlow({ tasks: [logTask('x')] });
        const message = await givenSent();
        const { origin } = message.created;
        await givenDispatchedToTheEnd();
        await deps.ledger.markEnded([{ pageId: PAGE, slot: 1, failed: true }]);
        const runner = createExecutionRunner(deps);

        await runner.runExecutions([message]);

        expect(origin.page?.id).toBe(PAGE);
        // Counted from the page it ended with, unfolded: one execution succeeded (this one), one failed.
        expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({
          id: 'bf1',
          outcome: 'COMPLETED',
          start: aBackfill().start,
          end: aBackfill().end,
          createdDate: aBackfill().createdDate,
          counts: { total: 10, dispatched: 2, succeeded: 1, failed: 1, skipped: 0, unfinished: 0 },
        });
        expect(deps.ledger.all()).toEqual([]);
      });

      it("completes a NEWEST_FIRST backfill the same way once its cursor went below the window's start, and not before", async () => {
        await givenFlow({ tasks: [logTask('x')] });
        const message = await givenSent();
        const start = Date.parse(aBackfill().start);
        // Ticks below the cursor are left: not drained, whatever its pages say.
        await deps.triggers.startBackfill(REF, aBackfill({ order: 'NEWEST_FIRST', cursorMs: start + 1 }), deps.clock.now().toISOString());
        await deps.triggers.advanceBackfill(REF, 'bf1', start + 1, { cursorMs: start, currentDate: aBackfill().start, dispatchedDelta: 2, openedPage: PAGE });
        await deps.ledger.markEnded([{ pageId: PAGE, slot: 1, failed: false }]);
        await createExecutionRunner(deps).runExecutions([message]);
        expect((await deps.triggers.get(REF))!.backfill?.id).toBe('bf1');

        await deps.triggers.advanceBackfill(REF, 'bf1', start, { cursorMs: start - 1, currentDate: aBackfill().start, dispatchedDelta: 0 });
        await createExecutionRunner(deps).runExecutions([message]);

        expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ id: 'bf1', outcome: 'COMPLETED', order: 'NEWEST_FIRST' });
      });

      it('leaves the backfill running while another of its pages is open', async () => {
        await givenFlow({ tasks: [logTask('x')] });
        const message = await givenSent();
        await givenDispatchedToTheEnd();

        await createExecutionRunner(deps).runExecutions([message]);

        expect((await deps.triggers.get(REF))!.backfill?.id).toBe('bf1');
      });

      it('holds an unstarted execution of a paused backfill: nothing written, its slot held for dispatch to send again', async () => {
        await givenFlow({ tasks: [logTask('x')] });
        await deps.triggers.startBackfill(REF, aBackfill({ paused: true }), deps.clock.now().toISOString());
        const message = await givenSent();

        const results = await createExecutionRunner(deps).runExecutions([message]);

        expect(outcomes(results)).toEqual([{ outcome: 'DONE' }]);
        expect(await deps.executions.get('e1')).toBeUndefined();
        expect(await page()).toMatchObject({ ended: [], held: [0] });
      });

      it("runs the execution of a deleted backfill even while the trigger's next backfill is paused", async () => {
        await givenFlow({ tasks: [logTask('x')] });
        await deps.triggers.startBackfill(REF, aBackfill({ id: 'bf2', paused: true }), deps.clock.now().toISOString());
        const message = await givenSent();

        await createExecutionRunner(deps).runExecutions([message]);

        expect((await stateOf()).state.current).toBe('SUCCESS');
      });

      it('fails the messages of ended executions when their page cannot be marked: a redelivery marks it', async () => {
        await givenFlow({ tasks: [logTask('x')] });
        const message = await givenSent();
        vi.spyOn(deps.ledger, 'markEnded').mockRejectedValueOnce(new Error('throttled'));
        const runner = createExecutionRunner(deps);

        expect(outcomes(await runner.runExecutions([message]))).toEqual([{ rejected: 'throttled' }]);
        expect(outcomes(await runner.runExecutions([message]))).toEqual([{ outcome: 'DONE' }]);
        expect((await stateOf()).state.current).toBe('SUCCESS');
        expect(await page()).toMatchObject({ ended: [0] });
      });
    });

    describe('an execution started more often than WORKER_MAX_ATTEMPTS', () => {
      it('ends FAILED without running its tasks, saying why', async () => {
        await givenFlow({ tasks: [shellTask()] });
        const stored = aStoredExecution({ id: 'e1', tickMs: TICK });
        // Three earlier runs, each taken over after its worker died (the default limit is 3).
        for (let i = 0; i < 3; i++) stored.execution.state = transition(stored.execution.state, 'RUNNING', deps.clock.now());
        await deps.executions.createClaimed(stored, 'dead', deps.clock.now().getTime() - 1);

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(deps.taskRunner.runs).toEqual([]);
        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await executionLogs(deps, 'e1')).toEqual([
          expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('started 3 times, and each time its worker stopped before it ended') }),
        ]);
      });

      it('does not count runs given up after an infrastructure error (their lease released)', async () => {
        await givenFlow({ tasks: [shellTask()] });
        await givenExecution({ inputs: { day: '2026-02-01' } });
        const failOnce = () => vi.spyOn(deps.executions, 'finish').mockRejectedValueOnce(new Error('executions table throttled'));
        const runner = createExecutionRunner(deps);
        // Four runs end in an infrastructure error, each releasing its lease: none is a dead worker's.
        for (let i = 0; i < 4; i++) {
          failOnce();
          expect(outcomes(await runner.runExecutions(byId('e1')))).toEqual([{ rejected: 'executions table throttled' }]);
        }

        await runner.runExecutions(byId('e1'));

        expect(deps.taskRunner.runs).toHaveLength(5);
        expect((await stateOf()).state.current).toBe('SUCCESS');
      });

      it('runs the last allowed attempt', async () => {
        await givenFlow({ tasks: [shellTask()] });
        const stored = aStoredExecution({ id: 'e1', tickMs: TICK, inputs: { day: '2026-02-01' } });
        for (let i = 0; i < 2; i++) stored.execution.state = transition(stored.execution.state, 'RUNNING', deps.clock.now());
        await deps.executions.createClaimed(stored, 'dead', deps.clock.now().getTime() - 1);

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect(deps.taskRunner.runs).toHaveLength(1);
        expect((await stateOf()).state.current).toBe('SUCCESS');
      });
    });

    describe('an execution whose flow is gone', () => {
      it('fails with a log line saying so', async () => {
        await givenExecution();

        await createExecutionRunner(deps).runExecutions(byId('e1'));

        expect((await stateOf()).state.current).toBe('FAILED');
        expect(await executionLogs(deps, 'e1')).toEqual([expect.objectContaining({ level: 'ERROR', message: 'Flow dev.reports no longer exists' })]);
      });
    });

    describe('an execution without a trigger', () => {
      it('runs like any other', async () => {
        await givenFlow({ tasks: [logTask('made by hand')] });
        await givenExecution({ triggerId: null });

        await createExecutionRunner(deps).runExecutions(byId('e1'));

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

        await runner.runExecutions(byId('e1'));
        deps.clock.advance(1999);
        await runner.runExecutions(byId('e2'));

        expect(get).toHaveBeenCalledTimes(1);
      });

      it('reads the flow again once the cached copy is two seconds old', async () => {
        await givenFlow();
        await givenExecution({ id: 'e1' });
        await givenExecution({ id: 'e2' });
        const get = vi.spyOn(deps.flows, 'get');
        const runner = createExecutionRunner(deps);

        await runner.runExecutions(byId('e1'));
        deps.clock.advance(2000);
        await runner.runExecutions(byId('e2'));

        expect(get).toHaveBeenCalledTimes(2);
      });

      it('reads the flow again at once for an execution of another revision', async () => {
        await givenFlow({ tasks: [logTask('revision {{ flow.revision }}')] });
        await givenExecution({ id: 'e1', flowRevision: 1 });
        const runner = createExecutionRunner(deps);
        await runner.runExecutions(byId('e1'));
        await deps.flows.update(aFlow({ revision: 2, tasks: [logTask('revision {{ flow.revision }}')] }), 1);
        await givenExecution({ id: 'e2', flowRevision: 2 });

        await runner.runExecutions(byId('e2'));

        expect((await executionLogs(deps, 'e2')).map((l) => l.message)).toEqual(['revision 2']);
      });
    });

    it('a live execution records the revision of the flow it ran, when the flow changed after the execution was created', async () => {
      await givenFlow({ tasks: [logTask('revision {{ flow.revision }}')] });
      await givenExecution({ id: 'e1', flowRevision: 1 });
      await deps.flows.update(aFlow({ revision: 2, tasks: [logTask('revision {{ flow.revision }}')] }), 1);

      await createExecutionRunner(deps).runExecutions(byId('e1'));

      expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual(['revision 2']);
      expect((await stateOf('e1')).flowRevision).toBe(2);
    });
  });
});
