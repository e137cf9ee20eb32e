import { BackfillAlreadyActiveError, TriggerNotFoundError } from '../../../lib/domain/errors';
import {
  DEFAULT_MAX_BACKFILLS_PER_TRIGGER,
  RESERVATION_ATTEMPTS,
  RESERVATION_MS,
  type WindowReservation,
  byEnding,
  byWindow,
  contendedMessage,
  liveReservations,
  overlapMessage,
  overlapping,
  tooManyMessage,
  windowOf,
} from '../../../lib/domain/backfill-windows';
import type { FailurePolicyTrip } from '../../../lib/domain/failure-policy';
import {
  type BackfillCancel,
  type BackfillOutcome,
  type BackfillRecord,
  type BackfillState,
  type LastBackfill,
  type LastBackfillNotify,
  type TriggerRef,
  type TriggerState,
  lastBackfillCounts,
} from '../../../lib/domain/trigger-state';
import type { RateSample } from '../../../lib/domain/backfill-rate';
import type { FoldedCell } from '../../../lib/domain/timeline';
import type {
  AdvanceCursor,
  BackfillWrite,
  FoldExtras,
  NotificationAttempt,
  OpenPagesAtEnd,
  PageFold,
  PauseOptions,
  PendingNotification,
  TriggerStore,
} from '../../../lib/ports';

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
 * The trigger's main row as DynamoTriggerStore lays it out: the live schedule's fields and the
 * window reservations. Keeping the same layout keeps the same quirks (say, `createIfAbsent` writes
 * only the live schedule's fields).
 */
interface MainRow {
  namespace: string;
  flowId: string;
  triggerId: string;
  nextExecutionDate?: string;
  date?: string;
  disabled: boolean;
  updatedDate: string;
  /** The adapter's `reservations` and `windowsVersion` (see `startBackfill`). */
  reservations?: WindowReservation[];
  windowsVersion?: number;
}

/** A backfill's moving parts, as top-level attributes of its row in the adapter; its fixed parts as one document. */
interface ActiveBackfill {
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
  taskToken?: string;
}

/** What its ending leaves on a backfill's row (the adapter's `lastBackfill*` attributes). */
interface EndedBackfill {
  outcome: BackfillOutcome;
  endedDate: string;
  reason?: string;
  /** Its fixed parts and final counters (the adapter's `lastBackfillDoc`, `lastBackfill*`). */
  doc: string;
  counters: { dispatched: number; skipped: number; failed: number; killed: number; unfinished: number };
  /** A CANCELLED one's cancel (the adapter's `lastBackfillCancel`). */
  cancel?: BackfillCancel;
  /** Its notification outbox (the adapter's `lastBackfillNotify*`, `lastBackfillEventSent`); its webhook is in the doc. */
  notify: Omit<LastBackfillNotify, 'webhook'>;
}

/** A backfill's own row (the adapter's `<trigger>|<backfillId>`): active, then ended. */
interface BackfillRow {
  namespace: string;
  flowId: string;
  trigger: string;
  id: string;
  updatedDate: string;
  active?: ActiveBackfill;
  ended?: EndedBackfill;
}

/**
 * TriggerStore in memory, with DynamoTriggerStore's rows and conditional writes: every method that
 * the adapter guards with a ConditionExpression checks the same condition here and answers the same
 * way (a boolean, undefined, or the same domain error). test/contract/trigger-store.contract.ts
 * runs against both.
 */
export class InMemoryTriggerStore implements TriggerStore {
  private readonly mains = new Map<string, MainRow>();
  private readonly backfillRows = new Map<string, BackfillRow>();
  private crashBeforeRow = false;

  /**
   * Test hook: the next `startBackfill` reserves its window and then fails before writing its
   * backfill's row, as a creation whose process died there.
   */
  crashBeforeNextBackfillRow(): void {
    this.crashBeforeRow = true;
  }

  /** Test hook: the ids of the backfills whose rows are stored for the trigger (active or ended, pruned ones gone), sorted. */
  storedBackfillIds(ref: TriggerRef): string[] {
    return this.rowsOf(ref)
      .map((row) => row.id)
      .sort(compareStrings);
  }

  async getBackfill(ref: TriggerRef, backfillId: string): Promise<BackfillRecord | undefined> {
    const row = this.backfillRows.get(backfillKey(ref, backfillId));
    if (row?.active) return { active: toBackfill(row.id, row.active) };
    if (row?.ended) return { ended: toLastBackfill(row.id, row.ended) };
    return undefined;
  }

  async get(ref: TriggerRef): Promise<TriggerState | undefined> {
    const main = this.mains.get(key(ref));
    return main && this.toState(main);
  }

  async listByFlow(namespace: string, flowId: string): Promise<TriggerState[]> {
    // A Query of one partition: ordered by the sort key, the trigger id.
    return [...this.mains.values()]
      .filter((row) => row.namespace === namespace && row.flowId === flowId)
      .sort((a, b) => compareStrings(a.triggerId, b.triggerId))
      .map((row) => this.toState(row));
  }

  async list(): Promise<TriggerState[]> {
    return [...this.mains.values()].map((row) => this.toState(row));
  }

  async listWithBackfill(): Promise<TriggerState[]> {
    return (await this.list()).filter((state) => state.backfills.length > 0);
  }

  async setBackfillPaused(
    ref: TriggerRef,
    backfillId: string,
    paused: boolean,
    updatedDate: string,
    options: PauseOptions = {},
  ): Promise<BackfillWrite | undefined> {
    const row = this.activeRow(ref, backfillId);
    if (!row?.active) return undefined;
    const active = row.active;
    const taskToken = paused ? undefined : active.taskToken;
    active.paused = paused;
    row.updatedDate = updatedDate;
    if (paused && options.reason) active.pausedReason = { ...options.reason };
    if (!paused && options.rebaseFailures) active.rebaseFailures = true;
    // Unpausing takes the token off in the same write that returns it, so it is handed out once,
    // and drops the rate samples.
    if (!paused) {
      delete active.taskToken;
      delete active.pausedReason;
      active.rateSamples = [];
    }
    return { backfill: toBackfill(row.id, active), taskToken };
  }

  async setFailureBaseline(ref: TriggerRef, backfillId: string, baseline: number): Promise<boolean> {
    const active = this.activeRow(ref, backfillId)?.active;
    if (!active) return false;
    active.failureBaseline = baseline;
    delete active.rebaseFailures;
    return true;
  }

  async markBackfillCancelling(ref: TriggerRef, backfillId: string, cancel: BackfillCancel, updatedDate: string): Promise<BackfillWrite | undefined> {
    const row = this.activeRow(ref, backfillId);
    if (!row?.active) return undefined;
    const taskToken = row.active.taskToken;
    // The first cancel stands.
    row.active.cancelling ??= structuredClone(cancel);
    row.updatedDate = updatedDate;
    delete row.active.taskToken;
    return { backfill: toBackfill(row.id, row.active), taskToken };
  }

  async setBackfillMaxConcurrency(ref: TriggerRef, backfillId: string, maxConcurrency: number, updatedDate: string): Promise<BackfillState | undefined> {
    const row = this.activeRow(ref, backfillId);
    if (!row?.active) return undefined;
    row.active.maxConcurrency = maxConcurrency;
    row.updatedDate = updatedDate;
    return toBackfill(row.id, row.active);
  }

  async createIfAbsent(state: TriggerState): Promise<boolean> {
    const k = key(state);
    if (this.mains.has(k)) return false;
    const row: MainRow = {
      namespace: state.namespace,
      flowId: state.flowId,
      triggerId: state.triggerId,
      disabled: state.disabled,
      updatedDate: state.updatedDate,
    };
    if (state.nextExecutionDate) row.nextExecutionDate = state.nextExecutionDate;
    this.mains.set(k, row);
    return true;
  }

  async advanceSchedule(ref: TriggerRef, expected: string, next: string | null, date: string | undefined, updatedDate: string): Promise<boolean> {
    const row = this.mains.get(key(ref));
    if (row?.nextExecutionDate === undefined || row.nextExecutionDate !== expected) return false;
    row.updatedDate = updatedDate;
    if (next) row.nextExecutionDate = next;
    else delete row.nextExecutionDate;
    if (date) row.date = date;
    return true;
  }

  async updateSchedule(ref: TriggerRef, fields: { nextExecutionDate: string | null; disabled: boolean; updatedDate: string }): Promise<void> {
    const row = this.mains.get(key(ref));
    if (!row) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
    row.disabled = fields.disabled;
    row.updatedDate = fields.updatedDate;
    if (fields.nextExecutionDate) row.nextExecutionDate = fields.nextExecutionDate;
    else delete row.nextExecutionDate;
  }

  async delete(ref: TriggerRef): Promise<void> {
    for (const row of this.rowsOf(ref)) this.backfillRows.delete(backfillKey(ref, row.id));
    await Promise.resolve();
    this.mains.delete(key(ref));
    // As the adapter: once more, for a row a creation wrote after the first pass.
    await Promise.resolve();
    for (const row of this.rowsOf(ref)) this.backfillRows.delete(backfillKey(ref, row.id));
  }

  async reset(fresh: TriggerState): Promise<boolean> {
    const k = key(fresh);
    const main = this.mains.get(k);
    if (!main) return false;
    const own = this.rowsOf(fresh);
    const pending = liveReservations(main.reservations ?? [], new Set(own.map((row) => row.id)), Date.parse(fresh.updatedDate));
    if (own.some((row) => row.active) || pending.length) return false;
    const replaced: MainRow = {
      namespace: fresh.namespace,
      flowId: fresh.flowId,
      triggerId: fresh.triggerId,
      disabled: fresh.disabled,
      updatedDate: fresh.updatedDate,
      windowsVersion: (main.windowsVersion ?? 0) + 1,
    };
    if (fresh.nextExecutionDate) replaced.nextExecutionDate = fresh.nextExecutionDate;
    this.mains.set(k, replaced);
    for (const row of own) this.backfillRows.delete(backfillKey(fresh, row.id));
    return true;
  }

  async startBackfill(
    ref: TriggerRef,
    backfill: BackfillState,
    updatedDate: string,
    { maxActive }: { maxActive: number } = { maxActive: DEFAULT_MAX_BACKFILLS_PER_TRIGGER },
  ): Promise<void> {
    const nowMs = Date.parse(updatedDate);
    if (Number.isNaN(nowMs)) throw new Error(`startBackfill: updatedDate ${updatedDate} is not a date`);
    const wanted = windowOf(backfill);
    for (let attempt = 0; attempt < RESERVATION_ATTEMPTS; attempt++) {
      // As the adapter: a read, then a write conditional on what was read, with other calls running in between.
      const main = this.mains.get(key(ref));
      if (!main) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
      const own = this.rowsOf(ref);
      if (own.some((row) => row.id === backfill.id)) return;
      const active = own.flatMap((row) => (row.active ? [windowOf({ id: row.id, ...fixedOf(row.active) })] : []));
      const live = liveReservations(main.reservations ?? [], new Set(own.map((row) => row.id)), nowMs).filter((r) => r.id !== backfill.id);
      const other = overlapping([...active, ...live], wanted);
      if (other) throw new BackfillAlreadyActiveError(overlapMessage(ref, other));
      if (active.length + live.length >= maxActive) throw new BackfillAlreadyActiveError(tooManyMessage(ref, maxActive));
      const version = main.windowsVersion;
      await Promise.resolve();
      const current = this.mains.get(key(ref));
      if (!current || current.windowsVersion !== version) continue;
      current.reservations = [...live.map((r) => ({ ...r })), { ...wanted, untilMs: nowMs + RESERVATION_MS }];
      current.windowsVersion = (version ?? 0) + 1;
      if (this.crashBeforeRow) {
        this.crashBeforeRow = false;
        throw new Error('startBackfill: crashed before writing the backfill (a test hook)');
      }
      await Promise.resolve();
      const k = backfillKey(ref, backfill.id);
      if (this.backfillRows.has(k)) return;
      this.backfillRows.set(k, {
        namespace: ref.namespace,
        flowId: ref.flowId,
        trigger: ref.triggerId,
        id: backfill.id,
        updatedDate,
        active: newActive(backfill),
      });
      // As the adapter: the trigger deleted meanwhile takes its backfill with it.
      await Promise.resolve();
      if (!this.mains.has(key(ref))) {
        this.backfillRows.delete(k);
        throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
      }
      return;
    }
    throw new BackfillAlreadyActiveError(contendedMessage(ref));
  }

  async finishBackfill(
    ref: TriggerRef,
    backfillId: string,
    outcome: BackfillOutcome,
    updatedDate: string,
    reason?: string,
    open?: OpenPagesAtEnd,
  ): Promise<boolean> {
    const row = this.activeRow(ref, backfillId);
    const backfill = row?.active;
    if (!row || !backfill) return false;
    if (outcome === 'CANCELLED' && !backfill.cancelling) return false;
    if (open && (backfill.openPages.size !== open.pages.length || !open.pages.every((page) => backfill.openPages.has(page)))) return false;
    row.ended = {
      outcome,
      endedDate: updatedDate,
      ...(reason ? { reason } : {}),
      doc: backfill.fixed,
      counters: {
        dispatched: backfill.dispatched,
        skipped: backfill.skipped,
        failed: backfill.failed + (open?.failed ?? 0),
        killed: backfill.killed + (open?.killed ?? 0),
        unfinished: open?.unfinished ?? 0,
      },
      ...(outcome === 'CANCELLED' && backfill.cancelling ? { cancel: backfill.cancelling } : {}),
      notify: { status: 'PENDING', attempts: 0, eventSent: false },
    };
    row.updatedDate = updatedDate;
    delete row.active;
    this.pruneEnded(ref);
    return true;
  }

  async claimNotification(ref: TriggerRef, backfillId: string, nowMs: number, nextAttemptMs: number): Promise<LastBackfill | undefined> {
    const row = this.backfillRows.get(backfillKey(ref, backfillId));
    const notify = row?.ended?.notify;
    if (!row?.ended || notify?.status !== 'PENDING') return undefined;
    if (notify.nextAttemptMs !== undefined && notify.nextAttemptMs > nowMs) return undefined;
    notify.attempts += 1;
    notify.nextAttemptMs = nextAttemptMs;
    return toLastBackfill(row.id, row.ended);
  }

  async recordNotification(ref: TriggerRef, backfillId: string, result: NotificationAttempt): Promise<boolean> {
    const row = this.backfillRows.get(backfillKey(ref, backfillId));
    const notify = row?.ended?.notify;
    if (!row || notify?.status !== 'PENDING') return false;
    notify.status = result.status;
    notify.eventSent = result.eventSent;
    if (result.lastError) notify.lastError = result.lastError;
    else delete notify.lastError;
    if (result.status !== 'PENDING') delete notify.nextAttemptMs;
    else if (result.nextAttemptMs !== undefined) notify.nextAttemptMs = result.nextAttemptMs;
    if (result.status !== 'PENDING') this.pruneEnded(ref);
    return true;
  }

  async listPendingNotifications(): Promise<PendingNotification[]> {
    return [...this.backfillRows.values()]
      .filter((row) => row.ended?.notify.status === 'PENDING')
      .map((row) => ({
        ref: { namespace: row.namespace, flowId: row.flowId, triggerId: row.trigger },
        lastBackfill: toLastBackfill(row.id, row.ended as EndedBackfill),
      }));
  }

  async advanceBackfill(ref: TriggerRef, backfillId: string, expectedCursorMs: number, advance: AdvanceCursor): Promise<boolean> {
    const backfill = this.activeRow(ref, backfillId)?.active;
    if (!backfill || backfill.cursorMs !== expectedCursorMs || backfill.cancelling) return false;
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
    const backfill = this.activeRow(ref, backfillId)?.active;
    if (!backfill || !folds.every((f) => backfill.openPages.has(f.pageId))) return false;
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

  async storeTaskToken(ref: TriggerRef, backfillId: string, taskToken: string): Promise<BackfillState | undefined> {
    const row = this.activeRow(ref, backfillId);
    if (!row?.active) return undefined;
    row.active.taskToken = taskToken;
    return toBackfill(row.id, row.active);
  }

  async setBackfillExecution(ref: TriggerRef, backfillId: string, generation: number, executionName: string): Promise<boolean> {
    const backfill = this.activeRow(ref, backfillId)?.active;
    if (!backfill || !(backfill.generation < generation)) return false;
    backfill.generation = generation;
    backfill.executionName = executionName;
    return true;
  }

  /** The backfill's row while it is active (the adapter's condition `backfillId = :id` on its key). */
  private activeRow(ref: TriggerRef, backfillId: string): BackfillRow | undefined {
    const row = this.backfillRows.get(backfillKey(ref, backfillId));
    return row?.active ? row : undefined;
  }

  /** The rows of the trigger's backfills, whether or not its main row exists. */
  private rowsOf(ref: TriggerRef): BackfillRow[] {
    return [...this.backfillRows.values()].filter((row) => row.namespace === ref.namespace && row.flowId === ref.flowId && row.trigger === ref.triggerId);
  }

  /** As the adapter's `pruneEnded`: every ended row but the most recently ended one, unless its notification is PENDING. */
  private pruneEnded(ref: TriggerRef): void {
    const ended = this.rowsOf(ref)
      .flatMap((row) => (row.ended && !row.active ? [{ row, last: toLastBackfill(row.id, row.ended) }] : []))
      .sort((a, b) => byEnding(a.last, b.last));
    for (const { row } of ended.slice(1)) if (row.ended?.notify.status !== 'PENDING') this.backfillRows.delete(backfillKey(ref, row.id));
  }

  /** The adapter's `toState`, over the same rows; a fresh object every time. */
  private toState(main: MainRow): TriggerState {
    const own = this.rowsOf(main);
    const backfills = own.flatMap((row) => (row.active ? [toBackfill(row.id, row.active)] : [])).sort(byWindow);
    const ended = own.flatMap((row) => (row.ended && !row.active ? [toLastBackfill(row.id, row.ended)] : [])).sort(byEnding);
    const state: TriggerState = {
      namespace: main.namespace,
      flowId: main.flowId,
      triggerId: main.triggerId,
      nextExecutionDate: main.nextExecutionDate ?? null,
      disabled: main.disabled,
      // The latest of its rows' (ISO dates sort as strings).
      updatedDate: [main.updatedDate, ...own.map((row) => row.updatedDate)].sort(compareStrings).at(-1) ?? main.updatedDate,
      backfills,
    };
    if (main.date) state.date = main.date;
    if (backfills[0]) state.backfill = backfills[0];
    if (ended[0]) state.lastBackfill = ended[0];
    return state;
  }
}

function fixedOf(active: ActiveBackfill): FixedBackfill {
  return JSON.parse(active.fixed) as FixedBackfill;
}

/** A new backfill's row parts, as the adapter's put writes them. */
function newActive(backfill: BackfillState): ActiveBackfill {
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
  return {
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
}

/** Rate samples as the adapter stores them: times in whole seconds. */
function stored(samples: RateSample[]): RateSample[] {
  return samples.map((sample) => ({ atMs: Math.floor(sample.atMs / 1000) * 1000, ended: sample.ended }));
}

function key(ref: TriggerRef): string {
  return JSON.stringify([ref.namespace, ref.flowId, ref.triggerId]);
}

function backfillKey(ref: TriggerRef, backfillId: string): string {
  return JSON.stringify([ref.namespace, ref.flowId, ref.triggerId, backfillId]);
}

/** DynamoDB orders string keys by their bytes (code points), not by locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The adapter's `toBackfill`; a fresh object every time. */
function toBackfill(id: string, b: ActiveBackfill): BackfillState {
  const fixed = fixedOf(b);
  return {
    id,
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

/** The adapter's `toLastBackfill`; a fresh object every time. */
function toLastBackfill(id: string, ended: EndedBackfill): LastBackfill {
  const fixed = JSON.parse(ended.doc) as FixedBackfill;
  const webhook = fixed.notify?.webhook;
  return {
    id,
    outcome: ended.outcome,
    endedDate: ended.endedDate,
    ...(ended.reason ? { reason: ended.reason } : {}),
    ...(ended.cancel?.reason ? { cancelledReason: { ...ended.cancel.reason } } : {}),
    start: fixed.start,
    end: fixed.end,
    createdDate: fixed.createdDate,
    labels: fixed.labels ?? [],
    reprocess: fixed.reprocess ?? 'ALL',
    ...revisionSummary(fixed.flowRevision),
    order: fixed.order ?? 'OLDEST_FIRST',
    counts: lastBackfillCounts({ totalTicks: fixed.totalTicks ?? 0, ...ended.counters }, { failed: 0, killed: 0, unfinished: ended.counters.unfinished }),
    notify: { ...(webhook ? { webhook } : {}), ...ended.notify },
  };
}

/** As the adapter: the pinned revision, or that it ran the latest (also how backfills stored before pins ran). */
function revisionSummary(flowRevision: number | undefined): Pick<LastBackfill, 'flowRevision' | 'latestRevision'> {
  return flowRevision === undefined ? { latestRevision: true } : { flowRevision, latestRevision: false };
}
