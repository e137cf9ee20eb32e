import { BackfillAlreadyActiveError, TriggerNotFoundError } from '../../../lib/domain/errors';
import type { FailurePolicyTrip } from '../../../lib/domain/failure-policy';
import {
  type BackfillCancel,
  type BackfillOutcome,
  type BackfillState,
  type LastBackfill,
  type LastBackfillNotify,
  type TriggerRef,
  type TriggerState,
  lastBackfillCounts,
} from '../../../lib/domain/trigger-state';
import type { RateSample } from '../../../lib/domain/backfill-rate';
import type { FoldedCell } from '../../../lib/domain/timeline';
import type { AdvanceCursor, FoldExtras, NotificationAttempt, OpenPagesAtEnd, PageFold, PauseOptions, TriggerStore } from '../../../lib/ports';

/** The parts of a backfill written once, when it starts (the adapter's `backfillDoc`). */
type FixedBackfill = Pick<
  BackfillState,
  | 'start'
  | 'end'
  | 'inputs'
  | 'labels'
  | 'previousNextExecutionDate'
  | 'totalTicks'
  | 'createdDate'
  | 'reprocess'
  | 'flowRevision'
  | 'order'
  | 'failurePolicy'
  | 'notify'
>;

/**
 * A trigger row as DynamoTriggerStore lays it out: the live schedule's fields, the backfill's
 * moving parts as top-level attributes, its fixed parts as one document, the parked task token.
 * Keeping the same layout keeps the same quirks (say, `createIfAbsent` writes only the live
 * schedule's fields).
 */
interface Row {
  namespace: string;
  flowId: string;
  triggerId: string;
  nextExecutionDate?: string;
  date?: string;
  disabled: boolean;
  updatedDate: string;
  lastBackfillId?: string;
  lastBackfillOutcome?: BackfillOutcome;
  lastBackfillEndedDate?: string;
  lastBackfillReason?: string;
  /** The last backfill's fixed parts and final counters (the adapter's `lastBackfillDoc`, `lastBackfill*`). */
  lastBackfillDoc?: string;
  lastBackfillCounters?: { dispatched: number; skipped: number; failed: number; killed: number; unfinished: number };
  /** A CANCELLED last backfill's cancel (the adapter's `lastBackfillCancel`). */
  lastBackfillCancel?: BackfillCancel;
  /** The last backfill's notification outbox (the adapter's `lastBackfillNotify*`, `lastBackfillEventSent`); its webhook is in the doc. */
  lastBackfillNotify?: Omit<LastBackfillNotify, 'webhook'>;
  backfill?: {
    id: string;
    fixed: string;
    cursorMs: number;
    currentDate: string;
    paused: boolean;
    maxConcurrency?: number;
    dispatched: number;
    skipped: number;
    openPages: Set<string>;
    ended: number;
    failed: number;
    rateSamples: RateSample[];
    killed: number;
    pausedReason?: FailurePolicyTrip;
    failureBaseline?: number;
    rebaseFailures?: boolean;
    cancelling?: BackfillCancel;
    timeline?: FoldedCell[];
    generation: number;
    executionName: string;
  };
  taskToken?: string;
}

/**
 * TriggerStore in memory, with DynamoTriggerStore's conditional writes: every method that the
 * adapter guards with a ConditionExpression checks the same condition here and answers the same
 * way (a boolean, undefined, or the same domain error). test/contract/trigger-store.contract.ts
 * runs against both.
 */
export class InMemoryTriggerStore implements TriggerStore {
  private readonly rows = new Map<string, Row>();

  async get(ref: TriggerRef): Promise<TriggerState | undefined> {
    const row = this.rows.get(key(ref));
    return row && toState(row);
  }

  async listByFlow(namespace: string, flowId: string): Promise<TriggerState[]> {
    // A Query of one partition: ordered by the sort key, the trigger id.
    return [...this.rows.values()]
      .filter((row) => row.namespace === namespace && row.flowId === flowId)
      .sort((a, b) => compareStrings(a.triggerId, b.triggerId))
      .map(toState);
  }

  async list(): Promise<TriggerState[]> {
    return [...this.rows.values()].map(toState);
  }

  async listWithBackfill(): Promise<TriggerState[]> {
    return [...this.rows.values()].filter((row) => row.backfill).map(toState);
  }

  async setBackfillPaused(
    ref: TriggerRef,
    paused: boolean,
    updatedDate: string,
    options: PauseOptions = {},
  ): Promise<{ state: TriggerState; taskToken?: string } | undefined> {
    const row = this.rows.get(key(ref));
    if (!row?.backfill || (options.backfillId !== undefined && row.backfill.id !== options.backfillId)) return undefined;
    const taskToken = paused ? undefined : row.taskToken;
    row.backfill.paused = paused;
    row.updatedDate = updatedDate;
    if (paused && options.reason) row.backfill.pausedReason = { ...options.reason };
    if (!paused && options.rebaseFailures) row.backfill.rebaseFailures = true;
    // Unpausing takes the token off in the same write that returns it, so it is handed out once,
    // and drops the rate samples.
    if (!paused) {
      delete row.taskToken;
      delete row.backfill.pausedReason;
      row.backfill.rateSamples = [];
    }
    return { state: toState(row), taskToken };
  }

  async setFailureBaseline(ref: TriggerRef, backfillId: string, baseline: number): Promise<boolean> {
    const backfill = this.rows.get(key(ref))?.backfill;
    if (backfill?.id !== backfillId) return false;
    backfill.failureBaseline = baseline;
    delete backfill.rebaseFailures;
    return true;
  }

  async markBackfillCancelling(
    ref: TriggerRef,
    backfillId: string,
    cancel: BackfillCancel,
    updatedDate: string,
  ): Promise<{ state: TriggerState; taskToken?: string } | undefined> {
    const row = this.rows.get(key(ref));
    if (row?.backfill?.id !== backfillId) return undefined;
    const taskToken = row.taskToken;
    // The first cancel stands.
    row.backfill.cancelling ??= structuredClone(cancel);
    row.updatedDate = updatedDate;
    delete row.taskToken;
    return { state: toState(row), taskToken };
  }

  async setBackfillMaxConcurrency(ref: TriggerRef, maxConcurrency: number, updatedDate: string): Promise<TriggerState | undefined> {
    const row = this.rows.get(key(ref));
    if (!row?.backfill) return undefined;
    row.backfill.maxConcurrency = maxConcurrency;
    row.updatedDate = updatedDate;
    return toState(row);
  }

  async createIfAbsent(state: TriggerState): Promise<boolean> {
    const k = key(state);
    if (this.rows.has(k)) return false;
    const row: Row = { namespace: state.namespace, flowId: state.flowId, triggerId: state.triggerId, disabled: state.disabled, updatedDate: state.updatedDate };
    if (state.nextExecutionDate) row.nextExecutionDate = state.nextExecutionDate;
    this.rows.set(k, row);
    return true;
  }

  async advanceSchedule(ref: TriggerRef, expected: string, next: string | null, date: string | undefined, updatedDate: string): Promise<boolean> {
    const row = this.rows.get(key(ref));
    if (row?.nextExecutionDate === undefined || row.nextExecutionDate !== expected) return false;
    row.updatedDate = updatedDate;
    if (next) row.nextExecutionDate = next;
    else delete row.nextExecutionDate;
    if (date) row.date = date;
    return true;
  }

  async updateSchedule(ref: TriggerRef, fields: { nextExecutionDate: string | null; disabled: boolean; updatedDate: string }): Promise<void> {
    const row = this.rows.get(key(ref));
    if (!row) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
    row.disabled = fields.disabled;
    row.updatedDate = fields.updatedDate;
    if (fields.nextExecutionDate) row.nextExecutionDate = fields.nextExecutionDate;
    else delete row.nextExecutionDate;
  }

  async delete(ref: TriggerRef): Promise<void> {
    this.rows.delete(key(ref));
  }

  async reset(fresh: TriggerState): Promise<boolean> {
    const k = key(fresh);
    const row = this.rows.get(k);
    if (!row || row.backfill) return false;
    const replaced: Row = {
      namespace: fresh.namespace,
      flowId: fresh.flowId,
      triggerId: fresh.triggerId,
      disabled: fresh.disabled,
      updatedDate: fresh.updatedDate,
    };
    if (fresh.nextExecutionDate) replaced.nextExecutionDate = fresh.nextExecutionDate;
    this.rows.set(k, replaced);
    return true;
  }

  async startBackfill(ref: TriggerRef, backfill: BackfillState, updatedDate: string): Promise<void> {
    const row = this.rows.get(key(ref));
    if (!row) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
    if (row.backfill) {
      const current = toState(row);
      throw new BackfillAlreadyActiveError(
        `A backfill is already active on trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} ` +
          `(started ${current.backfill?.createdDate}); pause, wait for, or delete it before starting another`,
      );
    }
    const fixed: FixedBackfill = {
      start: backfill.start,
      end: backfill.end,
      inputs: backfill.inputs,
      labels: backfill.labels,
      previousNextExecutionDate: backfill.previousNextExecutionDate,
      totalTicks: backfill.totalTicks,
      createdDate: backfill.createdDate,
      reprocess: backfill.reprocess,
      ...(backfill.flowRevision !== undefined ? { flowRevision: backfill.flowRevision } : {}),
      order: backfill.order,
      ...(backfill.failurePolicy ? { failurePolicy: backfill.failurePolicy } : {}),
      ...(backfill.notify ? { notify: backfill.notify } : {}),
    };
    row.backfill = {
      id: backfill.id,
      fixed: JSON.stringify(fixed),
      cursorMs: backfill.cursorMs,
      currentDate: backfill.currentDate,
      paused: backfill.paused,
      ...(backfill.maxConcurrency !== undefined ? { maxConcurrency: backfill.maxConcurrency } : {}),
      dispatched: backfill.dispatched,
      skipped: backfill.skipped,
      openPages: new Set(),
      ended: 0,
      failed: 0,
      rateSamples: stored(backfill.rateSamples),
      killed: 0,
      ...(backfill.timeline ? { timeline: backfill.timeline.map((cell) => ({ ...cell })) } : {}),
      generation: backfill.generation,
      executionName: backfill.executionName,
    };
    row.updatedDate = updatedDate;
  }

  async finishBackfill(
    ref: TriggerRef,
    backfillId: string,
    outcome: BackfillOutcome,
    updatedDate: string,
    reason?: string,
    open?: OpenPagesAtEnd,
  ): Promise<boolean> {
    const row = this.rows.get(key(ref));
    const backfill = row?.backfill;
    if (!row || backfill?.id !== backfillId) return false;
    if (outcome === 'CANCELLED' && !backfill.cancelling) return false;
    if (open && (backfill.openPages.size !== open.pages.length || !open.pages.every((page) => backfill.openPages.has(page)))) return false;
    row.lastBackfillDoc = backfill.fixed;
    row.lastBackfillCounters = {
      dispatched: backfill.dispatched,
      skipped: backfill.skipped,
      failed: backfill.failed + (open?.failed ?? 0),
      killed: backfill.killed + (open?.killed ?? 0),
      unfinished: open?.unfinished ?? 0,
    };
    if (outcome === 'CANCELLED' && backfill.cancelling) row.lastBackfillCancel = backfill.cancelling;
    else delete row.lastBackfillCancel;
    row.updatedDate = updatedDate;
    row.lastBackfillId = backfillId;
    row.lastBackfillOutcome = outcome;
    row.lastBackfillEndedDate = updatedDate;
    if (reason) row.lastBackfillReason = reason;
    else delete row.lastBackfillReason;
    row.lastBackfillNotify = { status: 'PENDING', attempts: 0, eventSent: false };
    delete row.backfill;
    delete row.taskToken;
    return true;
  }

  async claimNotification(ref: TriggerRef, backfillId: string, nowMs: number, nextAttemptMs: number): Promise<TriggerState | undefined> {
    const row = this.rows.get(key(ref));
    const notify = row?.lastBackfillNotify;
    if (!row || row.lastBackfillId !== backfillId || notify?.status !== 'PENDING') return undefined;
    if (notify.nextAttemptMs !== undefined && notify.nextAttemptMs > nowMs) return undefined;
    notify.attempts += 1;
    notify.nextAttemptMs = nextAttemptMs;
    return toState(row);
  }

  async recordNotification(ref: TriggerRef, backfillId: string, result: NotificationAttempt): Promise<boolean> {
    const row = this.rows.get(key(ref));
    const notify = row?.lastBackfillNotify;
    if (!row || row.lastBackfillId !== backfillId || notify?.status !== 'PENDING') return false;
    notify.status = result.status;
    notify.eventSent = result.eventSent;
    if (result.lastError) notify.lastError = result.lastError;
    else delete notify.lastError;
    if (result.status !== 'PENDING') delete notify.nextAttemptMs;
    else if (result.nextAttemptMs !== undefined) notify.nextAttemptMs = result.nextAttemptMs;
    return true;
  }

  async listPendingNotifications(): Promise<TriggerState[]> {
    return [...this.rows.values()].filter((row) => row.lastBackfillNotify?.status === 'PENDING').map(toState);
  }

  async advanceBackfill(ref: TriggerRef, backfillId: string, expectedCursorMs: number, advance: AdvanceCursor): Promise<boolean> {
    const backfill = this.rows.get(key(ref))?.backfill;
    if (backfill?.id !== backfillId || backfill.cursorMs !== expectedCursorMs || backfill.cancelling) return false;
    backfill.cursorMs = advance.cursorMs;
    backfill.currentDate = advance.currentDate;
    backfill.dispatched += advance.dispatchedDelta;
    backfill.skipped += advance.skippedDelta ?? 0;
    if (advance.openedPage) backfill.openPages.add(advance.openedPage);
    if (advance.rateSamples) backfill.rateSamples = stored(advance.rateSamples);
    return true;
  }

  async foldPages(ref: TriggerRef, backfillId: string, folds: PageFold[], { rateSamples, timeline }: FoldExtras = {}): Promise<boolean> {
    if (!folds.length) return true;
    const backfill = this.rows.get(key(ref))?.backfill;
    if (backfill?.id !== backfillId || !folds.every((f) => backfill.openPages.has(f.pageId))) return false;
    const cells = timeline && 'cells' in timeline ? timeline.cells.filter((c) => c.ended > 0) : [];
    if (cells.length && !backfill.timeline) return false;
    // DynamoDB refuses a list index past the list's end (a ValidationException, not a condition).
    if (cells.some(({ cell }) => !backfill.timeline?.[cell])) throw new Error(`foldPages: the timeline has no cell ${cells.map((c) => c.cell)}`);
    for (const fold of folds) {
      backfill.openPages.delete(fold.pageId);
      backfill.ended += fold.ended;
      backfill.failed += fold.failed;
      backfill.killed += fold.killed;
    }
    if (rateSamples) backfill.rateSamples = stored(rateSamples);
    for (const { cell, ended, failed } of cells) {
      const counts = backfill.timeline?.[cell] as FoldedCell;
      counts.ended += ended;
      counts.failed += failed;
    }
    if (timeline && 'drop' in timeline) delete backfill.timeline;
    return true;
  }

  async storeTaskToken(ref: TriggerRef, backfillId: string, taskToken: string): Promise<TriggerState | undefined> {
    const row = this.rows.get(key(ref));
    if (row?.backfill?.id !== backfillId) return undefined;
    row.taskToken = taskToken;
    return toState(row);
  }

  async setBackfillExecution(ref: TriggerRef, backfillId: string, generation: number, executionName: string): Promise<boolean> {
    const backfill = this.rows.get(key(ref))?.backfill;
    if (backfill?.id !== backfillId || !(backfill.generation < generation)) return false;
    backfill.generation = generation;
    backfill.executionName = executionName;
    return true;
  }
}

/** Rate samples as the adapter stores them: times in whole seconds. */
function stored(samples: RateSample[]): RateSample[] {
  return samples.map((sample) => ({ atMs: Math.floor(sample.atMs / 1000) * 1000, ended: sample.ended }));
}

function key(ref: TriggerRef): string {
  return JSON.stringify([ref.namespace, ref.flowId, ref.triggerId]);
}

/** DynamoDB orders string keys by their bytes (code points), not by locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The adapter's `toState`, over the same row layout; a fresh object every time. */
function toState(row: Row): TriggerState {
  const state: TriggerState = {
    namespace: row.namespace,
    flowId: row.flowId,
    triggerId: row.triggerId,
    nextExecutionDate: row.nextExecutionDate ?? null,
    disabled: row.disabled,
    updatedDate: row.updatedDate,
  };
  if (row.date) state.date = row.date;
  if (row.lastBackfillId) {
    state.lastBackfill = {
      id: row.lastBackfillId,
      outcome: row.lastBackfillOutcome ?? 'COMPLETED',
      endedDate: row.lastBackfillEndedDate ?? row.updatedDate,
      ...(row.lastBackfillReason ? { reason: row.lastBackfillReason } : {}),
      ...(row.lastBackfillCancel?.reason ? { cancelledReason: { ...row.lastBackfillCancel.reason } } : {}),
      ...lastBackfillSummary(row),
      ...(row.lastBackfillNotify ? { notify: lastBackfillNotify(row, row.lastBackfillNotify) } : {}),
    };
  }
  if (row.backfill) {
    const b = row.backfill;
    const fixed = JSON.parse(b.fixed) as FixedBackfill;
    state.backfill = {
      id: b.id,
      start: fixed.start,
      end: fixed.end,
      inputs: fixed.inputs ?? null,
      labels: fixed.labels ?? [],
      previousNextExecutionDate: fixed.previousNextExecutionDate ?? null,
      totalTicks: fixed.totalTicks ?? 0,
      createdDate: fixed.createdDate,
      cursorMs: b.cursorMs,
      currentDate: b.currentDate,
      paused: b.paused,
      dispatched: b.dispatched,
      reprocess: fixed.reprocess ?? 'ALL',
      order: fixed.order ?? 'OLDEST_FIRST',
      ...(b.maxConcurrency !== undefined ? { maxConcurrency: b.maxConcurrency } : {}),
      ...(fixed.flowRevision !== undefined ? { flowRevision: fixed.flowRevision } : {}),
      ...(fixed.notify ? { notify: fixed.notify } : {}),
      skipped: b.skipped,
      openPages: [...b.openPages].sort(compareStrings),
      ended: b.ended,
      failed: b.failed,
      rateSamples: b.rateSamples.map((sample) => ({ ...sample })),
      killed: b.killed,
      ...(fixed.failurePolicy ? { failurePolicy: fixed.failurePolicy } : {}),
      ...(b.pausedReason ? { pausedReason: { ...b.pausedReason } } : {}),
      ...(b.failureBaseline !== undefined ? { failureBaseline: b.failureBaseline } : {}),
      ...(b.rebaseFailures ? { rebaseFailures: true } : {}),
      ...(b.cancelling ? { cancelling: structuredClone(b.cancelling) } : {}),
      ...(b.timeline ? { timeline: b.timeline.map((cell) => ({ ...cell })) } : {}),
      generation: b.generation,
      executionName: b.executionName,
    };
  }
  return state;
}

/** The adapter's `lastBackfillSummary`. */
function lastBackfillSummary(row: Row): Partial<LastBackfill> {
  if (!row.lastBackfillDoc || !row.lastBackfillCounters) return {};
  const fixed = JSON.parse(row.lastBackfillDoc) as FixedBackfill;
  const counters = row.lastBackfillCounters;
  return {
    start: fixed.start,
    end: fixed.end,
    createdDate: fixed.createdDate,
    labels: fixed.labels ?? [],
    reprocess: fixed.reprocess ?? 'ALL',
    ...revisionSummary(fixed.flowRevision),
    order: fixed.order ?? 'OLDEST_FIRST',
    counts: lastBackfillCounts({ totalTicks: fixed.totalTicks ?? 0, ...counters }, { failed: 0, killed: 0, unfinished: counters.unfinished }),
  };
}

/** As the adapter: the pinned revision, or that it ran the latest (also how backfills stored before pins ran). */
function revisionSummary(flowRevision: number | undefined): Pick<LastBackfill, 'flowRevision' | 'latestRevision'> {
  return flowRevision === undefined ? { latestRevision: true } : { flowRevision, latestRevision: false };
}

/** The adapter's `lastBackfillNotify`: the outbox, with the webhook from the last backfill's document. */
function lastBackfillNotify(row: Row, notify: Omit<LastBackfillNotify, 'webhook'>): LastBackfillNotify {
  const webhook = row.lastBackfillDoc ? (JSON.parse(row.lastBackfillDoc) as FixedBackfill).notify?.webhook : undefined;
  return { ...(webhook ? { webhook } : {}), ...notify };
}
