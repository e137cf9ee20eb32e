import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  aDispatchOutput,
  aRunInput,
  BackfillStateMachine,
  type DispatchStep,
  failuresOf,
  inputsOf,
  namedError,
  type Outcome,
  recordingStub,
  retriesOf,
  type ScenarioExecution,
  scriptedDispatch,
  summarize,
  type TaskStubs,
  timesEntered,
  unexpected,
} from './backfill-machine-harness';

// The state names are part of the contract: the console, the logs and docs/deploy.md show them.
const DISPATCH = 'Dispatch next batch';
const NEXT = 'What next?';
const WAIT = 'Wait for running executions';
const PARK = 'Paused: wait for resume';
const CONTINUE = 'Continue as new execution';
const HANDED_OVER = 'Handed over to the next execution';
const COMPLETE = 'Backfill complete';
const DELETED = 'Backfill deleted';
const UNKNOWN = 'Unknown dispatch status';
const COUNT = 'Count failed rounds';
const FIRST_FAILED = 'First failed round';
const GIVE_UP = 'Give up?';
const BACK_OFF = 'Back off after a failed round';

const PARK_TIMEOUT_MS = 86_400_000;

let machine: BackfillStateMachine;

beforeAll(() => {
  machine = new BackfillStateMachine();
});

afterEach(() => {
  vi.useRealTimers();
});

/** The scenario's stubs; a task it leaves out fails the execution with UnexpectedTaskCall if reached. */
function tasks(stubs: Pick<TaskStubs, 'dispatch'> & Partial<TaskStubs>): TaskStubs {
  return { park: unexpected('park'), continue: unexpected('continue'), fail: unexpected('fail'), ...stubs };
}

const parksAndWaits = () => recordingStub<TaskStubs['park']>(() => ({ parked: true }));
const times = (n: number, step: DispatchStep): DispatchStep[] => Array.from({ length: n }, () => step);
const throws = (error: Error): DispatchStep => ({ throws: error });
const throttled = new Error('ProvisionedThroughputExceededException: DynamoDB is throttling');

/** True once `outcome` has settled, after letting the machine take every step it can without outside help. */
async function hasEnded(outcome: Promise<Outcome>): Promise<boolean> {
  let ended = false;
  void outcome.then(() => (ended = true));
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  return ended;
}

describe('backfill state machine', () => {
  describe('happy path', () => {
    it('loops on DISPATCHED and succeeds in "Backfill complete" on DONE', async () => {
      // Prepare
      const dispatch = scriptedDispatch('DISPATCHED', 'DISPATCHED', 'DISPATCHED', 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({
        status: 'SUCCEEDED',
        states: [DISPATCH, NEXT, DISPATCH, NEXT, DISPATCH, NEXT, DISPATCH, NEXT, COMPLETE],
      });
      expect(dispatch.calls).toHaveLength(4);
      expect(timesEntered(outcome.history, DISPATCH)).toBe(4);
      expect(outcome.status === 'SUCCEEDED' && outcome.output).toEqual(aDispatchOutput(aRunInput({ iteration: 3 }), { status: 'DONE' }));
    });

    it('passes each dispatch answer on as the next dispatch input: backfill, generation and iteration only', async () => {
      // Prepare
      const input = aRunInput({ generation: 2 });
      const progress = { currentDate: '2024-01-01T05:00:00Z', dispatched: 100 };
      const dispatch = scriptedDispatch({ status: 'DISPATCHED', ...progress }, { status: 'DISPATCHED', ...progress }, 'DONE');

      // Act
      await machine.start(input, tasks({ dispatch })).outcome;

      // Assess
      expect(dispatch.calls).toEqual([0, 1, 2].map((iteration) => ({ backfill: input.backfill, generation: 2, iteration })));
    });
  });

  describe('THROTTLED', () => {
    it('waits and dispatches again until a batch goes out, then finishes', async () => {
      // Prepare
      const dispatch = scriptedDispatch(...times(3, { status: 'THROTTLED', waitSeconds: 5 }), 'DISPATCHED', 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({
        status: 'SUCCEEDED',
        states: [...[DISPATCH, NEXT, WAIT, DISPATCH, NEXT, WAIT, DISPATCH, NEXT, WAIT], ...[DISPATCH, NEXT, DISPATCH, NEXT, COMPLETE]],
      });
      expect(dispatch.calls.map((call) => call.iteration)).toEqual([0, 1, 2, 3, 4]);
      expect(inputsOf(outcome.history, WAIT)).toEqual([1, 2, 3].map((iteration) => expect.objectContaining({ iteration, waitSeconds: 5 })));
    });

    it('reads the wait from $.waitSeconds (Wait state not overridden, 0 s)', async () => {
      // Prepare
      const dispatch = scriptedDispatch({ status: 'THROTTLED', waitSeconds: 0 }, 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch }), { skipWaits: false }).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, WAIT, DISPATCH, NEXT, COMPLETE] });
    });

    it('fails the execution with States.Runtime when a THROTTLED answer has no waitSeconds: nothing catches it', async () => {
      // Prepare
      const dispatch = scriptedDispatch({ status: 'THROTTLED', waitSeconds: undefined });

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch }), { skipWaits: false }).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({
        status: 'FAILED',
        states: [DISPATCH, NEXT, WAIT],
        error: 'States.Runtime',
        cause: expect.stringContaining('$.waitSeconds'),
      });
    });
  });

  describe('PAUSED', () => {
    it('hands the park task a task token with the backfill, generation and iteration', async () => {
      // Prepare
      const input = aRunInput({ generation: 1, iteration: 7 });
      const park = parksAndWaits();
      const execution = machine.start(input, tasks({ dispatch: scriptedDispatch('PAUSED', 'DONE'), park }));

      // Act
      const token = await execution.nextPark();

      // Assess
      expect(park.calls).toEqual([{ backfill: input.backfill, generation: 1, iteration: 8, taskToken: token }]);
      execution.resume(token);
      await execution.outcome;
    });

    it('stays parked until the token is resumed, then dispatches again and finishes', async () => {
      // Prepare
      const dispatch = scriptedDispatch('PAUSED', 'DONE');
      const execution = machine.start(aRunInput(), tasks({ dispatch, park: parksAndWaits() }));
      const token = await execution.nextPark();
      expect(await hasEnded(execution.outcome)).toBe(false);
      expect(dispatch.calls).toHaveLength(1);

      // Act
      const resumed = execution.resume(token, { resumedBy: 'unpause' });
      const outcome = await execution.outcome;

      // Assess
      expect(resumed).toBe(true);
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, PARK, DISPATCH, NEXT, COMPLETE] });
      // ResultPath null: the resume output is dropped, and the PAUSED answer goes on to dispatch.
      expect(dispatch.calls[1]).toEqual(aRunInput({ iteration: 1 }));
    });

    it('goes on at once when the park task hands its token back itself (resumed before the token was stored)', async () => {
      // Prepare
      let execution: ScenarioExecution | undefined; // assigned before the machine reaches the park
      const park = recordingStub<TaskStubs['park']>((input) => {
        execution?.resume(input.taskToken, { resumedBy: 'park' });
        return { parked: false };
      });
      const dispatch = scriptedDispatch('PAUSED', 'DONE');

      // Act
      execution = machine.start(aRunInput(), tasks({ dispatch, park }));
      const outcome = await execution.outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, PARK, DISPATCH, NEXT, COMPLETE] });
      expect(park.calls).toHaveLength(1);
    });

    it('re-checks the backfill after a day parked (States.Timeout caught) and parks again with a fresh token', async () => {
      // Prepare
      vi.useFakeTimers();
      const dispatch = scriptedDispatch('PAUSED', 'PAUSED', 'DONE');
      const execution = machine.start(aRunInput(), tasks({ dispatch, park: parksAndWaits() }));
      const first = await execution.nextPark();

      // Act
      await vi.advanceTimersByTimeAsync(PARK_TIMEOUT_MS - 1);
      const dispatchesBeforeTimeout = dispatch.calls.length;
      await vi.advanceTimersByTimeAsync(1);
      const second = await execution.nextPark();

      // Assess
      expect(dispatchesBeforeTimeout).toBe(1);
      expect(second).not.toBe(first);
      expect(execution.resume(first)).toBe(false);
      expect(execution.resume(second)).toBe(true);
      const outcome = await execution.outcome;
      expect(summarize(outcome)).toEqual({
        status: 'SUCCEEDED',
        states: [DISPATCH, NEXT, PARK, DISPATCH, NEXT, PARK, DISPATCH, NEXT, COMPLETE],
      });
      expect(failuresOf(outcome.history, PARK)).toEqual(['States.Timeout']);
      expect(outcome.history.filter((event) => event.type === 'StateCaught')).toHaveLength(1);
      expect(dispatch.calls[1]).toEqual(aRunInput({ iteration: 1 }));
    });

    it('retries a park task Lambda failed to run (Lambda.ServiceException), with a fresh token', async () => {
      // Prepare
      const park = recordingStub<TaskStubs['park']>(() => ({ parked: true }), namedError('Lambda.ServiceException'));
      const execution = machine.start(aRunInput(), tasks({ dispatch: scriptedDispatch('PAUSED', 'DONE'), park }));

      // Act
      execution.resume(await execution.nextPark());
      const outcome = await execution.outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, PARK, DISPATCH, NEXT, COMPLETE] });
      expect(retriesOf(outcome.history, PARK)).toHaveLength(1);
      expect(park.calls.map((call) => call.taskToken)).toEqual(['token-1', 'token-2']);
    });

    it('backs off when the park function itself fails (no retry of function errors), then dispatches again', async () => {
      // Prepare
      const park = recordingStub<TaskStubs['park']>(() => ({ parked: true }), throttled);
      const dispatch = scriptedDispatch('PAUSED', 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch, park })).outcome;

      // Assess: the token was never stored, so nobody could resume it; dispatch parks again if still paused.
      expect(summarize(outcome)).toEqual({
        status: 'SUCCEEDED',
        states: [DISPATCH, NEXT, PARK, COUNT, FIRST_FAILED, GIVE_UP, BACK_OFF, DISPATCH, NEXT, COMPLETE],
      });
      expect(park.calls).toHaveLength(1);
      expect(dispatch.calls[1]).toEqual(aRunInput({ iteration: 1 + 4 }));
    });
  });

  describe('CONTINUE_AS_NEW', () => {
    it('hands backfill, generation and iteration to the continue task and succeeds in "Handed over to the next execution"', async () => {
      // Prepare
      const input = aRunInput({ generation: 1 });
      const nextExecution = 'hourly-report-schedule-4wjtkzwVGBM9yKnjm3yv8r-g2';
      const continueTask = recordingStub<TaskStubs['continue']>(() => ({ handedOverTo: nextExecution }));
      const dispatch = scriptedDispatch('DISPATCHED', 'CONTINUE_AS_NEW');

      // Act
      const outcome = await machine.start(input, tasks({ dispatch, continue: continueTask })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, DISPATCH, NEXT, CONTINUE, HANDED_OVER] });
      expect(continueTask.calls).toEqual([{ backfill: input.backfill, generation: 1, iteration: 2 }]);
      expect(outcome.status === 'SUCCEEDED' && outcome.output).toEqual({ handedOverTo: nextExecution });
    });

    it('retries a failed hand-over and then succeeds', async () => {
      // Prepare
      const continueTask = recordingStub<TaskStubs['continue']>(() => ({ handedOverTo: 'g1' }), namedError('ThrottlingException'));
      const dispatch = scriptedDispatch('CONTINUE_AS_NEW');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch, continue: continueTask })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, CONTINUE, HANDED_OVER] });
      expect(continueTask.calls).toHaveLength(2);
      expect(retriesOf(outcome.history, CONTINUE)).toEqual([{ errorEquals: ['States.ALL'], attempt: 1 }]);
    });

    it('backs off once the hand-over has failed 7 times (1 + 6 retries), then dispatches, which asks for the hand-over again', async () => {
      // Prepare
      const failures = Array.from({ length: 7 }, () => namedError('ThrottlingException', 'StartExecution throttled'));
      const continueTask = recordingStub<TaskStubs['continue']>(() => ({ handedOverTo: 'g1' }), ...failures);
      const dispatch = scriptedDispatch('CONTINUE_AS_NEW', 'CONTINUE_AS_NEW');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch, continue: continueTask })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({
        status: 'SUCCEEDED',
        states: [DISPATCH, NEXT, CONTINUE, COUNT, FIRST_FAILED, GIVE_UP, BACK_OFF, DISPATCH, NEXT, CONTINUE, HANDED_OVER],
      });
      expect(continueTask.calls).toHaveLength(8);
      expect(inputsOf(outcome.history, BACK_OFF)).toEqual([
        expect.objectContaining({ failedRounds: 1, lastFailure: { Error: 'ThrottlingException', Cause: 'StartExecution throttled' } }),
      ]);
    });
  });

  describe('GONE', () => {
    it('succeeds in "Backfill deleted" without running another task', async () => {
      // Prepare
      const dispatch = scriptedDispatch('DISPATCHED', 'GONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, DISPATCH, NEXT, DELETED] });
      expect(outcome.status === 'SUCCEEDED' && outcome.output).toMatchObject({ status: 'GONE' });
    });
  });

  describe('the Fail state', () => {
    it('fails in "Unknown dispatch status" when dispatch answers a status the Choice does not know', async () => {
      // Prepare
      const dispatch = scriptedDispatch({ status: 'CANCELLED' });

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({
        status: 'FAILED',
        states: [DISPATCH, NEXT, UNKNOWN],
        error: 'UnknownDispatchStatus',
        cause: 'The dispatch function returned a status this state machine does not know.',
      });
    });

    it('is not reached when the dispatch answer has no status: the Choice fails with States.Runtime', async () => {
      // Prepare
      const dispatch = scriptedDispatch({ status: undefined });

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({
        status: 'FAILED',
        states: [DISPATCH, NEXT],
        error: 'States.Runtime',
        cause: expect.stringContaining('$.status'),
      });
    });
  });

  describe('retries of dispatch', () => {
    it('retries a dispatch whose function failed once (States.ALL) and goes on', async () => {
      // Prepare
      const dispatch = scriptedDispatch(throws(throttled), 'DISPATCHED', 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, DISPATCH, NEXT, COMPLETE] });
      expect(failuresOf(outcome.history, DISPATCH)).toEqual(['Error']);
      expect(retriesOf(outcome.history, DISPATCH)).toEqual([{ errorEquals: ['States.ALL'], attempt: 1 }]);
      // The retry re-runs the same iteration, which dispatchBatch makes idempotent.
      expect(dispatch.calls.map((call) => call.iteration)).toEqual([0, 0, 1]);
    });

    it('retries Lambda service errors with their own retrier and goes on', async () => {
      // Prepare
      const dispatch = scriptedDispatch(throws(namedError('Lambda.ServiceException')), throws(namedError('Lambda.TooManyRequestsException')), 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, COMPLETE] });
      expect(retriesOf(outcome.history, DISPATCH).map((retry) => [retry.errorEquals[0], retry.attempt])).toEqual([
        ['Lambda.ServiceException', 1],
        ['Lambda.ServiceException', 2],
      ]);
      expect(dispatch.calls).toHaveLength(3);
    });

    it('after 6 attempts of a function error (1 + 5 retries) the round has failed: it backs off and dispatches again', async () => {
      // Prepare
      const dispatch = scriptedDispatch(...times(6, throws(throttled)), 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, COUNT, FIRST_FAILED, GIVE_UP, BACK_OFF, DISPATCH, NEXT, COMPLETE] });
      expect(dispatch.calls).toHaveLength(7);
      expect(failuresOf(outcome.history, DISPATCH)).toHaveLength(6);
    });

    it('after 7 attempts of a Lambda service error (1 + 6 retries) the round has failed: it backs off and dispatches again', async () => {
      // Prepare
      const dispatch = scriptedDispatch(...times(7, throws(namedError('Lambda.ServiceException'))), 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, COUNT, FIRST_FAILED, GIVE_UP, BACK_OFF, DISPATCH, NEXT, COMPLETE] });
      expect(dispatch.calls).toHaveLength(8);
    });

    it('counts retries per visit of the state: failures spread over iterations do not add up', async () => {
      // Prepare
      const fiveFailures = times(5, throws(throttled));
      const dispatch = scriptedDispatch(...fiveFailures, 'DISPATCHED', ...fiveFailures, 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({ status: 'SUCCEEDED', states: [DISPATCH, NEXT, DISPATCH, NEXT, COMPLETE] });
      expect(dispatch.calls).toHaveLength(12);
      expect(retriesOf(outcome.history, DISPATCH)).toHaveLength(10);
    });
  });
});
