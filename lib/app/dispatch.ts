import { type Reprocess, skipsTick } from '../domain/backfill';
import { nextBatch, pagesInOrder, tickSpan, undispatchedRange } from '../domain/backfill-order';
import { withRateSample } from '../domain/backfill-rate';
import { type FailurePolicyTrip, describeTrip, failurePolicyTrip } from '../domain/failure-policy';
import { tickExecutionId } from '../domain/ids';
import { type LedgerPage, endedIn, failuresOf, foldOf, hasEnded, inFlightOf, ledgerPageId } from '../domain/ledger';
import type { ScheduledExecution } from '../domain/scheduled-execution';
import type { CompiledSchedule } from '../domain/schedule';
import { type CellFold, MAX_CELLS_PER_FOLD, cellFoldsOf, timelineLayout } from '../domain/timeline';
import { type BackfillState, type TriggerRef, activeBackfill } from '../domain/trigger-state';
import { refOf } from './backfill-targets';
import type { Settings } from '../config';
import { mapLimit } from '../util/map-limit';
import { mapYielding } from '../util/yielding';
import type { BackfillRunInput, Clock, DispatchLedger, ExecutionQueue, ExecutionStore, FlowStore, LogStore, TimelineFold, TriggerStore } from '../ports';
import { backfillFlow } from './backfill-flow';
import { carryOnCancel, startCancel } from './backfill-cancel';
import { type DispatchContext, backfillContext, buildBackfillExecution } from './backfill-executions';
import { creationFailureLog } from './creation-log';
import { endBackfill } from './backfill-ending';
import { type FinalNotificationDeps, type PolicyPauseNotificationDeps, announceFailurePolicyPause } from './backfill-notifications';
import { scheduleOf } from './schedules';

/**
 * What the state machine does next (its Choice state reads `status`):
 * - DISPATCHED: a batch went out, loop at once;
 * - THROTTLED: the next batch does not fit under `maxInFlight` unfinished executions (or the backfill is draining its last ones), wait `waitSeconds`;
 * - PAUSED: park on a task token until resumed;
 * - CONTINUE_AS_NEW: hand over to a fresh execution before the history grows large;
 * - DONE: every tick ran, the backfill is cleared;
 * - GONE: the backfill was deleted, cancelled (its executions being killed: dispatch has nothing
 *   more to do for it) or replaced, or its flow/trigger removed.
 */
export type DispatchStatus = 'DISPATCHED' | 'THROTTLED' | 'PAUSED' | 'CONTINUE_AS_NEW' | 'DONE' | 'GONE';

export interface DispatchOutput extends BackfillRunInput {
  status: DispatchStatus;
  waitSeconds: number;
  /** For whoever reads the execution in the console: where the cursor is and how far dispatch got. */
  currentDate?: string;
  dispatched?: number;
}

export interface DispatchDeps extends FinalNotificationDeps, PolicyPauseNotificationDeps {
  settings: Pick<Settings, 'dispatch'>;
  clock: Clock;
  /** The backfill's pinned flow revision (see backfillFlow). */
  flows: Pick<FlowStore, 'get' | 'getRevision'>;
  /** Beyond batches: the failure policy pauses (`setBackfillPaused`) or cancels (`markBackfillCancelling`) the backfill. */
  triggers: Pick<
    TriggerStore,
    | 'getBackfill'
    | 'finishBackfill'
    | 'advanceBackfill'
    | 'foldPages'
    | 'setBackfillPaused'
    | 'setFailureBaseline'
    | 'markBackfillCancelling'
    | 'claimNotification'
    | 'recordNotification'
  >;
  /** `statesOf` and `requestKill`: a cancel's kills. */
  executions: Pick<ExecutionStore, 'statesByTick' | 'createMany' | 'createIfAbsent' | 'statesOf' | 'requestKill'>;
  ledger: Pick<DispatchLedger, 'open' | 'read' | 'remove' | 'release' | 'markEnded'>;
  logs: Pick<LogStore, 'append'>;
  queue: Pick<ExecutionQueue, 'send'>;
}

/**
 * One loop iteration of the backfill state machine: dispatch the next batch of ticks.
 *
 * Each batch is one ledger page (see LedgerPage): dispatch writes the page, then sends every tick's
 * execution document in its message, then moves the cursor and opens the page on the trigger row,
 * one conditional write. Idempotent by construction: the page's id derives from the batch's first
 * tick and execution ids from (backfill, tick), so a retried or re-run iteration finds the page an
 * earlier attempt wrote, sends its slots not ended yet again (the worker writes each execution at
 * most once), and counts the batch once.
 */
export async function dispatchBatch(deps: DispatchDeps, input: BackfillRunInput): Promise<DispatchOutput> {
  const { batchSize, maxInFlight, maxIterationsPerExecution, throttleWaitSeconds } = deps.settings.dispatch;
  const ref = input.backfill;
  const out = (status: DispatchStatus, extra: Partial<DispatchOutput> = {}): DispatchOutput => ({
    backfill: input.backfill,
    generation: input.generation,
    iteration: input.iteration + 1,
    status,
    waitSeconds: throttleWaitSeconds,
    ...extra,
  });

  // Its own row alone: whatever else runs on the trigger, this read stays one small item.
  const record = await deps.triggers.getBackfill(ref, ref.id);
  const backfill = activeBackfill(record);
  if (!backfill) return out(record && 'ended' in record && record.ended.outcome === 'COMPLETED' ? 'DONE' : 'GONE');
  // Being cancelled: dispatch sends nothing more; it carries the cancel on (a request that died
  // halfway leaves it to whoever comes next) and ends. The last execution to stop ends the backfill.
  if (backfill.cancelling) {
    await carryOnCancel(deps, ref, backfill);
    return out('GONE');
  }
  if (backfill.paused) return out('PAUSED', { currentDate: backfill.currentDate, dispatched: backfill.dispatched });
  if (input.iteration >= maxIterationsPerExecution) return out('CONTINUE_AS_NEW');

  const now = deps.clock.now();
  // The revision it pinned at creation (or the latest, with latestRevision): its ticks, documents and tasks.
  const pinned = await backfillFlow(deps.flows, ref, backfill);
  if (!pinned) {
    const ended = await endBackfill(deps, ref, backfill, 'ABANDONED', now.toISOString());
    if (ended) await deps.ledger.remove(ended.openPages);
    return out('GONE');
  }
  const { flow, trigger } = pinned;

  const schedule = scheduleOf(trigger);
  const { inFlight, open, settled, endedSoFar } = await settleOpenPages(deps, ref, backfill, schedule, now.getTime());
  const progress = { currentDate: backfill.currentDate, dispatched: backfill.dispatched };
  const undispatched = undispatchedRange(backfill);
  // Too many failures, with work left to stop (a backfill whose executions all ended completes instead).
  const trip = inFlight > 0 || undispatched ? await failurePolicyTripped(deps, ref, settled, open, now) : undefined;
  if (trip && settled.failurePolicy?.action === 'CANCEL') {
    const by = `backfill ${backfill.id} cancelled by its failure policy (${describeTrip(trip)})`;
    await startCancel(deps, ref, settled, { at: now.toISOString(), by, reason: trip });
    return out('GONE');
  }
  if (trip) {
    // Paused as a request would (workers hold its executions that have not started), saying why.
    const paused = await deps.triggers.setBackfillPaused(ref, backfill.id, true, now.toISOString(), { reason: trip });
    if (paused) await announceFailurePolicyPause(deps, ref, settled, trip);
    // Not paused: the backfill ended meanwhile; the next check tells how.
    return out(paused ? 'PAUSED' : 'THROTTLED', progress);
  }
  await sendHeld(deps, { flow, trigger, schedule, backfill, ref }, open);
  if (!undispatched) {
    // Every tick is dispatched; the backfill ends when its last execution does.
    if (inFlight > 0) return out('THROTTLED', progress);
    // Pages past the fold's limit may still be open (all ended): they go with the backfill.
    const ended = await endBackfill(deps, ref, settled, 'COMPLETED', now.toISOString());
    if (ended) await deps.ledger.remove(ended.openPages);
    return out('DONE', progress);
  }
  // The backfill's own bound, re-read with it every batch and every poll: a change applies at the next one.
  const bound = Math.min(backfill.maxConcurrency ?? maxInFlight, maxInFlight);
  const room = bound - inFlight;
  if (room <= 0) return out('THROTTLED', progress);

  // A whole batch or none: dispatch re-checks for room several times a second (dispatchRound), and
  // sending whatever room opened since the last check would split the backfill into many small
  // batches, each paying the per-batch reads and writes. Below a batch's size, though, the bound is
  // what the user asked to keep busy (`maxConcurrency` 2 means two at once, not two then none):
  // send what room there is, at most `bound` small pages open, a few writes per execution at a
  // pace the executions themselves set.
  const limit = bound < batchSize ? room : batchSize;
  // The next ticks in the backfill's order (newest first: from the cursor back), and where they leave the cursor.
  const { ticks, cursorMs, currentDate } = nextBatch(schedule, backfill, undispatched, limit, trigger.timezone);
  if (ticks.length > room) return out('THROTTLED', progress);

  const page = await sendPage(deps, { flow, trigger, schedule, backfill, ref }, ticks, now);
  const advanced = await deps.triggers.advanceBackfill(ref, backfill.id, backfill.cursorMs, {
    cursorMs,
    currentDate,
    dispatchedDelta: ticks.length,
    skippedDelta: ticks.length - (page?.ticks.length ?? 0),
    openedPage: page?.id,
    // A sample for `progress.rate`, when one is due (at most one a minute), in the write made anyway.
    rateSamples: withRateSample(settled.rateSamples, now.getTime(), endedSoFar),
  });
  // Not advanced: the backfill changed under us (deleted, or this batch already counted); the next iteration re-reads it.
  return out('DISPATCHED', {
    currentDate: advanced ? currentDate : backfill.currentDate,
    dispatched: backfill.dispatched + (advanced ? ticks.length : 0),
    waitSeconds: 0,
  });
}

/**
 * Whether the backfill's failure policy trips now: its FAILED executions (the folded counters and
 * the open pages; KILLED ones do not count), less those before its last resume after a trip, exceed
 * what it tolerates. The first check after such a resume (`rebaseFailures`) records the failures
 * counted then as the new baseline: those were all sent before the resume, and tripped the policy
 * already. Counted here, by dispatch, because dispatch alone folds pages: the sum it reads is never
 * caught between a page and the counter it is folded into.
 */
async function failurePolicyTripped(
  deps: DispatchDeps,
  ref: TriggerRef,
  backfill: BackfillState,
  open: LedgerPage[],
  now: Date,
): Promise<FailurePolicyTrip | undefined> {
  const policy = backfill.failurePolicy;
  if (!policy) return undefined;
  const failed = backfill.failed - backfill.killed + open.reduce((sum, page) => sum + failuresOf(page).failed - failuresOf(page).killed, 0);
  let baseline = backfill.failureBaseline ?? 0;
  if (backfill.rebaseFailures && (await deps.triggers.setFailureBaseline(ref, backfill.id, failed))) baseline = failed;
  return failurePolicyTrip(policy, backfill.totalTicks, failed - baseline, now);
}

/** Folds at most this many ended pages per write (each adds a condition to the row's update). */
const FOLDS_PER_WRITE = 25;

/**
 * Reads the backfill's open pages, folds those whose executions all ended into the row's counters
 * and its timeline's cells (then deletes them), and returns how many of its executions are still
 * queued or running, and how many ended so far (what `progress.rate` samples: the fold takes a
 * sample along when one is due).
 */
async function settleOpenPages(
  deps: DispatchDeps,
  ref: TriggerRef,
  backfill: BackfillState,
  schedule: CompiledSchedule,
  nowMs: number,
): Promise<{ inFlight: number; open: LedgerPage[]; settled: BackfillState; endedSoFar: number }> {
  if (!backfill.openPages.length) return { inFlight: 0, open: [], settled: backfill, endedSoFar: backfill.ended };
  const pages = await deps.ledger.read(backfill.openPages);
  const endedSoFar = backfill.ended + endedIn(pages);
  const { ended, timeline } = foldable(backfill, schedule, pages.filter(hasEnded));
  const samples = ended.length ? withRateSample(backfill.rateSamples, nowMs, endedSoFar) : undefined;
  const landed = ended.length > 0 && (await deps.triggers.foldPages(ref, backfill.id, ended.map(foldOf), { rateSamples: samples, timeline }));
  // Lost on a crash between the fold and the delete: a folded page left behind is never read again.
  if (landed) await deps.ledger.remove(ended.map((p) => p.id));
  const folded = new Set(ended.map((p) => p.id));
  // A page on the row but not in the table is one an earlier fold took in and deleted, the row's update not seen yet.
  const open = pages.filter((p) => !folded.has(p.id));
  // The row as the fold left it, so that ending the backfill next finds its open pages as they are
  // (if the fold did not land, ending sees the difference and reads the row again).
  const settled: BackfillState = {
    ...backfill,
    openPages: backfill.openPages.filter((id) => !folded.has(id)),
    ended: backfill.ended + ended.reduce((sum, p) => sum + foldOf(p).ended, 0),
    failed: backfill.failed + ended.reduce((sum, p) => sum + foldOf(p).failed, 0),
    rateSamples: landed && samples ? samples : backfill.rateSamples,
    killed: backfill.killed + ended.reduce((sum, p) => sum + foldOf(p).killed, 0),
  };
  return { inFlight: open.reduce((sum, p) => sum + inFlightOf(p), 0), open, settled, endedSoFar };
}

/**
 * The ended pages one fold write takes (at most FOLDS_PER_WRITE, touching at most MAX_CELLS_PER_FOLD
 * cells of the timeline together), and what it adds to the timeline. A first page that alone
 * spans more cells than a write can take (a batch larger than that) is folded with the per-cell
 * counts dropped, so the timeline shows its ticks as ended rather than wrong.
 */
function foldable(backfill: BackfillState, schedule: CompiledSchedule, ended: LedgerPage[]): { ended: LedgerPage[]; timeline?: TimelineFold } {
  const candidates = ended.slice(0, FOLDS_PER_WRITE);
  if (!backfill.timeline || !candidates.length) return { ended: candidates };
  const layout = timelineLayout(backfill, schedule);
  const taken: LedgerPage[] = [];
  let cells: CellFold[] = [];
  for (const page of candidates) {
    const next = cellFoldsOf(layout, [...taken, page]);
    if (next.length > MAX_CELLS_PER_FOLD) {
      if (!taken.length) return { ended: [page], timeline: { drop: true } };
      break;
    }
    taken.push(page);
    cells = next;
  }
  return { ended: taken, timeline: { cells } };
}

/**
 * Sends again the slots workers held back while the backfill was paused (see LedgerPage.held), now
 * that it runs again. They are forgotten first, then sent: a worker that still takes the backfill
 * for paused (it trusts its last read for a second) holds one again, and a later batch sends it
 * again; sending first could forget a slot held again in between. A crash between the two leaves a
 * slot neither held nor sent: the sweep sends any slot never written, so it is late, not lost.
 */
async function sendHeld(deps: DispatchDeps, context: DispatchContext, pages: LedgerPage[]): Promise<void> {
  for (const page of pagesInOrder(pages, context.backfill.order)) {
    const held = page.held ?? [];
    if (!held.length) continue;
    await deps.ledger.release(page.id, held);
    await sendSlots(deps, context, page, { again: true, only: new Set(held) });
  }
}

/**
 * A message carries its execution's document up to this size; a larger one (big inputs) is written
 * CREATED by dispatch and its message carries only the id. 64 KiB is one billed SQS request chunk,
 * and ten of them fit SQS's 256 KiB batch.
 */
const MESSAGE_DOCUMENT_BYTES = 24 * 1024;

/**
 * Writes the batch's ledger page and sends its executions, skipping the ticks earlier executions
 * cover (see `reprocess`); returns the page, or undefined when every tick was skipped. A page an
 * earlier attempt wrote wins: its ticks and its `sentAt` rebuild the very same documents.
 */
async function sendPage(deps: DispatchDeps, context: DispatchContext, ticks: number[], now: Date): Promise<LedgerPage | undefined> {
  const { backfill } = context;
  const first = ticks[0];
  if (first === undefined) return undefined;
  const id = ledgerPageId(backfill.id, first);
  const [earlier] = await deps.ledger.read([id]);
  if (earlier) {
    await sendSlots(deps, context, earlier, { again: true });
    return earlier;
  }
  const skipped = await coveredTicks(deps.executions, backfill.reprocess, context.ref, ticks);
  const sent = ticks.filter((_, i) => !skipped.has(i));
  if (!sent.length) return undefined;
  // Executions that fail at creation (labels or inputs that do not render) are written FAILED now,
  // with a log line saying why, and their slots open already ended: nothing is queued for them.
  // Rendering labels and inputs is synchronous (up to a budget per execution): let the loop breathe between executions.
  const built = await mapYielding(sent, (tickMs, slot) => buildBackfillExecution(context, id, slot, tickMs, now));
  const failed = built.flatMap((b, slot) => (b.failure ? [slot] : []));
  await writeFailures(
    deps,
    built.filter((b) => b.failure),
    { again: false },
  );
  const page = await deps.ledger.open({ id, backfillId: backfill.id, ticks: sent, sentAt: now.toISOString(), ended: failed, failed });
  // Another attempt may have opened it between the read and the write: then it is sent again, from
  // its own documents; otherwise the documents just built are the page's.
  const ours = page.sentAt === now.toISOString();
  await sendSlots(deps, context, page, { again: !ours, built: ours ? built : undefined });
  return page;
}

/** Writes executions that failed at creation, and the log line of each; `again`: without overwriting. */
async function writeFailures(deps: Pick<DispatchDeps, 'executions' | 'logs'>, failures: ScheduledExecution[], options: { again: boolean }): Promise<void> {
  if (!failures.length) return;
  const stored = failures.map(({ execution, origin }) => ({ execution, origin }));
  if (options.again) await mapLimit(stored, 8, (one) => deps.executions.createIfAbsent(one));
  else await deps.executions.createMany(stored);
  await deps.logs.append(failures.map((b) => creationFailureLog(b, new Date(b.execution.state.startDate))).filter((line) => line !== undefined));
}

/**
 * Sends the executions of the page's slots not ended yet, each document in its message. One too
 * large for a message is written CREATED here and its message carries only its id; so is one that
 * no longer renders (its flow changed since the page was opened), written FAILED: the worker marks
 * an ended execution's slot when its message finds it ended. `again`: some may exist already, so
 * none is overwritten.
 */
async function sendSlots(
  deps: Pick<DispatchDeps, 'executions' | 'logs' | 'queue'>,
  context: DispatchContext,
  page: LedgerPage,
  /** `built`: the page's documents, by slot, when the caller has just built them. */
  options: { again: boolean; only?: Set<number>; built?: ScheduledExecution[] },
): Promise<number> {
  const sentAt = new Date(page.sentAt);
  const ended = new Set(page.ended);
  const slots = page.ticks.map((tickMs, slot) => ({ slot, tickMs })).filter(({ slot }) => !ended.has(slot) && (options.only?.has(slot) ?? true));
  // Rendering is synchronous (a budget per execution): let the event loop breathe between executions.
  const pending = await mapYielding(slots, ({ slot, tickMs }) => options.built?.[slot] ?? buildBackfillExecution(context, page.id, slot, tickMs, sentAt));
  const failures = pending.filter((b) => b.failure);
  const large = pending.filter((b) => !b.failure && Buffer.byteLength(JSON.stringify(b.execution)) > MESSAGE_DOCUMENT_BYTES);
  await writeFailures(deps, failures, options);
  const stored = large.map(({ execution, origin }) => ({ execution, origin }));
  if (options.again) await mapLimit(stored, 8, (one) => deps.executions.createIfAbsent(one));
  else await deps.executions.createMany(stored);

  const written = new Set([...failures, ...large].map((b) => b.execution.id));
  await deps.queue.send(
    pending.map(({ execution, origin }) =>
      written.has(execution.id) ? { executionId: execution.id } : { executionId: execution.id, created: { execution, origin } },
    ),
    'backfill',
  );
  return pending.length;
}

export interface ResendDeps extends Pick<DispatchDeps, 'flows' | 'executions' | 'logs' | 'queue'> {
  triggers: Pick<TriggerStore, 'getBackfill'>;
}

/**
 * Sends again the executions of the page's slots `slots` (none ended yet): what the sweep does for
 * messages a queue lost or workers that died. The worker writes each execution at most once, so a
 * message that was not lost after all costs a duplicate delivery, not a duplicate execution. Returns
 * how many messages went out (none if the backfill or its flow is gone).
 */
export async function resendPageSlots(deps: ResendDeps, ref: TriggerRef, page: LedgerPage, slots: Set<number>): Promise<number> {
  const backfill = activeBackfill(await deps.triggers.getBackfill(ref, page.backfillId));
  if (!backfill) return 0;
  // The same documents as dispatch sent: built from the backfill's pinned revision.
  const context = await backfillContext(deps.flows, ref, backfill);
  if (!context) return 0; // dispatch abandons such a backfill on its next batch
  return sendSlots(deps, context, page, { again: true, only: slots });
}

/** The batch's ticks (by index) that earlier executions of the trigger already cover, under the backfill's `reprocess`; none for ALL. */
async function coveredTicks(executions: DispatchDeps['executions'], reprocess: Reprocess, trigger: TriggerRef, ticks: number[]): Promise<Set<number>> {
  const covered = new Set<number>();
  // A batch runs backwards newest first: the range is its lowest tick to its highest either way.
  const span = tickSpan(ticks);
  if (reprocess === 'ALL' || span === undefined) return covered;
  const earlier = await executions.statesByTick(trigger, span.fromMs, span.toMs);
  ticks.forEach((tick, i) => {
    const states = (earlier.get(tick) ?? []).map((run) => run.state);
    if (skipsTick(reprocess, states)) covered.add(i);
  });
  return covered;
}

export interface QueuedExecutionDeps {
  flows: Pick<FlowStore, 'get' | 'getRevision'>;
  triggers: Pick<TriggerStore, 'listWithBackfill'>;
  ledger: Pick<DispatchLedger, 'read'>;
}

/**
 * A backfill's execution that was sent but not written yet (its message queued, or its slot held by
 * a pause), found by id: its document as its message carries it. The worker writes it only when it
 * takes it, so nothing stores it by id; this looks through the open ledger pages of the active
 * backfills, at most their executions in flight each (`BACKFILL_MAX_IN_FLIGHT`), a few small reads
 * and a hash per slot. Undefined if no open slot has that id.
 */
export async function findQueuedBackfillExecution(deps: QueuedExecutionDeps, executionId: string): Promise<ScheduledExecution | undefined> {
  for (const state of await deps.triggers.listWithBackfill()) {
    for (const backfill of state.backfills) {
      if (!backfill.openPages.length) continue;
      for (const page of await deps.ledger.read(backfill.openPages)) {
        const ended = new Set(page.ended);
        const slot = page.ticks.findIndex((tick, i) => !ended.has(i) && tickExecutionId(page.backfillId, tick) === executionId);
        const tickMs = page.ticks[slot];
        if (tickMs === undefined) continue;
        const ref = refOf(state);
        // Its document as its message carries it: built from the backfill's pinned revision.
        const context = await backfillContext(deps.flows, ref, backfill);
        return context && buildBackfillExecution(context, page.id, slot, tickMs, new Date(page.sentAt));
      }
    }
  }
  return undefined;
}
