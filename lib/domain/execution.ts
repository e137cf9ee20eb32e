import type { Label } from './flow/model';

/**
 * Kestra's execution states this product produces. KILLING is never stored as the current state (a
 * running execution asked to stop stays RUNNING, with its kill request beside it, until its worker
 * ends it KILLED: see `asSeen`); it appears in histories. RESTARTED is stored: a finished execution
 * run again in place waits in it, like CREATED, until a worker takes it.
 */
export type StateType = 'CREATED' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'KILLED' | 'KILLING' | 'RESTARTED';

/**
 * Every state Kestra knows (its `State.Type`): what a trigger's `stopAfter` and a search's state filter
 * may name, though this product produces only `StateType`'s.
 */
export const KESTRA_STATE_TYPES: readonly string[] = [
  'CREATED',
  'SUBMITTED',
  'RUNNING',
  'PAUSED',
  'RESTARTED',
  'KILLING',
  'SUCCESS',
  'WARNING',
  'FAILED',
  'KILLED',
  'CANCELLED',
  'QUEUED',
  'RETRYING',
  'RETRIED',
  'SKIPPED',
  'BREAKPOINT',
  'RESUBMITTED',
];

export const TERMINAL_STATES: ReadonlySet<StateType> = new Set(['SUCCESS', 'FAILED', 'KILLED']);

/**
 * Whether an ended execution counts among its backfill's failures: anything but SUCCESS. A killed
 * execution ended without doing its work, so its tick is not counted succeeded.
 */
export function countsAsFailed(state: StateType): boolean {
  return state !== 'SUCCESS';
}

/**
 * A request to kill an execution, stored beside it (`killAt`, `killBy`): what a worker, a task
 * runner and the recovery paths look for. Set on a running execution whose worker holds its lease;
 * an execution no worker holds is written KILLED at once instead.
 */
export interface KillRequest {
  /** When it was asked (ISO-8601). */
  at: string;
  /** Who or what asked, for the log line the execution ends with (`DELETE …/actions/kill`, an operation). */
  by: string;
}

export interface StateHistory {
  state: StateType;
  date: string;
}

/** Kestra's `State` object: the current state, every transition, and the derived times. */
export interface ExecutionState {
  current: StateType;
  histories: StateHistory[];
  startDate: string;
  endDate?: string;
  duration?: string;
}

export interface ExecutionTrigger {
  id: string;
  type: string;
  /** `date`, `next`, `previous`: ISO strings in the trigger's zone, as Kestra stores them. */
  variables: Record<string, string>;
}

export interface TaskRunAttempt {
  state: ExecutionState;
}

export interface TaskRun {
  id: string;
  executionId: string;
  namespace: string;
  flowId: string;
  taskId: string;
  state: ExecutionState;
  attempts: TaskRunAttempt[];
  outputs?: Record<string, unknown>;
}

/** An execution in Kestra's JSON shape, as the executions API returns it. */
export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  labels: Label[];
  inputs: Record<string, unknown>;
  state: ExecutionState;
  trigger?: ExecutionTrigger;
  taskRunList: TaskRun[];
  /**
   * A replay's original (Kestra's `originalId` and `metadata.originalCreatedDate`): stored on replays
   * only, so other documents stay as small as before; `toKestraExecution` answers it as Kestra's fields.
   */
  replayOf?: { id: string; createdDate: string };
}

/** Kestra's `ExecutionMetadata`. */
export interface ExecutionMetadata {
  /** When the execution was created (a replay's original's creation, in Kestra). */
  originalCreatedDate: string;
  /** Which run of the execution this document is from: 1 for its first, one more for each run after it (see `runsStarted`). */
  attemptNumber: number;
}

/**
 * An execution as the API answers it: the stored document plus the fields Kestra 2.x requires that
 * can be derived from it (`originalId`, `deleted`, `metadata`, a running state's `duration`). They
 * are derived on every read rather than stored, so that an execution's item stays small: it is
 * written once per run and read rarely (docs/tables.md).
 */
export interface KestraExecution extends Execution {
  originalId: string;
  deleted: boolean;
  metadata: ExecutionMetadata;
}

/**
 * How many runs of the execution started: each worker that took it wrote a RUNNING transition
 * (a first run, and one per worker that took it over after its predecessor died or released it).
 * Its log lines are numbered by it (LogWriter), so `metadata.attemptNumber` names the same run
 * as the lines it wrote.
 */
export function runsStarted(execution: Execution): number {
  return execution.state.histories.filter((h) => h.state === 'RUNNING').length;
}

/**
 * Runs started since the execution was last restarted (all of them if it never was): what the
 * worker's attempt limit counts, so a restart gives a failed execution its attempts back.
 */
export function runsSinceRestart(execution: Execution): number {
  const histories = execution.state.histories;
  const restarted = histories.findLastIndex((h) => h.state === 'RESTARTED');
  return histories.slice(restarted + 1).filter((h) => h.state === 'RUNNING').length;
}

/**
 * The execution as a reader should see it: a running execution with a kill request shows KILLING (as
 * Kestra's does while its tasks stop), from the request's time; any other as stored.
 */
export function asSeen(execution: Execution, killed: KillRequest | undefined): Execution {
  if (!killed || TERMINAL_STATES.has(execution.state.current) || execution.state.current === 'KILLING') return execution;
  return { ...execution, state: { ...execution.state, current: 'KILLING', histories: [...execution.state.histories, { state: 'KILLING', date: killed.at }] } };
}

/**
 * The state a killed execution ends in, at `at`: KILLING from the request (when it was running: its
 * tasks were stopped), then KILLED.
 */
export function killedState(state: ExecutionState, killed: KillRequest, at: Date): ExecutionState {
  // Never before the run it stops began, nor after its end.
  const last = Date.parse(state.histories.at(-1)?.date ?? state.startDate);
  const stopping = state.current === 'RUNNING' ? transition(state, 'KILLING', new Date(Math.max(last, Math.min(Date.parse(killed.at), at.getTime())))) : state;
  return transition(stopping, 'KILLED', at);
}

/**
 * The execution as the API answers it (`KestraExecution`), at `now`: never deleted (executions are
 * not soft-deleted here), its own original unless it is a replay (then the execution it replays, and
 * that one's creation), created at its first transition, from its latest run (1 before any run), and
 * an unfinished state's `duration` counted up to now, as Kestra's `State` does.
 */
export function toKestraExecution(execution: Execution, now: Date): KestraExecution {
  const { replayOf, ...document } = execution;
  const state = document.state.endDate ? document.state : { ...document.state, duration: isoDuration(now.getTime() - Date.parse(document.state.startDate)) };
  return {
    ...document,
    state,
    originalId: replayOf?.id ?? document.id,
    deleted: false,
    metadata: {
      originalCreatedDate: replayOf?.createdDate ?? createdDateOf(document),
      attemptNumber: Math.max(1, runsStarted(document)),
    },
  };
}

/** When the execution was created: its first transition. */
export function createdDateOf(execution: Execution): string {
  return execution.state.histories[0]?.date ?? execution.state.startDate;
}

/** States an execution may be restarted from, in place (Kestra restarts failed and killed ones). */
export const RESTARTABLE_STATES: ReadonlySet<StateType> = new Set(['FAILED', 'KILLED']);

/**
 * The state of an ended execution put back to run again in place, at `at`: RESTARTED, without its
 * end; the worker that takes it moves it to RUNNING (a new run: `metadata.attemptNumber` grows).
 */
export function restartedState(state: ExecutionState, at: Date): ExecutionState {
  const { endDate: _endDate, duration: _duration, ...running } = state;
  return { ...running, current: 'RESTARTED', histories: [...state.histories, { state: 'RESTARTED', date: at.toISOString() }] };
}

/** Where an execution came from, kept beside the Kestra document for searching and progress. */
export interface ExecutionOrigin {
  backfillId?: string;
  /** For live executions: the trigger's live owner key (see `liveOwner`). */
  liveOwner?: string;
  /** The schedule tick (epoch ms) the execution stands for. */
  tickMs?: number;
  /** For a backfill's executions: the dispatch ledger page that sent it, and its slot there (see LedgerPage). */
  page?: { id: string; slot: number };
}

export function newState(at: Date): ExecutionState {
  const date = at.toISOString();
  return { current: 'CREATED', histories: [{ state: 'CREATED', date }], startDate: date };
}

/** Returns the state moved to `next` at `at`, with `endDate`/`duration` set on terminal states. */
export function transition(state: ExecutionState, next: StateType, at: Date): ExecutionState {
  const date = at.toISOString();
  const moved: ExecutionState = { ...state, current: next, histories: [...state.histories, { state: next, date }] };
  if (TERMINAL_STATES.has(next)) {
    moved.endDate = date;
    moved.duration = isoDuration(at.getTime() - Date.parse(state.startDate));
  }
  return moved;
}

/** Formats milliseconds like java.time.Duration#toString (`PT0S`, `PT1.25S`, `PT2M3S`, `PT1H`), as Kestra serialises durations. */
export function isoDuration(ms: number): string {
  const negative = ms < 0;
  let rest = Math.abs(Math.round(ms));
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  let out = 'PT';
  if (hours) out += `${hours}H`;
  if (minutes) out += `${minutes}M`;
  if (seconds || (!hours && !minutes)) out += `${seconds}S`;
  return negative ? `-${out}` : out;
}
