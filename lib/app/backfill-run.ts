import { backfillExecutionName } from '../domain/backfill';
import { undispatchedRange } from '../domain/backfill-order';
import { hasEnded } from '../domain/ledger';
import { endBackfill } from './backfill-ending';
import type { FinalNotificationDeps } from './backfill-notifications';
import { type TriggerRef, activeBackfill } from '../domain/trigger-state';
import type { BackfillRunInput, BackfillWorkflows, Clock, DispatchLedger, TriggerStore } from '../ports';

export interface ContinueAsNewDeps {
  triggers: Pick<TriggerStore, 'setBackfillExecution'>;
  workflows: Pick<BackfillWorkflows, 'start' | 'status'>;
}

export interface ParkDeps {
  triggers: Pick<TriggerStore, 'storeTaskToken'>;
  workflows: Pick<BackfillWorkflows, 'resume'>;
}

export interface FailBackfillDeps extends FinalNotificationDeps {
  clock: Clock;
  triggers: Pick<TriggerStore, 'getBackfill' | 'finishBackfill' | 'claimNotification' | 'recordNotification'>;
  ledger: Pick<DispatchLedger, 'read' | 'remove'>;
}

/** What the state machine's "End the backfill FAILED" state hands its task. */
export interface FailBackfillInput extends BackfillRunInput {
  /** Rounds failed in a row, this one included (a round: a task state and all its retries). */
  failedRounds: number;
  /** The last round's error, as a Catch records it: Lambda's errorType, and its JSON error document. */
  failure: { Error?: string; Cause?: string };
}

/**
 * When the state machine (lib/workflow/backfill.asl.json, its "Give up?" state) ends a backfill
 * FAILED: after this many failed rounds in a row, or once failing rounds have taken its execution
 * to this many iterations (it cannot hand over to a new execution, and its history nears
 * Step Functions' 25,000-event limit). A test holds the ASL to these numbers.
 */
export const GIVE_UP = { failedRounds: 36, iterations: 2000 } as const;

/** Dead generations one hand-over steps over before it fails (and its state retries it). */
const MAX_DEAD_GENERATIONS = 5;

/** A FAILED backfill's reason stays short: it is shown by the API and the UI, and kept on the trigger's row. */
const MAX_REASON_CHARS = 1000;

/**
 * Continue-as-new: the running state machine execution starts the next generation and ends, so no
 * single execution's history approaches Step Functions' 25,000-event limit, whatever the window.
 *
 * A retried or redriven hand-over may find that generation's execution exists already. Running or
 * succeeded, it drives (or drove) the backfill; failed, timed out or aborted, nothing drives it any
 * more, so the hand-over starts the generation after it instead of ending on a dead one.
 */
export async function continueAsNew(deps: ContinueAsNewDeps, input: BackfillRunInput): Promise<{ handedOverTo: string }> {
  const first = input.generation + 1;
  for (let generation = first; generation <= first + MAX_DEAD_GENERATIONS; generation++) {
    const name = backfillExecutionName(input.backfill, generation);
    // Recorded first, so the console name shown by the API is never behind; both steps are idempotent,
    // and the row's generation only moves forward.
    await deps.triggers.setBackfillExecution(input.backfill, input.backfill.id, generation, name);
    if (await deps.workflows.start(name, { backfill: input.backfill, generation, iteration: 0 })) return { handedOverTo: name };
    const status = await deps.workflows.status(name);
    if (status === 'RUNNING' || status === 'SUCCEEDED') return { handedOverTo: name };
    if (status === undefined) throw new Error(`Execution ${name} exists (StartExecution refused it) but cannot be described yet`);
    console.warn(`Backfill ${input.backfill.id}: its execution ${name} ended ${status}; starting generation ${generation + 1} instead`);
  }
  throw new Error(`Backfill ${input.backfill.id}: generations ${first} to ${first + MAX_DEAD_GENERATIONS} all ended without success`);
}

/**
 * Runs inside the `.waitForTaskToken` state: keeps the token with the backfill so that unpausing
 * can hand it back. If the backfill was resumed, deleted or cancelled before the token was stored,
 * nobody would ever send it, so the park hands it back itself.
 */
export async function parkUntilResumed(deps: ParkDeps, input: BackfillRunInput & { taskToken: string }): Promise<{ parked: boolean }> {
  const backfill = await deps.triggers.storeTaskToken(input.backfill, input.backfill.id, input.taskToken);
  // Being cancelled: a cancel that took no token (this one was not stored yet) would leave it parked; go on to dispatch, which ends.
  if (backfill?.paused && !backfill.cancelling) return { parked: true };
  await deps.workflows.resume(input.taskToken, { resumedBy: 'park' });
  return { parked: false };
}

/**
 * The state machine gives up: its tasks failed round after round for hours. The backfill ends
 * FAILED with the last error as its reason (the trigger's `lastBackfill`), its open ledger pages go
 * as a deleted backfill's do, and a new backfill can start. Executions already sent run on. Returns
 * the reason, which the state machine's Fail state shows as the execution's cause.
 */
export async function failBackfill(deps: FailBackfillDeps, input: FailBackfillInput): Promise<{ failed: boolean; reason: string }> {
  const reason = failureReason(input);
  const ref = input.backfill;
  const backfill = activeBackfill(await deps.triggers.getBackfill(ref, ref.id));
  // Deleted or ended meanwhile: nothing left to end.
  if (!backfill) return { failed: false, reason };
  const ended = await endBackfill(deps, ref, backfill, 'FAILED', deps.clock.now().toISOString(), reason);
  if (!ended) return { failed: false, reason };
  await deps.ledger.remove(ended.openPages);
  console.error(`Backfill ${ref.id} of ${ref.namespace}.${ref.flowId}.${ref.triggerId} ended FAILED: ${reason}`);
  return { failed: true, reason };
}

/** Why the state machine gave up, with the last error (its message from Lambda's error document when the cause is one). */
export function failureReason(input: Pick<FailBackfillInput, 'failedRounds' | 'iteration' | 'failure'>): string {
  const type = input.failure.Error || 'unknown error';
  let message = input.failure.Cause ?? '';
  try {
    const document = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof document?.errorMessage === 'string') message = document.errorMessage;
  } catch {
    // Not Lambda's JSON document (a timeout, a Step Functions error): the cause as it is.
  }
  const why =
    input.failedRounds >= GIVE_UP.failedRounds
      ? `The state machine's tasks failed ${input.failedRounds} rounds in a row`
      : `The state machine's tasks kept failing until its execution reached ${input.iteration} iterations without handing over to a new one`;
  const reason = `${why}; last error ${type}${message ? `: ${message}` : ''}`;
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
}

export interface CompleteIfDrainedDeps extends FinalNotificationDeps {
  clock: Clock;
  triggers: Pick<TriggerStore, 'getBackfill' | 'finishBackfill' | 'claimNotification' | 'recordNotification'>;
  ledger: Pick<DispatchLedger, 'read' | 'remove'>;
}

/**
 * Called by the worker whose marks ended a ledger page: if every tick is dispatched and every open
 * page has ended, the backfill is complete, and it leaves the trigger now rather than at dispatch's
 * next check (the one a client that waits for its executions to end sees next). The row is read
 * first: its cursor moves in the same write that opens a batch's page, so "all dispatched" seen
 * first means its open pages are all there is. Finishing is a conditional write, so the worker and
 * dispatch may race to it: one completes it, the other finds it done.
 *
 * A backfill being cancelled ends CANCELLED once every open page has ended, wherever its cursor
 * stood (a cancel froze it: nothing more is dispatched), paused or not.
 */
export async function completeIfDrained(deps: CompleteIfDrainedDeps, ref: TriggerRef, backfillId: string): Promise<boolean> {
  const backfill = activeBackfill(await deps.triggers.getBackfill(ref, backfillId));
  if (!backfill) return false;
  if (!backfill.cancelling && (backfill.paused || undispatchedRange(backfill))) return false;
  const pages = await deps.ledger.read(backfill.openPages);
  if (!pages.every(hasEnded)) return false;
  // No fold first: finishing takes the counters off the row with the backfill (and counts these pages in its summary).
  const ended = await endBackfill(deps, ref, backfill, backfill.cancelling ? 'CANCELLED' : 'COMPLETED', deps.clock.now().toISOString());
  if (!ended) return false;
  await deps.ledger.remove(ended.openPages);
  return true;
}
