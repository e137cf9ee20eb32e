import { StateMachine } from 'aws-local-stepfunctions';
import type { handler as continueHandler } from '../../../functions/continue';
import type { handler as dispatchHandler } from '../../../functions/dispatch';
import type { handler as failHandler } from '../../../functions/fail';
import type { handler as parkHandler } from '../../../functions/park';
import type { DispatchOutput, DispatchStatus } from '../../../lib/app/dispatch';
import type { BackfillRunInput } from '../../../lib/ports';
import { BACKFILL_TASK_FUNCTIONS, type BackfillTaskPlaceholder, readBackfillDefinition } from '../../../lib/workflow/definition';
import '../../../lib/adapters/local/promise-with-resolvers';

/*
 * Runs the repository's one ASL file on aws-local-stepfunctions with scripted task handlers, the
 * way serverless-test-samples runs its MockConfigFile test cases: no DynamoDB, no Lambda, no real waits.
 *
 * It binds Task states as the embedded runner (lib/adapters/local/local-backfill-workflows.ts) does: by the `${…FunctionArn}`
 * placeholder, to the handler of the `functions/` module BACKFILL_TASK_FUNCTIONS names, wrapping a
 * result as `lambda:invoke` does ({ Payload }), and emulating `.waitForTaskToken` with a promise that
 * `resume(token)` settles. Unlike that runner it exposes each execution's event history and result,
 * and zeroes every Wait and every retry interval.
 */

type TaskModule = (typeof BACKFILL_TASK_FUNCTIONS)[BackfillTaskPlaceholder];

/** One stub per `functions/` module the ASL names, with that Lambda handler's signature. */
export interface TaskStubs {
  dispatch: typeof dispatchHandler;
  park: typeof parkHandler;
  continue: typeof continueHandler;
  fail: typeof failHandler;
}

type ParkInput = Parameters<TaskStubs['park']>[0];

/** What `$$.Task.Token` resolves to; the park binding checks the ASL passed it, then mints a real one. */
const CONTEXT_TASK_TOKEN = 'task-token-from-context-object';

/** One event of an execution's history (aws-local-stepfunctions does not export the type). */
export type ExecutionEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export type Outcome =
  | { status: 'SUCCEEDED'; output: unknown; history: ExecutionEvent[] }
  | { status: 'FAILED'; error: string; cause: unknown; history: ExecutionEvent[] };

/** One running execution of the backfill state machine. */
export interface ScenarioExecution {
  /** Settles when the execution ends (succeeded or failed), with its whole event history. */
  readonly outcome: Promise<Outcome>;
  /** Resolves with the token of the next park (the park stub has been called with it). */
  nextPark(): Promise<string>;
  /** SendTaskSuccess: false if nothing is parked on that token (used, timed out, or unknown). */
  resume(token: string, output?: unknown): boolean;
}

export interface RunOptions {
  /**
   * Zero every Wait state with `waitTimeOverrides`. aws-local-stepfunctions then does not read
   * `SecondsPath` at all, so a test of that path turns this off (and scripts `waitSeconds: 0`).
   * @default true
   */
  skipWaits?: boolean;
}

interface TaskState {
  Type: string;
  Resource?: string;
  Retry?: unknown[];
  Parameters?: { FunctionName?: string };
}

/** The backfill state machine, built once (validation costs tens of ms), run once per scenario. */
export class BackfillStateMachine {
  private readonly machine: StateMachine;
  private readonly taskModules = new Map<string, { module: TaskModule; callback: boolean }>();
  private readonly waitStates: string[] = [];
  private readonly retryingStates: string[] = [];

  constructor() {
    const definition = JSON.parse(readBackfillDefinition()) as { States: Record<string, TaskState> };
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type === 'Wait') this.waitStates.push(stateName);
      if (state.Retry) this.retryingStates.push(stateName);
      if (state.Type !== 'Task') continue;
      const placeholder = /^\$\{(\w+)\}$/.exec(state.Parameters?.FunctionName ?? '')?.[1];
      if (!placeholder || !(placeholder in BACKFILL_TASK_FUNCTIONS)) {
        throw new Error(`Task state "${stateName}" names no known function (FunctionName ${state.Parameters?.FunctionName})`);
      }
      const module = BACKFILL_TASK_FUNCTIONS[placeholder as BackfillTaskPlaceholder];
      this.taskModules.set(stateName, { module, callback: state.Resource?.endsWith('.waitForTaskToken') ?? false });
      // A fake ARN keeps the definition valid; the override means it is never called.
      state.Parameters = { ...state.Parameters, FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${module}` };
    }
    this.machine = new StateMachine(definition as never);
  }

  /** Starts an execution with `input`, every Task state served by its stub. */
  start(input: BackfillRunInput, stubs: TaskStubs, options: RunOptions = {}): ScenarioExecution {
    const parked = new Map<string, (output: unknown) => void>();
    const parkedTokens: string[] = []; // in order, once the park stub has returned
    const parkWaiters = new Map<number, (token: string) => void>();
    let minted = 0;
    let parksAwaited = 0;

    const park = async (payload: ParkInput): Promise<unknown> => {
      if (payload.taskToken !== CONTEXT_TASK_TOKEN) {
        throw namedError('HarnessError', `park payload has taskToken ${payload.taskToken}, not $$.Task.Token`);
      }
      // One park at a time: a new one means the previous token died (timed out, or a retried attempt).
      parked.clear();
      const token = `token-${++minted}`;
      const resumed = new Promise<unknown>((resolve) => parked.set(token, resolve));
      await stubs.park({ ...payload, taskToken: token });
      parkedTokens.push(token);
      parkWaiters.get(parkedTokens.length - 1)?.(token);
      return resumed;
    };

    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, { module, callback }] of this.taskModules) {
      handlers[stateName] = callback
        ? (input) => park((input as { Payload: ParkInput }).Payload)
        : async (input) => ({
            StatusCode: 200,
            Payload: await (stubs[module] as (payload: unknown) => Promise<unknown>)((input as { Payload: unknown }).Payload),
          });
    }

    const execution = this.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: options.skipWaits === false ? {} : Object.fromEntries(this.waitStates.map((name) => [name, 0])),
        retryIntervalOverrides: Object.fromEntries(this.retryingStates.map((name) => [name, 0])),
      },
      context: { Task: { Token: CONTEXT_TASK_TOKEN } } as never,
    });

    const history: ExecutionEvent[] = [];
    const recorded = (async () => {
      for await (const event of execution.eventLogs) history.push(event);
    })();
    const outcome = execution.result.then(
      async (output): Promise<Outcome> => {
        await recorded;
        parked.clear();
        return { status: 'SUCCEEDED', output, history };
      },
      async (): Promise<Outcome> => {
        await recorded;
        parked.clear();
        const failed = history.find((event) => event.type === 'ExecutionFailed');
        if (!failed || failed.type !== 'ExecutionFailed') throw new Error('execution rejected without an ExecutionFailed event');
        return { status: 'FAILED', error: failed.Error, cause: failed.Cause, history };
      },
    );

    return {
      outcome,
      nextPark: () => {
        const index = parksAwaited++;
        const token = parkedTokens[index];
        if (token !== undefined) return Promise.resolve(token);
        return new Promise<string>((resolve) => parkWaiters.set(index, resolve));
      },
      resume: (token, output = {}) => {
        const resolve = parked.get(token);
        if (!resolve) return false;
        parked.delete(token);
        resolve(output);
        return true;
      },
    };
  }
}

// ---- Scripted task results ------------------------------------------------------------------

/** A scripted answer of a task: a dispatch status (plus fields), or an error the task throws. */
export type DispatchStep = DispatchStatus | (Omit<Partial<DispatchOutput>, 'status'> & { status?: string }) | { throws: Error };

/** A stub that records every payload it receives. */
export type Recorded<F extends (...args: never[]) => unknown> = F & { calls: Parameters<F>[0][] };

/**
 * The dispatch stub: answers each call with the next step of the script, echoing the input as
 * dispatchBatch does (same backfill and generation, iteration + 1). An exhausted script throws
 * ScriptExhausted, which the ASL retries and then fails on, so an unexpected extra call shows.
 */
export function scriptedDispatch(...script: DispatchStep[]): Recorded<TaskStubs['dispatch']> {
  const calls: BackfillRunInput[] = [];
  const stub = async (input: BackfillRunInput): Promise<DispatchOutput> => {
    calls.push(input);
    const step = script[calls.length - 1];
    if (step === undefined) throw namedError('ScriptExhausted', `dispatch called ${calls.length} times, scripted ${script.length}`);
    if (typeof step === 'object' && 'throws' in step) throw step.throws;
    const fields = typeof step === 'string' ? { status: step } : step;
    return aDispatchOutput(input, fields as Partial<DispatchOutput>);
  };
  return Object.assign(stub, { calls });
}

/** A task stub that answers each call with `answer`, or, while the list lasts, throws the next of `failures`. */
export function recordingStub<F extends (input: never) => Promise<unknown>>(
  answer: (input: Parameters<F>[0]) => Awaited<ReturnType<F>> | Promise<Awaited<ReturnType<F>>>,
  ...failures: Error[]
): Recorded<F> {
  const calls: Parameters<F>[0][] = [];
  const stub = async (input: Parameters<F>[0]) => {
    calls.push(input);
    const failure = failures[calls.length - 1];
    if (failure) throw failure;
    return answer(input);
  };
  return Object.assign(stub as unknown as F, { calls });
}

/** A stub for a task the scenario must not reach: it fails the execution with UnexpectedTaskCall. */
export function unexpected<F extends (input: never) => Promise<unknown>>(module: TaskModule): Recorded<F> {
  return recordingStub<F>(() => {
    throw namedError('UnexpectedTaskCall', `the ${module} task was not expected to run`);
  });
}

// ---- Factories --------------------------------------------------------------------------------

/** The input StartExecution gets for a backfill (lib/app/backfills.ts starts generation 0, iteration 0). */
export function aRunInput(overrides: Partial<BackfillRunInput> = {}): BackfillRunInput {
  return {
    backfill: { namespace: 'company.team', flowId: 'hourly-report', triggerId: 'schedule', id: '4wjtkzwVGBM9yKnjm3yv8r' },
    generation: 0,
    iteration: 0,
    ...overrides,
  };
}

/** What dispatchBatch answers for `input`: same backfill and generation, the next iteration. */
export function aDispatchOutput(input: BackfillRunInput, overrides: Partial<DispatchOutput> = {}): DispatchOutput {
  return {
    backfill: input.backfill,
    generation: input.generation,
    iteration: input.iteration + 1,
    status: 'DISPATCHED',
    waitSeconds: 0,
    ...overrides,
  };
}

/** An error with a given name: what Step Functions matches in ErrorEquals (Lambda's errorType). */
export function namedError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

// ---- Reading the history ----------------------------------------------------------------------

/** Names of the states entered, in order (the console's "state transitions"). */
function statesEntered(history: ExecutionEvent[]): string[] {
  return history.flatMap((event) => (event.type === 'StateEntered' ? [event.state.name] : []));
}

/** The outcome as one comparable value: status, states entered, and the error and cause of a failure. */
export function summarize(outcome: Outcome): { status: Outcome['status']; states: string[]; error?: string; cause?: unknown } {
  const states = statesEntered(outcome.history);
  return outcome.status === 'FAILED' ? { status: outcome.status, states, error: outcome.error, cause: outcome.cause } : { status: outcome.status, states };
}

/** How many times a state was entered. */
export function timesEntered(history: ExecutionEvent[], stateName: string): number {
  return statesEntered(history).filter((name) => name === stateName).length;
}

/** The retries of a state: which retrier (by its ErrorEquals) and the attempt it was on. */
export function retriesOf(history: ExecutionEvent[], stateName: string): { errorEquals: string[]; attempt: number }[] {
  return history.flatMap((event) =>
    event.type === 'StateRetried' && event.state.name === stateName ? [{ errorEquals: event.retry.retrier.ErrorEquals, attempt: event.retry.attempt }] : [],
  );
}

/** The errors a state failed with, in order (retried, caught or final). */
export function failuresOf(history: ExecutionEvent[], stateName: string): string[] {
  return history.flatMap((event) => (event.type === 'StateFailed' && event.state.name === stateName ? [event.Error] : []));
}

/** The inputs a state was entered with, in order. */
export function inputsOf(history: ExecutionEvent[], stateName: string): unknown[] {
  return history.flatMap((event) => (event.type === 'StateEntered' && event.state.name === stateName ? [event.state.input] : []));
}
