import { nextBatchStart } from '../domain/backfill-order';
import { type KillRequest, TERMINAL_STATES, killedState, newState } from '../domain/execution';
import { tickExecutionId } from '../domain/ids';
import { type LedgerPage, type SlotMark, ledgerPageId, slotMarkOf } from '../domain/ledger';
import type { ScheduledExecution } from '../domain/scheduled-execution';
import type { BackfillCancel, BackfillState, BackfillTarget, TriggerRef, TriggerState } from '../domain/trigger-state';
import type { BackfillWorkflows, Clock, DispatchLedger, ExecutionStore, FlowStore, LogLine, LogStore, StoredExecution, TriggerStore } from '../ports';
import { mapLimit } from '../util/map-limit';
import { type DispatchContext, backfillContext, buildBackfillExecution } from './backfill-executions';
import type { FinalNotificationDeps } from './backfill-notifications';
import { completeIfDrained } from './backfill-run';
import { eachTargeted, refOf, reread } from './backfill-targets';
import { resolveTrigger } from './backfills';
import { killLogLine } from './kill-log';

/** What carrying a cancel on takes: the request, dispatch and the sweep each do it. */
export interface CarryOnCancelDeps extends FinalNotificationDeps {
  clock: Clock;
  /** The backfill's pinned flow revision (see backfillFlow), to build the documents of its queued executions. */
  flows: Pick<FlowStore, 'get' | 'getRevision'>;
  /** `claimNotification`, `recordNotification`: the CANCELLED ending's notification (see endBackfill). */
  triggers: Pick<TriggerStore, 'getBackfill' | 'finishBackfill' | 'claimNotification' | 'recordNotification'>;
  executions: Pick<ExecutionStore, 'statesOf' | 'createIfAbsent' | 'requestKill'>;
  ledger: Pick<DispatchLedger, 'open' | 'read' | 'markEnded' | 'remove'>;
  logs: Pick<LogStore, 'append'>;
}

/** What starting a cancel takes (the request, or dispatch for a failure policy whose action is CANCEL). */
export interface StartCancelDeps extends Omit<CarryOnCancelDeps, 'triggers'> {
  triggers: Pick<TriggerStore, 'getBackfill' | 'finishBackfill' | 'claimNotification' | 'recordNotification' | 'markBackfillCancelling'>;
}

export interface CancelBackfillDeps extends Omit<StartCancelDeps, 'triggers'> {
  /** `get`: the trigger and its backfills, read before and after. */
  triggers: StartCancelDeps['triggers'] & Pick<TriggerStore, 'get'>;
  /** The parked state machine (a paused backfill) is handed its token back, so that it ends too. */
  workflows: Pick<BackfillWorkflows, 'resume'>;
}

/** Kills a slot's execution at most this many at a time (each a write or two). */
const KILLS_AT_ONCE = 8;

/**
 * Cancel (beyond Kestra, whose delete lets running executions go on): removes the backfill and
 * kills its executions, running and queued, so that none runs after it. In steps that each hold
 * alone, so a crash anywhere loses nothing and the same call (or dispatch, or the sweep) finishes it:
 * 1. the cancel is recorded on the backfill (`markBackfillCancelling`): from then on its cursor
 *    cannot move, so dispatch opens no new page, and a worker that takes one of its executions kills
 *    it instead of running it (see `writeKilled`);
 * 2. every execution of its open ledger pages not ended yet is killed, as Kestra's kill would (see
 *    `carryOnCancel`): written KILLED if no worker has it, or asked to stop (its task runner kills
 *    the task's processes within about a second, its worker ends it KILLED);
 * 3. once every one of them has ended, the backfill leaves the trigger with the outcome CANCELLED
 *    and its counts (`lastBackfill`): at once when none was running, else when the last one stops
 *    (its worker completes it, as it completes a backfill whose last execution ends).
 * `by` says who asked, for the killed executions' log line. Without `backfillId`, every active
 * backfill of the trigger. Answers the trigger as it is then: without the backfill, or with it and
 * its `cancelling`, while running executions stop.
 */
export async function cancelBackfill(deps: CancelBackfillDeps, target: BackfillTarget, by: string): Promise<TriggerState> {
  const ref = refOf(target);
  const { state } = await resolveTrigger(deps, ref);
  const at = deps.clock.now().toISOString();
  await eachTargeted(state, target, (backfill) =>
    startCancel(deps, ref, backfill, { at, by: `backfill ${backfill.id} cancelled, ${by}` }, { resume: deps.workflows }),
  );
  return reread(deps, ref, state);
}

/**
 * Records the cancel (the first one recorded stands) and carries it on; false when the backfill was
 * gone. With `resume`, a state machine parked on the backfill's pause is handed its token back
 * first: its next dispatch finds the cancel and ends (GONE), rather than waiting for the token's
 * daily re-check.
 */
export async function startCancel(
  deps: StartCancelDeps,
  ref: TriggerRef,
  backfill: BackfillState,
  cancel: BackfillCancel,
  options: { resume?: Pick<BackfillWorkflows, 'resume'> } = {},
): Promise<boolean> {
  const marked = await deps.triggers.markBackfillCancelling(ref, backfill.id, cancel, deps.clock.now().toISOString());
  const cancelling = marked?.backfill;
  if (!marked || !cancelling) return false;
  if (marked.taskToken && options.resume) await options.resume.resume(marked.taskToken, { resumedBy: 'cancel' });
  await carryOnCancel(deps, ref, cancelling);
  return true;
}

/**
 * Kills every execution of a backfill being cancelled that has not ended, and ends the backfill
 * CANCELLED once none is left; returns whether it ended it. Idempotent: an execution killed already
 * is only marked (again) on its page, one being stopped is asked again (its first request's time
 * stands), so the request retried, dispatch and the sweep may each run it, at once or after a crash.
 *
 * Beyond the open pages, the page a dispatch that read the backfill before the cancel may be
 * sending: its cursor cannot move any more, so that page can only be the one at the cursor. An
 * empty page is opened there first (opening keeps the first page written under an id): a dispatch
 * that comes later finds it and sends nothing; one that came earlier left its page there, and its
 * executions are killed with the others. That page is never taken off (a few bytes, kept so that a
 * late dispatch still finds it), nor counted in the backfill's summary, since it never joined its
 * open pages.
 */
export async function carryOnCancel(deps: CarryOnCancelDeps, ref: TriggerRef, backfill: BackfillState): Promise<boolean> {
  const cancel = backfill.cancelling;
  if (!cancel) throw new Error(`Backfill ${backfill.id} is not being cancelled`);
  const request: KillRequest = { at: cancel.at, by: cancel.by };
  const context = await backfillContext(deps.flows, ref, backfill);
  const pages = await deps.ledger.read(backfill.openPages);
  const atCursor = context ? await closeCursorPage(deps, context, cancel) : undefined;
  if (atCursor?.ticks.length) pages.push(atCursor);
  const marks: SlotMark[] = [];
  const lines: LogLine[] = [];
  for (const page of pages) await killPage(deps, context, page, request, { marks, lines });
  // Lines first: a crash between the two leaves the executions KILLED and their slots unmarked,
  // which the next pass marks (and their line is written already).
  if (lines.length) await deps.logs.append(lines);
  if (marks.length) await deps.ledger.markEnded(marks);
  return completeIfDrained(deps, ref, backfill.id);
}

/** Opens an empty page where the next batch would go (see carryOnCancel); returns the page stored there. */
async function closeCursorPage(deps: Pick<CarryOnCancelDeps, 'ledger'>, context: DispatchContext, cancel: BackfillCancel): Promise<LedgerPage | undefined> {
  const { backfill, schedule } = context;
  // In the backfill's order: newest first, the next batch starts at the newest tick not dispatched.
  const first = nextBatchStart(schedule, backfill);
  if (first === undefined) return undefined;
  return deps.ledger.open({ id: ledgerPageId(backfill.id, first), backfillId: backfill.id, ticks: [], sentAt: cancel.at, ended: [], failed: [] });
}

/** Kills the page's executions not ended yet, adding the marks and log lines to write. */
async function killPage(
  deps: CarryOnCancelDeps,
  context: DispatchContext | undefined,
  page: LedgerPage,
  request: KillRequest,
  out: { marks: SlotMark[]; lines: LogLine[] },
): Promise<void> {
  const ended = new Set(page.ended);
  const slots = page.ticks.flatMap((tickMs, slot) => (ended.has(slot) ? [] : [{ slot, tickMs, id: tickExecutionId(page.backfillId, tickMs) }]));
  if (!slots.length) return;
  const states = await deps.executions.statesOf(slots.map((s) => s.id));
  const now = deps.clock.now();
  await mapLimit(slots, KILLS_AT_ONCE, async ({ slot, tickMs, id }) => {
    const at = { id: page.id, slot };
    const state = states.get(id);
    if (state && TERMINAL_STATES.has(state)) {
      out.marks.push(slotMarkOf(at, state));
      return;
    }
    if (state === undefined) {
      // Never written: queued (its message on its way), held by a pause, or its message lost.
      if (!context) {
        // Its flow is gone: there is no document to write. It never ran, and a worker that takes its
        // message finds the backfill cancelled and kills it then (or fails it: its flow is gone).
        out.marks.push(slotMarkOf(at, 'KILLED'));
        return;
      }
      const killed = await writeKilled(deps, buildBackfillExecution(context, page.id, slot, tickMs, new Date(page.sentAt)), request, now);
      if (killed) {
        out.lines.push(killLogLine(killed.execution, request));
        out.marks.push(slotMarkOf(at, 'KILLED'));
        return;
      }
      // A worker wrote it meanwhile: kill what is stored.
    }
    const result = await deps.executions.requestKill(id, request, now);
    if (result.outcome === 'KILLED') {
      out.lines.push(killLogLine(result.stored.execution, result.stored.killed ?? request));
      out.marks.push(slotMarkOf(at, 'KILLED'));
    } else if (result.outcome === 'FINISHED') {
      out.marks.push(slotMarkOf(at, result.stored.execution.state.current));
    }
    // KILLING: its worker stops it, ends it KILLED and marks its slot (the last one completes the cancel).
  });
}

/**
 * Writes a backfill's execution that was never written KILLED, from its document (as built for its
 * message), unless it exists; returns it when written. How the cancel ends queued executions, and
 * how a worker ends one it takes from a backfill being cancelled: whoever writes first wins (a
 * conditional put), so an execution is either killed unwritten or written running and then asked to
 * stop, never both. One whose labels or inputs no longer render is killed all the same.
 */
export async function writeKilled(
  deps: { executions: Pick<ExecutionStore, 'createIfAbsent'> },
  sent: Pick<ScheduledExecution, 'execution' | 'origin' | 'failure'>,
  request: KillRequest,
  now: Date,
): Promise<StoredExecution | undefined> {
  const created = sent.failure ? newState(new Date(sent.execution.state.startDate)) : sent.execution.state;
  const killed: StoredExecution = {
    execution: { ...sent.execution, state: killedState(created, request, now) },
    origin: sent.origin,
    killed: request,
  };
  return (await deps.executions.createIfAbsent(killed)) ? killed : undefined;
}
