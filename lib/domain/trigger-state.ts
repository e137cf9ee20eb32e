import type { Reprocess } from './backfill';
import type { BackfillOrder } from './backfill-order';
import type { RateSample } from './backfill-rate';
import type { FailurePolicy, FailurePolicyTrip } from './failure-policy';
import type { Label } from './flow/model';
import type { FoldedCell } from './timeline';
import { redactWebhook } from './webhook-url';

/** Where a backfill's final notification goes besides its lifecycle event: a webhook POSTed to as it ends. */
export interface BackfillNotify {
  /** The full URL (see `checkWebhookUrl`); answers show it redacted (`redactWebhook`). */
  webhook: string;
}

/**
 * A cancel under way (`cancelBackfill`): asked, and its executions being killed. From the moment it
 * is on the row nothing new is dispatched (the cursor cannot move), workers kill what they take of
 * the backfill instead of running it, and whoever finds it next (the request retried, dispatch, the
 * sweep) carries it on until every execution ended; then the backfill ends CANCELLED.
 */
export interface BackfillCancel {
  /** When it was asked: the killed executions' kill time. */
  at: string;
  /** Who asked, for the killed executions' log line. */
  by: string;
  /** Set when the failure policy cancelled it. */
  reason?: FailurePolicyTrip;
}

/**
 * A backfill in progress on one trigger. The cursor lives here, in the trigger's row, not in the
 * state machine payload: the row is the system of record, so a resumed, redriven or continued
 * state machine execution always picks up where dispatch really is.
 */
export interface BackfillState {
  id: string;
  /** Window bounds as ISO instants (UTC); both inclusive. */
  start: string;
  end: string;
  /**
   * Bound (epoch ms, inclusive) of the ticks not dispatched yet: the lower one oldest first (`> end`
   * once all are), the upper one newest first (`< start` once all are); see `DispatchPosition`.
   */
  cursorMs: number;
  /** Kestra's cursor: the next tick to dispatch, or `end` (`start` newest first) once every tick is dispatched. */
  currentDate: string;
  paused: boolean;
  inputs: Record<string, unknown> | null;
  labels: Label[];
  previousNextExecutionDate: string | null;
  /** Ticks in the window, counted when the backfill was created. */
  totalTicks: number;
  /** Ticks dispatched so far (executions created and queued, or skipped). */
  dispatched: number;
  /** Which ticks it replays (see `Reprocess`). */
  reprocess: Reprocess;
  /** Which ticks run first (see `BackfillOrder`); backfills stored before it existed run oldest first. */
  order: BackfillOrder;
  /**
   * Executions of this backfill in flight (queued or running) at once, at most; dispatch also never
   * exceeds the service's limit. Absent on backfills stored before it existed: the service's limit.
   */
  maxConcurrency?: number;
  /**
   * The flow revision its executions run, pinned when it was created: editing the flow meanwhile
   * changes nothing it runs. Absent: each execution runs the revision the flow has when it is
   * dispatched (asked for with `latestRevision`, and how backfills stored before pins ran).
   */
  flowRevision?: number;
  /** Its webhook, when one was given at creation. */
  notify?: BackfillNotify;
  /** Ticks among the dispatched ones that were skipped: an earlier execution covers them. */
  skipped: number;
  /** Dispatch ledger pages whose executions have not all ended (see LedgerPage). */
  openPages: string[];
  /** Executions of pages folded into the row: those that ended, those of them that did not succeed (FAILED or KILLED), and of those the KILLED ones. */
  ended: number;
  failed: number;
  /** Recent counts of its ended executions, oldest first, for `progress.rate` (see `RateSample`); none after a resume until dispatch takes one. */
  rateSamples: RateSample[];
  killed: number;
  /** When too many executions FAIL, pause or cancel (see FailurePolicy); fixed at creation. */
  failurePolicy?: FailurePolicy;
  /** Why it is paused, when its failure policy paused it (cleared on resume). */
  pausedReason?: FailurePolicyTrip;
  /** FAILED executions counted before the policy's count restarted (its last resume after a trip); 0 when never. */
  failureBaseline?: number;
  /** Resumed after a trip: dispatch sets `failureBaseline` to the failures it counts next (see `dispatchBatch`). */
  rebaseFailures?: boolean;
  /** A cancel under way. */
  cancelling?: BackfillCancel;
  /**
   * The same counts per cell of its timeline (see `FoldedCell`), fixed in number at creation and
   * moved by the folds. Absent on backfills stored before timelines existed, and on one whose fold
   * once spanned more cells than a write can take (`MAX_CELLS_PER_FOLD`): their folded ticks show
   * as ended, not split by state.
   */
  timeline?: FoldedCell[];
  /** The Step Functions execution driving this backfill (continue-as-new bumps the generation). */
  executionName: string;
  generation: number;
  createdDate: string;
}

/**
 * How the trigger's most recent backfill ended (kept after it is removed, so late callers can tell):
 * every tick ran, deleted through the API (its executions ran on), cancelled (its executions
 * killed: through the API, or by its failure policy), its flow or trigger removed, or its state
 * machine gave up after its tasks kept failing (see `LastBackfill.reason`).
 */
export type BackfillOutcome = 'COMPLETED' | 'DELETED' | 'CANCELLED' | 'ABANDONED' | 'FAILED';

/**
 * A backfill's ticks at the moment it ended: its row's folded counters plus its pages still open
 * then. `dispatched = succeeded + failed + killed + skipped + unfinished`; `unfinished` executions
 * (queued or running when it was deleted, abandoned or failed) run on, and are counted nowhere else.
 * Backfills that ended before `killed` was counted apart count their KILLED executions in `failed`.
 */
export interface LastBackfillCounts {
  total: number;
  dispatched: number;
  succeeded: number;
  /** Ended FAILED. */
  failed: number;
  /** Ended KILLED (a cancel's, or each killed through the API). */
  killed: number;
  skipped: number;
  unfinished: number;
}

/** Where the final notification stands: being delivered (or waiting for a retry), delivered, or given up. */
export type NotifyStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/**
 * The outbox of a backfill's final notification (its ending event, and the POST to its webhook if it
 * had one): recorded `PENDING` by the very write that ends the backfill, so a crash right after it
 * loses nothing; whoever ended it delivers it at once, the sweep retries what is still pending.
 */
export interface LastBackfillNotify {
  /** The backfill's webhook (full URL), if it had one. */
  webhook?: string;
  status: NotifyStatus;
  /** Attempts started (each claims the outbox until `nextAttemptMs`, so two senders never overlap). */
  attempts: number;
  /** Why the last attempt failed (a status code or a network error; never the receiver's body). */
  lastError?: string;
  /** No attempt starts before this (epoch ms): the running attempt's claim, then the backoff. */
  nextAttemptMs?: number;
  /** The ending event was published (a retry then only POSTs the webhook again). */
  eventSent: boolean;
}

/**
 * The trigger's most recent backfill, once removed: how and when it ended, and a bounded summary of
 * it (window, start, labels, reprocess mode, order, counts; not its inputs). Rows written before the summary
 * existed have only the first four fields.
 */
export interface LastBackfill {
  id: string;
  outcome: BackfillOutcome;
  endedDate: string;
  /** Why it ended, for a FAILED one: the last error of the task that kept failing. */
  reason?: string;
  /** For one its failure policy cancelled: the failures that tripped it. */
  cancelledReason?: FailurePolicyTrip;
  /** Its window, as the backfill stored it (both inclusive). */
  start?: string;
  end?: string;
  /** When it started. */
  createdDate?: string;
  labels?: Label[];
  reprocess?: Reprocess;
  /** The flow revision it ran (pinned), or `latestRevision: true` when it ran the latest one. */
  flowRevision?: number;
  latestRevision?: boolean;
  order?: BackfillOrder;
  counts?: LastBackfillCounts;
  /** Its final notification (absent on backfills that ended before notifications existed). */
  notify?: LastBackfillNotify;
}

/** `lastBackfill.notify` as answers show it: the webhook redacted, the outbox's bookkeeping left out. */
export interface LastBackfillNotifyJson {
  webhook?: string;
  status: NotifyStatus;
  attempts: number;
  lastError?: string;
}

/** `lastBackfill` as answers show it. */
export type LastBackfillJson = Omit<LastBackfill, 'notify'> & { notify?: LastBackfillNotifyJson };

/** The counts a backfill's ending leaves, from its row's counters and what its open pages held then. */
export function lastBackfillCounts(
  row: { totalTicks: number; dispatched: number; skipped: number; failed: number; killed: number },
  open: { failed: number; killed: number; unfinished: number } = { failed: 0, killed: 0, unfinished: 0 },
): LastBackfillCounts {
  // `failed` counters hold every execution that did not succeed; the KILLED ones among them are told apart.
  const notSucceeded = row.failed + open.failed;
  const killed = row.killed + open.killed;
  return {
    total: row.totalTicks,
    dispatched: row.dispatched,
    succeeded: Math.max(0, row.dispatched - row.skipped - open.unfinished - notSucceeded),
    failed: Math.max(0, notSucceeded - killed),
    killed,
    skipped: row.skipped,
    unfinished: open.unfinished,
  };
}

/** One row per (namespace, flowId, triggerId): the trigger's runtime state, as Kestra's `Trigger`. */
export interface TriggerState {
  namespace: string;
  flowId: string;
  triggerId: string;
  /** The live schedule's next tick (ISO); during a backfill Kestra shows the backfill cursor instead. */
  nextExecutionDate: string | null;
  date?: string;
  disabled: boolean;
  updatedDate: string;
  /** Kestra's one backfill: the earliest active one, `backfills[0]` (see `byWindow`). */
  backfill?: BackfillState;
  /** Every active backfill of the trigger, earliest window first; their windows are disjoint. */
  backfills: BackfillState[];
  /** The most recently ended backfill. */
  lastBackfill?: LastBackfill;
}

/**
 * One backfill read alone, by id: `active` while it runs; `ended` once it ended, while its summary is
 * kept (the trigger's last backfill, or one whose final notification is still pending).
 */
export type BackfillRecord = { active: BackfillState } | { ended: LastBackfill };

/** The backfill of `record` if it is active. */
export function activeBackfill(record: BackfillRecord | undefined): BackfillState | undefined {
  return record && 'active' in record ? record.active : undefined;
}

/** The trigger's active backfill `id`, if it is one (`undefined` for no state, or one that ended). */
export function findBackfill(state: Pick<TriggerState, 'backfills'> | undefined, id: string): BackfillState | undefined {
  return state?.backfills.find((backfill) => backfill.id === id);
}

export interface TriggerRef {
  namespace: string;
  flowId: string;
  triggerId: string;
}

/**
 * What a backfill action (pause, unpause, update, cancel, delete) acts on: one backfill of the
 * trigger when `backfillId` is given, otherwise every active one (a trigger may run several on
 * disjoint windows; Kestra's clients, which know one, name none).
 */
export interface BackfillTarget extends TriggerRef {
  backfillId?: string;
}

/**
 * A backfill in Kestra's Trigger JSON (`start`, `end`, `currentDate`, `paused`, `inputs`, `labels`,
 * `previousNextExecutionDate`), plus what a person inspecting it wants to know.
 */
export interface BackfillStateJson {
  start: string;
  end: string;
  currentDate: string;
  /** Always present, as in Kestra (`@JsonInclude`). */
  paused: boolean;
  inputs?: Record<string, unknown>;
  labels: Label[];
  previousNextExecutionDate?: string;
  /** Beyond Kestra: the backfill's id. */
  id: string;
  reprocess: Reprocess;
  /** Beyond Kestra: which ticks run first. */
  order: BackfillOrder;
  /** Beyond Kestra: its executions in flight at once, at most (changeable while it runs). */
  maxConcurrency?: number;
  /** Beyond Kestra: the flow revision its executions run, pinned at creation; absent when `latestRevision`. */
  flowRevision?: number;
  /** Beyond Kestra: its executions run the flow's latest revision as each is dispatched. */
  latestRevision: boolean;
  /** Beyond Kestra: when too many executions FAIL, pause or cancel. */
  failurePolicy?: FailurePolicy;
  /** Beyond Kestra: why it is paused, when its failure policy paused it. */
  pausedReason?: FailurePolicyTrip;
  /** Beyond Kestra: a cancel under way (its executions being killed; it leaves the trigger once they ended). */
  cancelling?: BackfillCancel;
  /** Beyond Kestra: its webhook, redacted to its origin (`redactWebhook`). */
  notify?: BackfillNotify;
  /** The Step Functions execution driving it. */
  stateMachineExecutionName: string;
  createdDate: string;
}

/** Kestra's Trigger JSON (`TriggerContext`): non-null fields only. */
export interface TriggerStateJson {
  namespace: string;
  flowId: string;
  triggerId: string;
  date?: string;
  /** The live schedule's next tick, the backfill's cursor during a backfill, absent while disabled. */
  nextExecutionDate?: string;
  /**
   * Beyond Kestra, only while a backfill's cursor stands in `nextExecutionDate`: the live schedule's
   * own next tick, since ours runs beside the backfill (Kestra's waits for it); absent while disabled.
   */
  liveNextExecutionDate?: string;
  /** Kestra's backfill: the earliest active one (`backfills[0]`). */
  backfill?: BackfillStateJson;
  /** Beyond Kestra: every active backfill, earliest window first, while there is at least one. */
  backfills?: BackfillStateJson[];
  disabled: boolean;
  updatedDate: string;
  /** Beyond Kestra: how the trigger's previous backfill ended (a FAILED one says why). */
  lastBackfill?: LastBackfillJson;
}

/** Kestra's Trigger JSON (non-null fields only, `backfill.paused` always present), plus our backfill details. */
export function toTriggerJson(state: TriggerState): TriggerStateJson {
  // Disabled: no next date (Kestra 1.x). The live schedule's own next tick is kept inside, so
  // enabling again can recover the ticks missed meanwhile.
  const next = state.disabled ? null : state.backfill ? state.backfill.currentDate : state.nextExecutionDate;
  return {
    namespace: state.namespace,
    flowId: state.flowId,
    triggerId: state.triggerId,
    ...(state.date ? { date: state.date } : {}),
    ...(next ? { nextExecutionDate: next } : {}),
    ...(state.backfill && !state.disabled && state.nextExecutionDate ? { liveNextExecutionDate: state.nextExecutionDate } : {}),
    ...(state.backfill ? { backfill: toBackfillJson(state.backfill) } : {}),
    ...(state.backfills.length ? { backfills: state.backfills.map(toBackfillJson) } : {}),
    disabled: state.disabled,
    updatedDate: state.updatedDate,
    ...(state.lastBackfill ? { lastBackfill: toLastBackfillJson(state.lastBackfill) } : {}),
  };
}

function toLastBackfillJson({ notify, ...last }: LastBackfill): LastBackfillJson {
  if (!notify) return last;
  return {
    ...last,
    notify: {
      ...(notify.webhook ? { webhook: redactWebhook(notify.webhook) } : {}),
      status: notify.status,
      attempts: notify.attempts,
      ...(notify.lastError ? { lastError: notify.lastError } : {}),
    },
  };
}

function toBackfillJson(b: BackfillState): BackfillStateJson {
  return {
    start: b.start,
    end: b.end,
    currentDate: b.currentDate,
    paused: b.paused,
    ...(b.inputs ? { inputs: b.inputs } : {}),
    labels: b.labels,
    ...(b.previousNextExecutionDate ? { previousNextExecutionDate: b.previousNextExecutionDate } : {}),
    // Beyond Kestra: what a person inspecting the backfill wants to know, and where to find it in the
    // console. Its progress counts come from the executions (lib/app/trigger-view.ts).
    id: b.id,
    reprocess: b.reprocess,
    order: b.order,
    ...(b.maxConcurrency !== undefined ? { maxConcurrency: b.maxConcurrency } : {}),
    ...(b.flowRevision !== undefined ? { flowRevision: b.flowRevision } : {}),
    latestRevision: b.flowRevision === undefined,
    ...(b.failurePolicy ? { failurePolicy: b.failurePolicy } : {}),
    ...(b.pausedReason ? { pausedReason: b.pausedReason } : {}),
    ...(b.cancelling ? { cancelling: b.cancelling } : {}),
    ...(b.notify ? { notify: { webhook: redactWebhook(b.notify.webhook) } } : {}),
    stateMachineExecutionName: b.executionName,
    createdDate: b.createdDate,
  };
}
