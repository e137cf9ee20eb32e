import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiHandler } from '../../../functions/api';
import { createContinueHandler } from '../../../functions/continue';
import { createFailHandler } from '../../../functions/fail';
import { GIVE_UP } from '../../../lib/app/backfill-run';
import type { BackfillRunInput } from '../../../lib/ports';
import { readBackfillDefinition } from '../../../lib/workflow/definition';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, apiEvent, aRunInput as factoryRunInput, aTriggerState } from '../../support/factories';
import {
  aRunInput,
  BackfillStateMachine,
  type DispatchStep,
  inputsOf,
  namedError,
  recordingStub,
  type ScenarioExecution,
  scriptedDispatch,
  summarize,
  type TaskStubs,
  timesEntered,
  unexpected,
} from './backfill-machine-harness';

/*
 * What the state machine does when its tasks keep failing (a DynamoDB outage, a bad deployment, a
 * lost permission): it backs off and keeps trying, and after about three hours ends the backfill
 * FAILED, so that the backfill is never left active with nothing driving it.
 */

const DISPATCH = 'Dispatch next batch';
const NEXT = 'What next?';
const COUNT = 'Count failed rounds';
const FIRST_FAILED = 'First failed round';
const ANOTHER_FAILED = 'Another failed round';
const GIVE_UP_STATE = 'Give up?';
const BACK_OFF = 'Back off after a failed round';
const END_FAILED = 'End the backfill FAILED';
const FAILED = 'Backfill failed';
const COMPLETE = 'Backfill complete';

/** The rounds (a task state and all its retries) that fail in a row before the backfill ends FAILED. */
const GIVE_UP_AFTER_ROUNDS = 36;
/** The iteration at which failing rounds end the backfill FAILED whatever their count. */
const GIVE_UP_AT_ITERATION = 2000;
/** Attempts of dispatch in one round for a function error: 1 + 5 retries. */
const ATTEMPTS_PER_ROUND = 6;
const BACK_OFF_MS = 300_000;

let machine: BackfillStateMachine;

beforeAll(() => {
  machine = new BackfillStateMachine();
});

afterEach(() => {
  vi.useRealTimers();
});

function tasks(stubs: Pick<TaskStubs, 'dispatch'> & Partial<TaskStubs>): TaskStubs {
  return { park: unexpected('park'), continue: unexpected('continue'), fail: unexpected('fail'), ...stubs };
}

const throttled = () => namedError('ProvisionedThroughputExceededException', 'DynamoDB is throttling');
/** `rounds` failed rounds of dispatch: every attempt of each throws. */
const failedRounds = (rounds: number): DispatchStep[] => Array.from({ length: rounds * ATTEMPTS_PER_ROUND }, () => ({ throws: throttled() }));
/** A dispatch that fails every time it is called. */
const alwaysFailing = () =>
  recordingStub<TaskStubs['dispatch']>(() => {
    throw throttled();
  });
const failsItself = () => recordingStub<TaskStubs['fail']>((input) => ({ failed: true, reason: `gave up after ${input.failedRounds} rounds` }));

describe('backfill state machine when its tasks keep failing', () => {
  describe('backing off', () => {
    it('keeps dispatching after failed rounds once dispatch recovers, without losing the backfill', async () => {
      // Prepare: three rounds of a throttled table, then it recovers.
      const dispatch = scriptedDispatch(...failedRounds(3), 'DISPATCHED', 'DONE');
      const fail = failsItself();

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch, fail })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({
        status: 'SUCCEEDED',
        states: [
          ...[DISPATCH, COUNT, FIRST_FAILED, GIVE_UP_STATE, BACK_OFF],
          ...[DISPATCH, COUNT, ANOTHER_FAILED, GIVE_UP_STATE, BACK_OFF],
          ...[DISPATCH, COUNT, ANOTHER_FAILED, GIVE_UP_STATE, BACK_OFF],
          ...[DISPATCH, NEXT, DISPATCH, NEXT, COMPLETE],
        ],
      });
      expect(fail.calls).toEqual([]);
      expect(inputsOf(outcome.history, BACK_OFF)).toEqual(
        [1, 2, 3].map((failed) =>
          expect.objectContaining({
            failedRounds: failed,
            lastFailure: { Error: 'ProvisionedThroughputExceededException', Cause: 'DynamoDB is throttling' },
          }),
        ),
      );
      // Each failed round counts as four iterations toward continue-as-new (its history events).
      const afterRecovery = dispatch.calls.at(-2);
      expect(afterRecovery).toEqual({ ...aRunInput(), iteration: 3 * 4 });
    });

    it('hands dispatch only the backfill, generation and iteration, whatever the state data carries', async () => {
      // Prepare
      const dispatch = scriptedDispatch(...failedRounds(2), 'DONE');

      // Act
      await machine.start(aRunInput({ generation: 3 }), tasks({ dispatch })).outcome;

      // Assess: the state's data has the count and the error too, the payload does not.
      expect(new Set(dispatch.calls.map((call) => JSON.stringify(Object.keys(call))))).toEqual(
        new Set([JSON.stringify(['backfill', 'generation', 'iteration'])]),
      );
    });

    it('waits five minutes between failed rounds (Wait state not overridden, fake timers)', async () => {
      // Prepare
      vi.useFakeTimers();
      const dispatch = scriptedDispatch(...failedRounds(1), 'DONE');
      const execution = machine.start(aRunInput(), tasks({ dispatch }), { skipWaits: false });
      await vi.advanceTimersByTimeAsync(0);
      expect(dispatch.calls).toHaveLength(ATTEMPTS_PER_ROUND);

      // Act
      await vi.advanceTimersByTimeAsync(BACK_OFF_MS - 1);
      const beforeTheWaitEnds = dispatch.calls.length;
      await vi.advanceTimersByTimeAsync(1);

      // Assess
      expect(beforeTheWaitEnds).toBe(ATTEMPTS_PER_ROUND);
      expect(summarize(await execution.outcome)).toMatchObject({ status: 'SUCCEEDED' });
      expect(dispatch.calls).toHaveLength(ATTEMPTS_PER_ROUND + 1);
    });

    it('counts failed rounds in a row only: a successful dispatch starts the count again', async () => {
      // Prepare: one round short of giving up, one success, and again one round short.
      const almost = GIVE_UP_AFTER_ROUNDS - 1;
      const dispatch = scriptedDispatch(...failedRounds(almost), 'DISPATCHED', ...failedRounds(almost), 'DONE');
      const fail = failsItself();

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch, fail })).outcome;

      // Assess
      expect(summarize(outcome).status).toBe('SUCCEEDED');
      expect(fail.calls).toEqual([]);
      expect(timesEntered(outcome.history, FIRST_FAILED)).toBe(2);
      expect(timesEntered(outcome.history, BACK_OFF)).toBe(2 * almost);
    });

    it('backs off the same way when the park task keeps failing, and parks again once it works', async () => {
      // Prepare: the third park finds the backfill resumed meanwhile and hands its token back itself.
      let execution: ScenarioExecution | undefined; // assigned before the machine reaches the park
      const park = recordingStub<TaskStubs['park']>(
        (input) => {
          execution?.resume(input.taskToken, { resumedBy: 'park' });
          return { parked: false };
        },
        throttled(),
        throttled(),
      );
      const dispatch = scriptedDispatch('PAUSED', 'PAUSED', 'PAUSED', 'DONE');

      // Act
      execution = machine.start(aRunInput(), tasks({ dispatch, park }));
      const outcome = await execution.outcome;

      // Assess
      expect(summarize(outcome).status).toBe('SUCCEEDED');
      expect(park.calls).toHaveLength(3);
      // The PAUSED answer between them starts the count again; the iteration bound still applies (next test).
      expect(inputsOf(outcome.history, BACK_OFF)).toEqual([5, 10].map((iteration) => expect.objectContaining({ failedRounds: 1, iteration })));
    });
  });

  describe('giving up', () => {
    it(`ends the backfill FAILED after ${GIVE_UP_AFTER_ROUNDS} failed rounds in a row, and fails the execution with the reason`, async () => {
      // Prepare
      const dispatch = alwaysFailing();
      const fail = failsItself();

      // Act
      const outcome = await machine.start(aRunInput({ generation: 2 }), tasks({ dispatch, fail })).outcome;

      // Assess
      expect(summarize(outcome)).toMatchObject({ status: 'FAILED', error: 'BackfillFailed', cause: `gave up after ${GIVE_UP_AFTER_ROUNDS} rounds` });
      expect(summarize(outcome).states.slice(-5)).toEqual([COUNT, ANOTHER_FAILED, GIVE_UP_STATE, END_FAILED, FAILED]);
      expect(dispatch.calls).toHaveLength(GIVE_UP_AFTER_ROUNDS * ATTEMPTS_PER_ROUND);
      expect(timesEntered(outcome.history, BACK_OFF)).toBe(GIVE_UP_AFTER_ROUNDS - 1);
      expect(fail.calls).toEqual([
        {
          ...aRunInput({ generation: 2 }),
          iteration: GIVE_UP_AFTER_ROUNDS * 4,
          failedRounds: GIVE_UP_AFTER_ROUNDS,
          failure: { Error: 'ProvisionedThroughputExceededException', Cause: 'DynamoDB is throttling' },
        },
      ]);
    });

    it('ends the backfill FAILED when failing rounds take the execution to 2,000 iterations, however few in a row', async () => {
      // Prepare: the hand-over keeps failing (StartExecution denied), after dispatches that work.
      const dispatch = recordingStub<TaskStubs['dispatch']>((input) => ({
        ...input,
        iteration: input.iteration + 1,
        status: 'CONTINUE_AS_NEW',
        waitSeconds: 0,
      }));
      const continueTask = recordingStub<TaskStubs['continue']>(() => {
        throw namedError('AccessDeniedException', 'not authorized to perform states:StartExecution');
      });
      const fail = failsItself();

      // Act
      const outcome = await machine.start(aRunInput({ iteration: 500 }), tasks({ dispatch, continue: continueTask, fail })).outcome;

      // Assess: each loop is a dispatch (+1) and a failed round (+4), never more than one failed round in a row.
      expect(summarize(outcome)).toMatchObject({ status: 'FAILED', error: 'BackfillFailed' });
      expect(timesEntered(outcome.history, FIRST_FAILED)).toBe((GIVE_UP_AT_ITERATION - 500) / 5);
      expect(timesEntered(outcome.history, ANOTHER_FAILED)).toBe(0);
      expect(fail.calls).toEqual([expect.objectContaining({ iteration: GIVE_UP_AT_ITERATION, failedRounds: 1 })]);
    });

    it('gives up at the numbers failBackfill explains (GIVE_UP)', () => {
      expect(GIVE_UP).toEqual({ failedRounds: GIVE_UP_AFTER_ROUNDS, iterations: GIVE_UP_AT_ITERATION });
      const choices = (JSON.parse(readBackfillDefinition()) as { States: Record<string, { Choices?: Record<string, unknown>[] }> }).States[GIVE_UP_STATE]
        ?.Choices;
      expect(choices).toEqual([
        { Variable: '$.failedRounds', NumericGreaterThanEquals: GIVE_UP_AFTER_ROUNDS, Next: END_FAILED },
        { Variable: '$.iteration', NumericGreaterThanEquals: GIVE_UP_AT_ITERATION, Next: END_FAILED },
      ]);
    });

    it('fails in "End the backfill FAILED" itself when that task keeps failing (the backfill stays active: redrive it)', async () => {
      // Prepare: 1 + 10 retries, all failing.
      const dispatch = alwaysFailing();
      const fail = recordingStub<TaskStubs['fail']>(() => ({ failed: true, reason: 'never' }), ...Array.from({ length: 11 }, () => throttled()));

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch, fail })).outcome;

      // Assess
      expect(summarize(outcome)).toMatchObject({ status: 'FAILED', error: 'ProvisionedThroughputExceededException' });
      expect(summarize(outcome).states.at(-1)).toBe(END_FAILED);
      expect(fail.calls).toHaveLength(11);
    });

    it('shows the FAILED backfill and its reason in GET /api/v1/triggers/{namespace}/{flowId}, and a new backfill can start', async () => {
      // Prepare: a backfill created through the API, whose dispatch then fails for good.
      const deps = inMemoryDependencies();
      const api = createApiHandler(deps);
      await deps.flows.create(aFlow());
      await deps.triggers.createIfAbsent(aTriggerState());
      const backfillBody = {
        namespace: 'dev',
        flowId: 'reports',
        triggerId: 'hourly',
        backfill: { start: '2026-02-01T00:00:00Z', end: '2026-02-01T09:00:00Z' },
      };
      expect((await api(apiEvent('PUT', '/api/v1/triggers', JSON.stringify(backfillBody)))).statusCode).toBe(200);
      const [started] = deps.workflows.started;
      if (!started) throw new Error('creating the backfill started no execution');
      const dispatch = recordingStub<TaskStubs['dispatch']>(() => {
        throw namedError('AccessDeniedException', 'dispatch may not write the triggers table');
      });

      // Act
      const outcome = await machine.start(started.input as BackfillRunInput, tasks({ dispatch, fail: createFailHandler(deps) })).outcome;
      const response = await api(apiEvent('GET', '/api/v1/triggers/dev/reports'));

      // Assess
      const reason = `The state machine's tasks failed ${GIVE_UP_AFTER_ROUNDS} rounds in a row; last error AccessDeniedException: dispatch may not write the triggers table`;
      expect(summarize(outcome)).toMatchObject({ status: 'FAILED', error: 'BackfillFailed', cause: reason });
      expect(response.statusCode).toBe(200);
      const [trigger] = JSON.parse(response.body as string).results;
      expect(trigger.backfill).toBeUndefined();
      expect(trigger.lastBackfill).toMatchObject({
        id: started.input.backfill.id,
        outcome: 'FAILED',
        endedDate: deps.clock.now().toISOString(),
        reason,
        counts: { total: 10, dispatched: 0, succeeded: 0, failed: 0, skipped: 0, unfinished: 0 },
      });
      expect((await api(apiEvent('PUT', '/api/v1/triggers', JSON.stringify(backfillBody)))).statusCode).toBe(200);
    });
  });

  describe('continue-as-new over a generation that died', () => {
    it('starts the generation after a FAILED one, records it on the trigger, and hands over to it', async () => {
      // Prepare: generation 1 was started by an earlier attempt of this hand-over and has failed since.
      const deps = inMemoryDependencies();
      await deps.triggers.createIfAbsent(aTriggerState());
      await deps.triggers.startBackfill(aTriggerState(), aBackfill(), deps.clock.now().toISOString());
      const input = factoryRunInput();
      await deps.workflows.start('reports-hourly-bf1-g1', factoryRunInput({ generation: 1 }));
      deps.workflows.end('reports-hourly-bf1-g1', 'FAILED');
      const dispatch = scriptedDispatch('CONTINUE_AS_NEW');

      // Act
      const outcome = await machine.start(input, tasks({ dispatch, continue: createContinueHandler(deps) })).outcome;

      // Assess
      expect(summarize(outcome)).toMatchObject({
        status: 'SUCCEEDED',
        states: [DISPATCH, NEXT, 'Continue as new execution', 'Handed over to the next execution'],
      });
      expect(outcome.status === 'SUCCEEDED' && outcome.output).toEqual({ handedOverTo: 'reports-hourly-bf1-g2' });
      expect(deps.workflows.started.map((s) => s.name)).toEqual(['reports-hourly-bf1-g1', 'reports-hourly-bf1-g2']);
      expect((await deps.triggers.get(aTriggerState()))!.backfill).toMatchObject({ generation: 2, executionName: 'reports-hourly-bf1-g2' });
    });
  });
});
