import type { Label } from './flow/model';

/** Kestra's execution states this product produces. */
export type StateType = 'CREATED' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'KILLED';

export const TERMINAL_STATES: ReadonlySet<StateType> = new Set(['SUCCESS', 'FAILED', 'KILLED']);

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
