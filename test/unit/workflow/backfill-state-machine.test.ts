import { beforeAll, describe, expect, it } from 'vitest';
import {
  aDispatchOutput,
  aRunInput,
  BackfillStateMachine,
  type DispatchStep,
  failuresOf,
  inputsOf,
  namedError,
  retriesOf,
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
const COMPLETE = 'Backfill complete';
const DELETED = 'Backfill deleted';
const UNKNOWN = 'Unknown dispatch status';

let machine: BackfillStateMachine;

beforeAll(() => {
  machine = new BackfillStateMachine();
});

/** The scenario's stubs; a task it leaves out fails the execution with UnexpectedTaskCall if reached. */
function tasks(stubs: Pick<TaskStubs, 'dispatch'> & Partial<TaskStubs>): TaskStubs {
  return { park: unexpected('park'), continue: unexpected('continue'), ...stubs };
}

const times = (n: number, step: DispatchStep): DispatchStep[] => Array.from({ length: n }, () => step);
const throws = (error: Error): DispatchStep => ({ throws: error });
const throttled = new Error('ProvisionedThroughputExceededException: DynamoDB is throttling');

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
        states: [
          ...[DISPATCH, NEXT, WAIT, DISPATCH, NEXT, WAIT, DISPATCH, NEXT, WAIT],
          ...[DISPATCH, NEXT, DISPATCH, NEXT, COMPLETE],
        ],
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
      const dispatch = scriptedDispatch(
        throws(namedError('Lambda.ServiceException')),
        throws(namedError('Lambda.TooManyRequestsException')),
        'DONE',
      );

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

    it('fails the execution with the function error after 6 attempts (1 + 5 retries): no Catch', async () => {
      // Prepare
      const dispatch = scriptedDispatch(...times(6, throws(throttled)), 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toEqual({
        status: 'FAILED',
        states: [DISPATCH],
        error: 'Error',
        cause: expect.stringContaining('DynamoDB is throttling'),
      });
      expect(dispatch.calls).toHaveLength(6);
    });

    it('fails the execution after 7 attempts of a Lambda service error (1 + 6 retries)', async () => {
      // Prepare
      const dispatch = scriptedDispatch(...times(7, throws(namedError('Lambda.ServiceException'))), 'DONE');

      // Act
      const outcome = await machine.start(aRunInput(), tasks({ dispatch })).outcome;

      // Assess
      expect(summarize(outcome)).toMatchObject({ status: 'FAILED', states: [DISPATCH], error: 'Lambda.ServiceException' });
      expect(dispatch.calls).toHaveLength(7);
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
