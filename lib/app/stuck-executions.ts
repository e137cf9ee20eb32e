import { pagesInOrder } from '../domain/backfill-order';
import { TERMINAL_STATES, killedState, transition } from '../domain/execution';
import { liveOwner, randomId, tickExecutionId } from '../domain/ids';
import { inFlightOf, slotMarkOf } from '../domain/ledger';
import type { BackfillState, TriggerRef } from '../domain/trigger-state';
import { refOf } from './backfill-targets';
import type { Settings } from '../config';
import type { SlotMark } from '../domain/ledger';
import type {
  Clock,
  DispatchLedger,
  ExecutionLane,
  ExecutionMessage,
  ExecutionQueue,
  ExecutionStore,
  FlowStore,
  LogStore,
  StoredExecution,
  TriggerStore,
} from '../ports';
import type { FinalNotificationDeps } from './backfill-notifications';
import { carryOnCancel } from './backfill-cancel';
import { type ContinueAsNewDeps, continueAsNew } from './backfill-run';
import { type ResendDeps, resendPageSlots } from './dispatch';
import { LogWriter } from './log-writer';

export interface FailUnrunnableDeps {
  clock: Clock;
  executions: Pick<ExecutionStore, 'get' | 'createIfAbsent' | 'claim' | 'finish'>;
  logs: Pick<LogStore, 'append'>;
  ledger: Pick<DispatchLedger, 'markEnded'>;
}

/** What giving up on an execution came to: KILLED for one that was asked to be killed, which ends so rather than FAILED. */
export type GiveUpOutcome = 'FAILED' | 'KILLED' | 'ENDED_ALREADY' | 'BUSY' | 'UNKNOWN';

/** How long the lease taken to fail an execution lasts: the write follows at once. */
const GIVE_UP_LEASE_MS = 60_000;

/**
 * Ends an execution that cannot be run (its message dead-lettered, or it was started more often
 * than the worker allows) FAILED, with an ERROR log line giving `reason`, and marks its ledger slot.
 * Under the same rules as a worker: it takes the lease first, so it never overwrites a run in
 * progress (BUSY: someone holds a live lease), and an execution that ended meanwhile is left as it is
 * (its slot is marked again, which is harmless). An execution that was never written is written
 * FAILED from its message's document; one neither stored nor sent is UNKNOWN.
 */
export async function failUnrunnable(deps: FailUnrunnableDeps, message: ExecutionMessage, reason: string): Promise<GiveUpOutcome> {
  const now = deps.clock.now();
  const existing = await deps.executions.get(message.executionId);
  if (!existing) {
    if (!message.created) return 'UNKNOWN';
    const running = transition(message.created.execution.state, 'RUNNING', now);
    const failed: StoredExecution = { ...message.created, execution: { ...message.created.execution, state: transition(running, 'FAILED', now) } };
    if (await deps.executions.createIfAbsent(failed)) {
      await logReason(deps, failed, reason);
      await markEnded(deps, failed);
      return 'FAILED';
    }
    // Written meanwhile (the message was delivered after all): decide on what is stored.
    return failUnrunnable(deps, { executionId: message.executionId }, reason);
  }
  if (TERMINAL_STATES.has(existing.execution.state.current)) {
    await markEnded(deps, existing);
    return 'ENDED_ALREADY';
  }
  const token = `give-up-${randomId()}`;
  const claim = await deps.executions.claim(message.executionId, token, now.getTime() + GIVE_UP_LEASE_MS, now);
  if (claim.outcome === 'BUSY') return 'BUSY';
  if (claim.outcome === 'MISSING') return 'UNKNOWN';
  if (claim.outcome === 'FINISHED') {
    await markEnded(deps, claim.stored);
    return 'ENDED_ALREADY';
  }
  const stored = claim.stored;
  // Killed while its worker held it (that worker then died): it ends as asked, not FAILED.
  const killed = stored.killed;
  stored.execution.state = killed
    ? killedState(stored.execution.state, killed, deps.clock.now())
    : transition(stored.execution.state, 'FAILED', deps.clock.now());
  if (!(await deps.executions.finish(stored, token))) return 'BUSY';
  await logReason(deps, stored, killed ? `Execution killed: ${killed.by}, at ${killed.at}` : reason);
  await markEnded(deps, stored);
  return killed ? 'KILLED' : 'FAILED';
}

async function logReason(deps: Pick<FailUnrunnableDeps, 'logs' | 'clock'>, stored: StoredExecution, reason: string): Promise<void> {
  const { execution } = stored;
  const attempt = execution.state.histories.filter((h) => h.state === 'RUNNING').length;
  const log = new LogWriter(
    deps.logs,
    { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, triggerId: execution.trigger?.id },
    attempt,
    deps.clock,
  );
  log.log('ERROR', reason);
  await log.flush();
}

async function markEnded(deps: Pick<FailUnrunnableDeps, 'ledger'>, stored: StoredExecution): Promise<void> {
  const page = stored.origin.page;
  if (page) await deps.ledger.markEnded([slotMarkOf(page, stored.execution.state.current)]);
}

export interface SweepDeps extends ResendDeps, FinalNotificationDeps {
  /** A backfill whose state machine execution died is carried on by the next generation. */
  workflows: ContinueAsNewDeps['workflows'];
  settings: Pick<Settings, 'sweep'>;
  clock: Clock;
  flows: Pick<FlowStore, 'get' | 'getRevision' | 'list'>;
  /**
   * `finishBackfill` (and its ending's notification), and below `statesOf`, `requestKill`, `open`,
   * `remove`: carrying on a cancel nobody finished.
   */
  triggers: Pick<
    TriggerStore,
    'getBackfill' | 'listWithBackfill' | 'list' | 'setBackfillExecution' | 'finishBackfill' | 'claimNotification' | 'recordNotification'
  >;
  executions: ResendDeps['executions'] & Pick<ExecutionStore, 'get' | 'leasesOf' | 'unfinishedOf' | 'statesOf' | 'requestKill'>;
  ledger: Pick<DispatchLedger, 'read' | 'markEnded' | 'markSwept' | 'hold' | 'open' | 'remove'>;
  queue: Pick<ExecutionQueue, 'send'>;
}

export interface SweepReport {
  /** Backfill executions sent again: never written, their message lost. */
  resent: number;
  /** Unfinished executions (live or backfilled) queued again: still CREATED long after, or RUNNING with their lease expired. */
  requeued: number;
  /** Slots whose execution had ended but whose page did not say so (a worker died between the two writes). */
  repaired: number;
  /**
   * Backfills, not paused, whose oldest open ledger page was sent more than `stallAfterMs` ago: for
   * that long some of their executions have not ended, or ended pages were not folded (nothing
   * dispatches). What the "no progress" alarm counts.
   */
  stalled: { backfillId: string; namespace: string; flowId: string; triggerId: string; oldestPageSentAt: string }[];
  /** Age of the oldest open ledger page of the backfills that are not paused, in seconds (0 without one). */
  oldestOpenPageSeconds: number;
  /** Backfills whose state machine execution had died (or never started), carried on by a new one. */
  restarted: number;
  /** Backfills being cancelled whose cancel the sweep carried on (their executions killed again where needed). */
  cancelsCarriedOn: number;
}

/** Unfinished executions of one owner (a backfill, a live schedule) the sweep looks at per run. */
const UNFINISHED_SWEEP_LIMIT = 1000;

/**
 * The sweep: the one recovery path, the same on AWS (an EventBridge schedule) and locally (a timer,
 * and once at start). It finds executions nothing will run any more and sends them again:
 * - the slots of a backfill's open ledger pages, sent (or last swept) more than `staleAfterMs` ago,
 *   whose execution was never written: its message was lost (a slot whose execution ended is marked:
 *   the worker died between its two writes);
 * - the unfinished executions of each backfill and live schedule that no worker holds: CREATED more
 *   than `staleAfterMs` ago, or RUNNING with their lease expired (the worker died and the message is gone);
 * - a backfill's cancel left unfinished, which it carries on instead (see `carryOnCancel`).
 * A duplicate delivery runs nothing twice (conditional writes), so a message that was only slow costs
 * one more delivery, never a second run. Executions that cannot be run end FAILED elsewhere, after a
 * bounded number of tries: the dead-letter consumer (`failUnrunnable`) and the worker's attempt limit.
 */
export async function sweepStuck(deps: SweepDeps, options: { staleAfterMs: number; stallAfterMs?: number }): Promise<SweepReport> {
  const report: SweepReport = { resent: 0, requeued: 0, repaired: 0, stalled: [], oldestOpenPageSeconds: 0, restarted: 0, cancelsCarriedOn: 0 };
  const now = deps.clock.now();
  const staleBefore = now.getTime() - options.staleAfterMs;
  for (const state of await deps.triggers.listWithBackfill()) {
    const ref = refOf(state);
    for (const backfill of state.backfills) {
      // A cancel still on the row: its request died halfway, or executions were still stopping when
      // it answered. Nothing is sent again for it; its executions not ended are killed (again: a kill
      // request stands, and one whose worker died is written KILLED), and it ends once none is left.
      if (backfill.cancelling) {
        await carryOnCancel(deps, ref, backfill);
        report.cancelsCarriedOn++;
        continue;
      }
      if (await restartDeadGeneration(deps, ref, backfill)) report.restarted++;
      const open = await deps.ledger.read(backfill.openPages);
      const oldestSentMs = Math.min(...open.map((page) => Date.parse(page.sentAt)));
      // A paused backfill makes no progress on purpose.
      if (open.length && !backfill.paused) {
        report.oldestOpenPageSeconds = Math.max(report.oldestOpenPageSeconds, Math.floor((now.getTime() - oldestSentMs) / 1000));
        if (options.stallAfterMs !== undefined && now.getTime() - oldestSentMs > options.stallAfterMs) {
          report.stalled.push({ backfillId: backfill.id, ...ref, oldestPageSentAt: new Date(oldestSentMs).toISOString() });
        }
      }
      // In the backfill's order, so that a restart sends a NEWEST_FIRST backfill's newest executions first again.
      const pages = pagesInOrder(open, backfill.order).filter((page) => inFlightOf(page) > 0 && Date.parse(page.sweptAt ?? page.sentAt) <= staleBefore);
      for (const page of pages) {
        const ended = new Set(page.ended);
        const ids = new Map(page.ticks.flatMap((tick, slot) => (ended.has(slot) ? [] : [[slot, tickExecutionId(page.backfillId, tick)] as const])));
        const leases = await deps.executions.leasesOf([...ids.values()]);
        const missing = new Set<number>();
        const done: SlotMark[] = [];
        for (const [slot, id] of ids) {
          const lease = leases.get(id);
          if (!lease) missing.add(slot);
          else if (TERMINAL_STATES.has(lease.state)) done.push(slotMarkOf({ id: page.id, slot }, lease.state));
        }
        if (done.length) {
          await deps.ledger.markEnded(done);
          report.repaired += done.length;
        }
        // A paused backfill's unstarted executions wait (a worker would hold them anyway): held, they
        // are sent again when it resumes. Held slots are waiting on purpose, not lost.
        const held = new Set(page.held);
        const lost = [...missing].filter((slot) => !held.has(slot));
        if (lost.length && backfill.paused) await deps.ledger.hold(page.id, lost);
        else if (lost.length) {
          report.resent += await resendPageSlots(deps, ref, page, new Set(lost));
          await deps.ledger.markSwept(page.id, now.toISOString());
        }
      }
      report.requeued += await requeueUnfinished(deps, backfill.id, 'backfill', now, staleBefore);
    }
  }
  for (const flow of await deps.flows.list()) {
    for (const trigger of flow.triggers) {
      report.requeued += await requeueUnfinished(
        deps,
        liveOwner({ namespace: flow.namespace, flowId: flow.id, triggerId: trigger.id }),
        'live',
        now,
        staleBefore,
      );
    }
  }
  return report;
}

/**
 * A backfill still on its trigger whose state machine execution ended without taking it off (aborted
 * by hand, or an error no Catch handles) has nothing driving it: the next generation carries on from
 * the cursor on the row, as continue-as-new would. An execution that never started (a hand-over that
 * died between recording it and starting it) is started. Returns whether it started one.
 */
async function restartDeadGeneration(deps: SweepDeps, ref: TriggerRef, backfill: BackfillState): Promise<boolean> {
  const status = await deps.workflows.status(backfill.executionName);
  const input = { backfill: { ...ref, id: backfill.id }, generation: backfill.generation, iteration: 0 };
  if (status === undefined) return deps.workflows.start(backfill.executionName, input);
  if (status !== 'FAILED' && status !== 'TIMED_OUT' && status !== 'ABORTED') return false;
  console.warn(`Backfill ${backfill.id}: its state machine execution ${backfill.executionName} ended ${status}; the next generation carries on`);
  await continueAsNew(deps, input);
  return true;
}

/** An owner's unfinished executions that no worker holds and that waited long enough: queued again by id. */
async function requeueUnfinished(deps: SweepDeps, owner: string, lane: ExecutionLane, now: Date, staleBefore: number): Promise<number> {
  const ids = await deps.executions.unfinishedOf(owner, UNFINISHED_SWEEP_LIMIT);
  if (!ids.length) return 0;
  const leases = await deps.executions.leasesOf(ids);
  const stuck: string[] = [];
  for (const id of ids) {
    const lease = leases.get(id);
    if (!lease || TERMINAL_STATES.has(lease.state)) continue;
    if (lease.state === 'RUNNING') {
      if (lease.leaseUntilMs <= now.getTime()) stuck.push(id);
      continue;
    }
    // CREATED or RESTARTED: queued by whoever created or restarted it; stuck only once it has waited
    // longer than a message may since then.
    const stored = await deps.executions.get(id);
    const queuedAt = stored?.execution.state.histories.at(-1)?.date ?? stored?.execution.state.startDate;
    if (queuedAt !== undefined && Date.parse(queuedAt) <= staleBefore) stuck.push(id);
  }
  await deps.queue.send(
    stuck.map((executionId) => ({ executionId })),
    lane,
  );
  return stuck.length;
}
