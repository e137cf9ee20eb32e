import type { Reprocess } from './backfill';
import type { Label } from './flow/model';
import type { FoldedCell } from './timeline';

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
  /** Lower bound (epoch ms, inclusive) of the ticks not dispatched yet; `> end` once all are. */
  cursorMs: number;
  /** Kestra's cursor: the next tick to dispatch, or `end` once every tick is dispatched. */
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
  /** Ticks among the dispatched ones that were skipped: an earlier execution covers them. */
  skipped: number;
  /** Dispatch ledger pages whose executions have not all ended (see LedgerPage). */
  openPages: string[];
  /** Executions of pages folded into the row: those that ended, and those of them that FAILED. */
  ended: number;
  failed: number;
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
 * every tick ran, deleted through the API, its flow or trigger removed, or its state machine gave
 * up after its tasks kept failing (see `LastBackfill.reason`).
 */
export type BackfillOutcome = 'COMPLETED' | 'DELETED' | 'ABANDONED' | 'FAILED';

/**
 * A backfill's ticks at the moment it ended: its row's folded counters plus its pages still open
 * then. `dispatched = succeeded + failed + skipped + unfinished`; `unfinished` executions (queued or
 * running when it was deleted, abandoned or failed) run on, and are counted nowhere else.
 */
export interface LastBackfillCounts {
  total: number;
  dispatched: number;
  succeeded: number;
  failed: number;
  skipped: number;
  unfinished: number;
}

/**
 * The trigger's most recent backfill, once removed: how and when it ended, and a bounded summary of
 * it (window, start, labels, reprocess mode, counts; not its inputs). Rows written before the summary
 * existed have only the first four fields.
 */
export interface LastBackfill {
  id: string;
  outcome: BackfillOutcome;
  endedDate: string;
  /** Why it ended, for a FAILED one: the last error of the task that kept failing. */
  reason?: string;
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
  counts?: LastBackfillCounts;
}

/** The counts a backfill's ending leaves, from its row's counters and what its open pages held then. */
export function lastBackfillCounts(
  row: { totalTicks: number; dispatched: number; skipped: number; failed: number },
  open: { failed: number; unfinished: number } = { failed: 0, unfinished: 0 },
): LastBackfillCounts {
  const failed = row.failed + open.failed;
  return {
    total: row.totalTicks,
    dispatched: row.dispatched,
    succeeded: Math.max(0, row.dispatched - row.skipped - open.unfinished - failed),
    failed,
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
  backfill?: BackfillState;
  lastBackfill?: LastBackfill;
}

export interface TriggerRef {
  namespace: string;
  flowId: string;
  triggerId: string;
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
  /** Beyond Kestra: its executions in flight at once, at most (changeable while it runs). */
  maxConcurrency?: number;
  /** Beyond Kestra: the flow revision its executions run, pinned at creation; absent when `latestRevision`. */
  flowRevision?: number;
  /** Beyond Kestra: its executions run the flow's latest revision as each is dispatched. */
  latestRevision: boolean;
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
  backfill?: BackfillStateJson;
  disabled: boolean;
  updatedDate: string;
  /** Beyond Kestra: how the trigger's previous backfill ended (a FAILED one says why). */
  lastBackfill?: LastBackfill;
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
    disabled: state.disabled,
    updatedDate: state.updatedDate,
    ...(state.lastBackfill ? { lastBackfill: state.lastBackfill } : {}),
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
    ...(b.maxConcurrency !== undefined ? { maxConcurrency: b.maxConcurrency } : {}),
    ...(b.flowRevision !== undefined ? { flowRevision: b.flowRevision } : {}),
    latestRevision: b.flowRevision === undefined,
    stateMachineExecutionName: b.executionName,
    createdDate: b.createdDate,
  };
}
