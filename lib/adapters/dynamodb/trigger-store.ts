import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { BackfillAlreadyActiveError, TriggerNotFoundError } from '../../domain/errors';
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
} from '../../domain/backfill-windows';
import {
  type BackfillCancel,
  type BackfillOutcome,
  type BackfillRecord,
  type BackfillState,
  type LastBackfill,
  type LastBackfillNotify,
  type NotifyStatus,
  type TriggerRef,
  type TriggerState,
  lastBackfillCounts,
} from '../../domain/trigger-state';
import type { RateSample } from '../../domain/backfill-rate';
import type { FoldedCell } from '../../domain/timeline';
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
} from '../../ports';
import { type NativeItem, eachPage, isConditionFailed, whenConditionHolds } from './client';
import { flowKey } from './tables';

/**
 * A row of the triggers table as stored: every attribute but the key is absent until some write sets
 * it. The trigger's main row (`triggerId` = the trigger's id) holds the live schedule and the window
 * reservations; each backfill has its own row (`triggerId` = `<trigger>|<backfillId>`, `trigger` = the
 * trigger's id), holding it while it is active and its summary and notification outbox once it ended.
 */
interface TriggerItem {
  flowKey: string;
  triggerId: string;
  namespace?: string;
  flowId?: string;
  /** On a backfill's own row: the trigger's id (the key's part before `|`). */
  trigger?: string;
  /** On the main row: windows claimed by creations under way (see `startBackfill`). */
  reservations?: WindowReservation[];
  /** On the main row: bumped by every write of `reservations`, which each hold only while it is unchanged. */
  windowsVersion?: number;
  nextExecutionDate?: string;
  date?: string;
  disabled?: boolean;
  updatedDate?: string;
  lastBackfillId?: string;
  lastBackfillOutcome?: BackfillOutcome;
  /** When the last backfill ended; rows written before it existed fall back to `updatedDate`. */
  lastBackfillEndedDate?: string;
  /** Why the last backfill ended, for a FAILED one. */
  lastBackfillReason?: string;
  /** The last backfill's fixed parts (its `backfillDoc`, moved there as it ended) and final counters. */
  lastBackfillDoc?: string;
  lastBackfillDispatched?: number;
  lastBackfillSkipped?: number;
  lastBackfillFailed?: number;
  lastBackfillKilled?: number;
  lastBackfillUnfinished?: number;
  /** A CANCELLED last backfill's cancel (its `cancelling`, moved there as it ended), as JSON. */
  lastBackfillCancel?: string;
  /** The last backfill's final notification (its outbox: see `LastBackfillNotify`), set PENDING by the write that ends it. */
  lastBackfillNotifyStatus?: NotifyStatus;
  lastBackfillNotifyAttempts?: number;
  lastBackfillNotifyError?: string;
  lastBackfillNotifyNextMs?: number;
  lastBackfillEventSent?: boolean;
  backfillId?: string;
  /** The backfill's fixed parts as JSON (see `startBackfill`). */
  backfillDoc?: string;
  cursorMs?: number;
  currentDate?: string;
  paused?: boolean;
  /** The backfill's bound on executions in flight: top-level, since it changes while the backfill runs. */
  maxConcurrency?: number;
  dispatched?: number;
  skipped?: number;
  /** Open ledger pages (a string set; absent when none). */
  openPages?: Set<string>;
  /** Executions of folded pages that ended, those of them that failed (FAILED or KILLED), and of those the killed ones. */
  ended?: number;
  failed?: number;
  /** Rate samples as one flat list of numbers, `[epoch seconds, ended, …]`, oldest first (a few dozen bytes). */
  rateSamples?: number[];
  killed?: number;
  /** Why the failure policy paused the backfill (a FailurePolicyTrip as JSON), until it is resumed. */
  pausedReason?: string;
  /** The failure policy's count restarts from here (see BackfillState.failureBaseline). */
  failureBaseline?: number;
  rebaseFailures?: boolean;
  /** A cancel under way (a BackfillCancel as JSON). */
  cancelling?: string;
  /** The same per cell of the backfill's timeline, each packed as one number (see `packCell`). */
  timeline?: number[];
  generation?: number;
  executionName?: string;
  taskToken?: string;
}

/**
 * Trigger rows. Each backfill has its own row beside the trigger's main row, so that several run at
 * once and every write to one touches it alone. Its moving parts (id, cursor, counters, pause flag,
 * generation) are top-level attributes so every change is one conditional UpdateItem; its fixed
 * parts (window, labels, inputs) are one JSON attribute written once.
 */
export class DynamoTriggerStore implements TriggerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(ref: TriggerRef): Promise<TriggerState | undefined> {
    return toStates(await this.rowsOf(ref))[0];
  }

  /** The trigger's main row and its backfills' rows: one Query (the prefix also finds `<trigger>…` of other triggers, left out). */
  private async rowsOf(ref: TriggerRef): Promise<TriggerItem[]> {
    const rows = await this.query('flowKey = :fk AND begins_with(triggerId, :t)', { ':fk': flowKey(ref.namespace, ref.flowId), ':t': ref.triggerId });
    return rows.filter((row) => row.triggerId === ref.triggerId || row.trigger === ref.triggerId);
  }

  async getBackfill(ref: TriggerRef, backfillId: string): Promise<BackfillRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: backfillKey(ref, backfillId), ConsistentRead: true }));
    const row = out.Item as TriggerItem | undefined;
    if (row?.backfillId === backfillId) return { active: toBackfill(row) };
    if (row?.lastBackfillId === backfillId) return { ended: toLastBackfill(row) };
    return undefined;
  }

  async listByFlow(namespace: string, flowId: string): Promise<TriggerState[]> {
    return toStates(await this.query('flowKey = :fk', { ':fk': flowKey(namespace, flowId) }));
  }

  /** Every row a key condition selects, page after page, strongly consistent. */
  private async query(keyCondition: string, values: NativeItem): Promise<TriggerItem[]> {
    const rows: TriggerItem[] = [];
    await eachPage<NativeItem>(
      (startKey) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: keyCondition,
            ExpressionAttributeValues: values,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      (page) => void rows.push(...((page.Items ?? []) as TriggerItem[])),
    );
    return rows;
  }

  async list(): Promise<TriggerState[]> {
    return toStates(await this.scan());
  }

  async listWithBackfill(): Promise<TriggerState[]> {
    // The whole table: a filter would save no read (a Scan is billed on what it reads), and each trigger needs its main row.
    return toStates(await this.scan()).filter((state) => state.backfills.length > 0);
  }

  private async scan(filter?: string, values?: NativeItem, names?: Record<string, string>): Promise<TriggerItem[]> {
    const rows: TriggerItem[] = [];
    await eachPage<NativeItem>(
      (startKey) =>
        this.client.send(
          new ScanCommand({
            TableName: this.table,
            FilterExpression: filter,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: startKey,
          }),
        ),
      (page) => void rows.push(...((page.Items ?? []) as TriggerItem[])),
    );
    return rows;
  }

  async setBackfillPaused(
    ref: TriggerRef,
    backfillId: string,
    paused: boolean,
    updatedDate: string,
    options: PauseOptions = {},
  ): Promise<BackfillWrite | undefined> {
    const set = ['paused = :p', 'updatedDate = :u'];
    const values: NativeItem = { ':id': backfillId, ':p': paused, ':u': updatedDate };
    const changes: Partial<TriggerItem> = { paused, updatedDate };
    if (paused && options.reason) {
      set.push('pausedReason = :reason');
      values[':reason'] = changes.pausedReason = JSON.stringify(options.reason);
    }
    if (!paused && options.rebaseFailures) {
      set.push('rebaseFailures = :rebase');
      values[':rebase'] = changes.rebaseFailures = true;
    }
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: backfillKey(ref, backfillId),
          // Unpausing removes the token in the same write that returns it: two concurrent resumes get it once;
          // it also drops the rate samples, so the time it stood paused counts in no rate.
          UpdateExpression: `SET ${set.join(', ')}${paused ? '' : ' REMOVE taskToken, pausedReason, rateSamples'}`,
          ConditionExpression: 'backfillId = :id',
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = out.Attributes as TriggerItem;
      const after: TriggerItem = { ...old, ...changes };
      if (!paused) {
        delete after.taskToken;
        delete after.pausedReason;
        // The time it stood paused counts in no rate.
        delete after.rateSamples;
      }
      return { backfill: toBackfill(after), taskToken: paused ? undefined : old.taskToken };
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async setFailureBaseline(ref: TriggerRef, backfillId: string, baseline: number): Promise<boolean> {
    return this.conditional({
      Key: backfillKey(ref, backfillId),
      UpdateExpression: 'SET failureBaseline = :b REMOVE rebaseFailures',
      ConditionExpression: 'backfillId = :id',
      ExpressionAttributeValues: { ':id': backfillId, ':b': baseline },
    });
  }

  async markBackfillCancelling(ref: TriggerRef, backfillId: string, cancel: BackfillCancel, updatedDate: string): Promise<BackfillWrite | undefined> {
    const cancelling = JSON.stringify(cancel);
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: backfillKey(ref, backfillId),
          // The first cancel stands (a retried or repeated one keeps its time and reason). The parked
          // token goes in the same write that returns it, as on unpause: one caller resumes with it.
          UpdateExpression: 'SET cancelling = if_not_exists(cancelling, :c), updatedDate = :u REMOVE taskToken',
          ConditionExpression: 'backfillId = :id',
          ExpressionAttributeValues: { ':id': backfillId, ':c': cancelling, ':u': updatedDate },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = out.Attributes as TriggerItem;
      const after: TriggerItem = { ...old, cancelling: old.cancelling ?? cancelling, updatedDate };
      delete after.taskToken;
      return { backfill: toBackfill(after), taskToken: old.taskToken };
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async setBackfillMaxConcurrency(ref: TriggerRef, backfillId: string, maxConcurrency: number, updatedDate: string): Promise<BackfillState | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: backfillKey(ref, backfillId),
          UpdateExpression: 'SET maxConcurrency = :m, updatedDate = :u',
          ConditionExpression: 'backfillId = :id',
          ExpressionAttributeValues: { ':id': backfillId, ':m': maxConcurrency, ':u': updatedDate },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toBackfill(out.Attributes as TriggerItem);
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async createIfAbsent(state: TriggerState): Promise<boolean> {
    const item: TriggerItem = {
      ...key(state),
      namespace: state.namespace,
      flowId: state.flowId,
      disabled: state.disabled,
      updatedDate: state.updatedDate,
    };
    if (state.nextExecutionDate) item.nextExecutionDate = state.nextExecutionDate;
    return whenConditionHolds(() =>
      this.client.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(triggerId)' })),
    );
  }

  async updateSchedule(ref: TriggerRef, fields: { nextExecutionDate: string | null; disabled: boolean; updatedDate: string }): Promise<void> {
    const values: NativeItem = { ':d': fields.disabled, ':u': fields.updatedDate };
    let expression = 'SET disabled = :d, updatedDate = :u';
    if (fields.nextExecutionDate) {
      expression += ', nextExecutionDate = :n';
      values[':n'] = fields.nextExecutionDate;
    } else {
      expression += ' REMOVE nextExecutionDate';
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(ref),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(triggerId)',
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
      throw error;
    }
  }

  async advanceSchedule(ref: TriggerRef, expected: string, next: string | null, date: string | undefined, updatedDate: string): Promise<boolean> {
    const set = ['updatedDate = :u', ...(next ? ['nextExecutionDate = :next'] : []), ...(date ? ['#date = :date'] : [])];
    return this.conditional({
      Key: key(ref),
      UpdateExpression: `SET ${set.join(', ')}${next ? '' : ' REMOVE nextExecutionDate'}`,
      ConditionExpression: 'nextExecutionDate = :expected',
      ExpressionAttributeNames: date ? { '#date': 'date' } : undefined,
      ExpressionAttributeValues: { ':expected': expected, ':u': updatedDate, ...(next ? { ':next': next } : {}), ...(date ? { ':date': date } : {}) },
    });
  }

  async delete(ref: TriggerRef): Promise<void> {
    // The backfills' rows first: a delete cut short leaves the main row, so the trigger is still there
    // to delete again, never rows of backfills that a trigger created again under this id would find.
    await this.deleteBackfillRows(ref);
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: key(ref) }));
    // Once more: a creation that found the main row before it went may have written its row since the
    // first pass (it checks for the main row after writing, so one written later takes itself back).
    await this.deleteBackfillRows(ref);
  }

  private async deleteBackfillRows(ref: TriggerRef): Promise<void> {
    const rows = (await this.rowsOf(ref)).filter((row) => row.trigger !== undefined);
    await Promise.all(rows.map((row) => this.client.send(new DeleteCommand({ TableName: this.table, Key: keyOf(row) }))));
  }

  async reset(fresh: TriggerState): Promise<boolean> {
    const rows = await this.rowsOf(fresh);
    const main = rows.find((row) => row.triggerId === fresh.triggerId);
    if (!main) return false;
    const own = rows.filter((row) => row !== main);
    const pending = liveReservations(main.reservations ?? [], new Set(own.map(backfillIdOf)), Date.parse(fresh.updatedDate));
    // A backfill active, or one being created (its window reserved), stays with its trigger's state.
    if (own.some((row) => row.backfillId !== undefined) || pending.length) return false;
    const version = main.windowsVersion;
    // Bumped, so that a creation that read the row before this write reads it again.
    const item: TriggerItem = {
      ...key(fresh),
      namespace: fresh.namespace,
      flowId: fresh.flowId,
      disabled: fresh.disabled,
      updatedDate: fresh.updatedDate,
      windowsVersion: (version ?? 0) + 1,
    };
    if (fresh.nextExecutionDate) item.nextExecutionDate = fresh.nextExecutionDate;
    // A put replaces the whole row, so nothing of the old state (last run, reservations) survives.
    const replaced = await whenConditionHolds(() =>
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: `attribute_exists(triggerId) AND ${version === undefined ? 'attribute_not_exists(windowsVersion)' : 'windowsVersion = :v'}`,
          ExpressionAttributeValues: version === undefined ? undefined : { ':v': version },
        }),
      ),
    );
    if (!replaced) return false;
    // Then the ended backfills (their summaries and outboxes) are forgotten.
    await Promise.all(
      own.map((row) =>
        whenConditionHolds(() =>
          this.client.send(new DeleteCommand({ TableName: this.table, Key: keyOf(row), ConditionExpression: 'attribute_not_exists(backfillId)' })),
        ),
      ),
    );
    return true;
  }

  /**
   * Without transactions (dynalite has none), windows are kept disjoint by reserving them on the main
   * row first: read the trigger's rows; check the window against its active backfills and the
   * reservations of creations under way; write the reservations anew, conditional on no other
   * creation having written them since (`windowsVersion`); only then write the backfill's own row.
   * Of two overlapping creations, the second to reserve finds its condition failed, reads again, and
   * finds the first. A creation that died before writing its row leaves a reservation that lapses
   * after RESERVATION_MS.
   */
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
      const rows = await this.rowsOf(ref);
      const main = rows.find((row) => row.triggerId === ref.triggerId);
      if (!main) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
      const own = rows.filter((row) => row !== main);
      // A retried call (its answer was lost): this very backfill is written already (ids are never reused).
      if (own.some((row) => backfillIdOf(row) === backfill.id)) return;
      const active = own.filter((row) => row.backfillId !== undefined).map((row) => windowOf(toBackfill(row)));
      // Its own reservation, left by an earlier try of this call, is replaced, not counted.
      const live = liveReservations(main.reservations ?? [], new Set(own.map(backfillIdOf)), nowMs).filter((r) => r.id !== backfill.id);
      const other = overlapping([...active, ...live], wanted);
      if (other) throw new BackfillAlreadyActiveError(overlapMessage(ref, other));
      if (active.length + live.length >= maxActive) throw new BackfillAlreadyActiveError(tooManyMessage(ref, maxActive));
      const version = main.windowsVersion;
      const reservations: WindowReservation[] = [...live, { ...wanted, untilMs: nowMs + RESERVATION_MS }];
      const reserved = await this.conditional({
        Key: key(ref),
        UpdateExpression: 'SET reservations = :r, windowsVersion = :next',
        ConditionExpression: `attribute_exists(triggerId) AND ${version === undefined ? 'attribute_not_exists(windowsVersion)' : 'windowsVersion = :v'}`,
        ExpressionAttributeValues: { ':r': reservations, ':next': (version ?? 0) + 1, ...(version === undefined ? {} : { ':v': version }) },
      });
      // Another creation (or a reset) wrote the windows since they were read: read them again.
      if (!reserved) continue;
      // Refused only when the row exists: a retried put whose first try landed.
      await whenConditionHolds(() =>
        this.client.send(
          new PutCommand({ TableName: this.table, Item: backfillItem(ref, backfill, updatedDate), ConditionExpression: 'attribute_not_exists(triggerId)' }),
        ),
      );
      // The trigger deleted since it was read: its delete may have listed its rows before this put, so
      // the row is taken back here (with the delete's second pass, no interleaving leaves it behind).
      const stillThere = await this.client.send(
        new GetCommand({ TableName: this.table, Key: key(ref), ConsistentRead: true, ProjectionExpression: 'triggerId' }),
      );
      if (!stillThere.Item) {
        await this.client.send(new DeleteCommand({ TableName: this.table, Key: backfillKey(ref, backfill.id) }));
        throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
      }
      return;
    }
    throw new BackfillAlreadyActiveError(contendedMessage(ref));
  }

  /**
   * Deletes the trigger's ended backfills but the most recently ended one (its `lastBackfill`), each
   * only while its final notification is not PENDING (the sweep still needs it). Housekeeping after
   * the write that made one of them prunable: an error is left for the next one to retry, since that
   * write itself succeeded and its caller must not take it for a failure.
   */
  private async pruneEnded(ref: TriggerRef): Promise<void> {
    try {
      const ended = (await this.rowsOf(ref))
        .filter((row) => row.trigger !== undefined && row.backfillId === undefined && row.lastBackfillId !== undefined)
        .map((row) => ({ row, last: toLastBackfill(row) }))
        .sort((a, b) => byEnding(a.last, b.last));
      await Promise.all(
        ended
          .slice(1)
          .filter(({ last }) => last.notify?.status !== 'PENDING')
          .map(({ row }) =>
            whenConditionHolds(() =>
              this.client.send(
                new DeleteCommand({
                  TableName: this.table,
                  Key: keyOf(row),
                  ConditionExpression:
                    'attribute_not_exists(backfillId) AND (attribute_not_exists(lastBackfillNotifyStatus) OR lastBackfillNotifyStatus <> :pending)',
                  ExpressionAttributeValues: { ':pending': 'PENDING' },
                }),
              ),
            ),
          ),
      );
    } catch {
      // See above: the next finish or delivered notification of this trigger prunes again.
    }
  }

  async finishBackfill(
    ref: TriggerRef,
    backfillId: string,
    outcome: BackfillOutcome,
    updatedDate: string,
    reason?: string,
    open?: OpenPagesAtEnd,
  ): Promise<boolean> {
    const values: NativeItem = {
      ':id': backfillId,
      ':u': updatedDate,
      ':outcome': outcome,
      ':openFailed': open?.failed ?? 0,
      ':openKilled': open?.killed ?? 0,
      ':zero': 0,
      ':unfinished': open?.unfinished ?? 0,
      ':pending': 'PENDING',
      ':notSent': false,
      ...(reason ? { ':reason': reason } : {}),
    };
    // The open pages exactly as read: a fold landing in between would count a page twice.
    let samePages = '';
    if (open) {
      samePages = open.pages.length ? ' AND size(openPages) = :openCount' : ' AND attribute_not_exists(openPages)';
      if (open.pages.length) values[':openCount'] = open.pages.length;
      open.pages.forEach((page, i) => {
        values[`:p${i}`] = page;
        samePages += ` AND contains(openPages, :p${i})`;
      });
    }
    // The summary is moved from the row's own attributes in this very write (an attribute read on
    // the right of SET is its value before the write), so it costs no extra write and no counter
    // moving meanwhile is lost. The previous backfill's reason goes with it: the one kept always
    // belongs to this outcome. A CANCELLED one keeps its cancel (it has one: the condition says so).
    // The final notification's outbox is opened by the same write: a crash right after it cannot
    // lose the notification (see LastBackfillNotify).
    const cancelled = outcome === 'CANCELLED';
    const finished = await this.conditional({
      Key: backfillKey(ref, backfillId),
      UpdateExpression:
        `SET updatedDate = :u, lastBackfillId = :id, lastBackfillOutcome = :outcome, lastBackfillEndedDate = :u${reason ? ', lastBackfillReason = :reason' : ''}, ` +
        'lastBackfillDoc = backfillDoc, lastBackfillDispatched = dispatched, lastBackfillSkipped = skipped, ' +
        // Backfills started before `killed` was counted have no such attribute.
        'lastBackfillFailed = failed + :openFailed, lastBackfillKilled = if_not_exists(killed, :zero) + :openKilled, lastBackfillUnfinished = :unfinished, ' +
        'lastBackfillNotifyStatus = :pending, lastBackfillNotifyAttempts = :zero, lastBackfillEventSent = :notSent' +
        (cancelled ? ', lastBackfillCancel = cancelling ' : ' ') +
        'REMOVE lastBackfillNotifyError, lastBackfillNotifyNextMs, backfillId, backfillDoc, cursorMs, currentDate, paused, maxConcurrency, dispatched, skipped, ' +
        'openPages, ended, failed, killed, pausedReason, failureBaseline, rebaseFailures, cancelling, rateSamples, timeline, generation, executionName, taskToken' +
        (reason ? '' : ', lastBackfillReason') +
        (cancelled ? '' : ', lastBackfillCancel'),
      ConditionExpression: `backfillId = :id${cancelled ? ' AND attribute_exists(cancelling)' : ''}${samePages}`,
      ExpressionAttributeValues: values,
    });
    if (finished) await this.pruneEnded(ref);
    return finished;
  }

  async claimNotification(ref: TriggerRef, backfillId: string, nowMs: number, nextAttemptMs: number): Promise<LastBackfill | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: backfillKey(ref, backfillId),
          UpdateExpression: 'SET lastBackfillNotifyNextMs = :next ADD lastBackfillNotifyAttempts :one',
          ConditionExpression:
            'lastBackfillId = :id AND lastBackfillNotifyStatus = :pending AND (attribute_not_exists(lastBackfillNotifyNextMs) OR lastBackfillNotifyNextMs <= :now)',
          ExpressionAttributeValues: { ':id': backfillId, ':pending': 'PENDING', ':now': nowMs, ':next': nextAttemptMs, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toLastBackfill(out.Attributes as TriggerItem);
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async recordNotification(ref: TriggerRef, backfillId: string, result: NotificationAttempt): Promise<boolean> {
    const retry = result.status === 'PENDING' && result.nextAttemptMs !== undefined;
    const set = [
      'lastBackfillNotifyStatus = :status',
      'lastBackfillEventSent = :sent',
      ...(result.lastError ? ['lastBackfillNotifyError = :error'] : []),
      ...(retry ? ['lastBackfillNotifyNextMs = :next'] : []),
    ];
    // Delivered or given up: nothing is due any more.
    const remove = [...(result.lastError ? [] : ['lastBackfillNotifyError']), ...(result.status === 'PENDING' ? [] : ['lastBackfillNotifyNextMs'])];
    const recorded = await this.conditional({
      Key: backfillKey(ref, backfillId),
      UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: 'lastBackfillId = :id AND lastBackfillNotifyStatus = :pending',
      ExpressionAttributeValues: {
        ':id': backfillId,
        ':pending': 'PENDING',
        ':status': result.status,
        ':sent': result.eventSent,
        ...(result.lastError ? { ':error': result.lastError } : {}),
        ...(retry ? { ':next': result.nextAttemptMs } : {}),
      },
    });
    // Delivered or given up: unless it is the last one ended, its row may go.
    if (recorded && result.status !== 'PENDING') await this.pruneEnded(ref);
    return recorded;
  }

  async listPendingNotifications(): Promise<PendingNotification[]> {
    // Only backfills' own rows hold an outbox.
    const rows = await this.scan('lastBackfillNotifyStatus = :pending AND attribute_exists(#trigger)', { ':pending': 'PENDING' }, { '#trigger': 'trigger' });
    return rows.map((row) => ({
      ref: { namespace: row.namespace ?? '', flowId: row.flowId ?? '', triggerId: row.trigger ?? '' },
      lastBackfill: toLastBackfill(row),
    }));
  }

  async advanceBackfill(ref: TriggerRef, backfillId: string, expectedCursorMs: number, advance: AdvanceCursor): Promise<boolean> {
    const values: NativeItem = {
      ':id': backfillId,
      ':expected': expectedCursorMs,
      ':cursor': advance.cursorMs,
      ':current': advance.currentDate,
      ':delta': advance.dispatchedDelta,
      ':skippedDelta': advance.skippedDelta ?? 0,
    };
    if (advance.openedPage) values[':page'] = new Set([advance.openedPage]);
    if (advance.rateSamples) values[':samples'] = encodeSamples(advance.rateSamples);
    return this.conditional({
      Key: backfillKey(ref, backfillId),
      UpdateExpression:
        `SET cursorMs = :cursor, currentDate = :current${advance.rateSamples ? ', rateSamples = :samples' : ''} ` +
        `ADD dispatched :delta, skipped :skippedDelta${advance.openedPage ? ', openPages :page' : ''}`,
      // A cancel recorded freezes the cursor: whatever page dispatch was sending meanwhile is never opened (see cancelBackfill).
      ConditionExpression: 'backfillId = :id AND cursorMs = :expected AND attribute_not_exists(cancelling)',
      ExpressionAttributeValues: values,
    });
  }

  async foldPages(ref: TriggerRef, backfillId: string, folds: PageFold[], { rateSamples, timeline }: FoldExtras = {}): Promise<boolean> {
    if (!folds.length) return true;
    const values: NativeItem = {
      ':id': backfillId,
      ':pages': new Set(folds.map((f) => f.pageId)),
      ':ended': folds.reduce((sum, f) => sum + f.ended, 0),
      ':failed': folds.reduce((sum, f) => sum + f.failed, 0),
      ':killed': folds.reduce((sum, f) => sum + f.killed, 0),
    };
    if (rateSamples) values[':samples'] = encodeSamples(rateSamples);
    const stillOpen = folds.map((fold, i) => {
      values[`:p${i}`] = fold.pageId;
      return `contains(openPages, :p${i})`;
    });
    const cells = timeline && 'cells' in timeline ? timeline.cells.filter((c) => c.ended > 0) : [];
    // One clause per cell; equal deltas share a value, to keep the expression short (see MAX_CELLS_PER_FOLD).
    const deltas = new Map<number, string>();
    const set = cells.map(({ cell, ended, failed }) => {
      const delta = packCell({ ended, failed });
      const name = deltas.get(delta) ?? `:d${deltas.size}`;
      deltas.set(delta, name);
      values[name] = delta;
      return `timeline[${cell}] = timeline[${cell}] + ${name}`;
    });
    const drop = timeline !== undefined && 'drop' in timeline;
    const setClauses = [...(rateSamples ? ['rateSamples = :samples'] : []), ...set];
    return this.conditional({
      Key: backfillKey(ref, backfillId),
      UpdateExpression: `${setClauses.length ? `SET ${setClauses.join(', ')} ` : ''}ADD ended :ended, failed :failed, killed :killed DELETE openPages :pages${drop ? ' REMOVE timeline' : ''}`,
      // The cells exist only while the backfill keeps them (a drop may have removed them meanwhile).
      ConditionExpression: `backfillId = :id AND ${stillOpen.join(' AND ')}${set.length ? ' AND attribute_exists(timeline)' : ''}`,
      ExpressionAttributeValues: values,
    });
  }

  async storeTaskToken(ref: TriggerRef, backfillId: string, taskToken: string): Promise<BackfillState | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: backfillKey(ref, backfillId),
          UpdateExpression: 'SET taskToken = :token',
          ConditionExpression: 'backfillId = :id',
          ExpressionAttributeValues: { ':id': backfillId, ':token': taskToken },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toBackfill(out.Attributes as TriggerItem) : undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async setBackfillExecution(ref: TriggerRef, backfillId: string, generation: number, executionName: string): Promise<boolean> {
    return this.conditional({
      Key: backfillKey(ref, backfillId),
      UpdateExpression: 'SET generation = :gen, executionName = :name',
      ConditionExpression: 'backfillId = :id AND generation < :gen',
      ExpressionAttributeValues: { ':id': backfillId, ':gen': generation, ':name': executionName },
    });
  }

  private conditional(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    return whenConditionHolds(() => this.client.send(new UpdateCommand({ TableName: this.table, ...input })));
  }
}

/** The trigger's main row. */
function key(ref: TriggerRef): Pick<TriggerItem, 'flowKey' | 'triggerId'> {
  return { flowKey: flowKey(ref.namespace, ref.flowId), triggerId: ref.triggerId };
}

/** A backfill's own row: Kestra's ids cannot contain `|`, so no trigger's main row has such a key. */
function backfillKey(ref: TriggerRef, backfillId: string): Pick<TriggerItem, 'flowKey' | 'triggerId'> {
  return { flowKey: flowKey(ref.namespace, ref.flowId), triggerId: `${ref.triggerId}|${backfillId}` };
}

function keyOf(row: TriggerItem): Pick<TriggerItem, 'flowKey' | 'triggerId'> {
  return { flowKey: row.flowKey, triggerId: row.triggerId };
}

/** The id of the backfill a row of its own holds: active or ended, it is the key's part after `|`. */
function backfillIdOf(row: TriggerItem): string {
  return row.triggerId.slice((row.trigger ?? '').length + 1);
}

/** A new backfill's own row (see `startBackfill`): its moving parts, and its fixed parts as one document. */
function backfillItem(ref: TriggerRef, backfill: BackfillState, updatedDate: string): TriggerItem {
  const fixed = {
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
  const timeline = backfill.timeline && backfill.totalTicks < FAILED_UNIT ? backfill.timeline.map(packCell) : undefined;
  return {
    ...backfillKey(ref, backfill.id),
    namespace: ref.namespace,
    flowId: ref.flowId,
    trigger: ref.triggerId,
    backfillId: backfill.id,
    backfillDoc: JSON.stringify(fixed),
    cursorMs: backfill.cursorMs,
    currentDate: backfill.currentDate,
    paused: backfill.paused,
    dispatched: backfill.dispatched,
    skipped: backfill.skipped,
    ended: 0,
    failed: 0,
    killed: 0,
    generation: backfill.generation,
    executionName: backfill.executionName,
    updatedDate,
    rateSamples: encodeSamples(backfill.rateSamples),
    ...(backfill.maxConcurrency === undefined ? {} : { maxConcurrency: backfill.maxConcurrency }),
    ...(timeline ? { timeline } : {}),
  };
}

/**
 * Trigger states from rows of the table: each main row with the rows of its backfills, in the order
 * the main rows come (a Query's: by trigger id). A backfill's row without its main row (a delete or a
 * creation cut short) belongs to no trigger and is left out.
 */
function toStates(rows: TriggerItem[]): TriggerState[] {
  const groups = new Map<string, { main?: TriggerItem; own: TriggerItem[] }>();
  for (const row of rows) {
    const id = `${row.flowKey}\n${row.trigger ?? row.triggerId}`;
    const group = groups.get(id) ?? { own: [] };
    groups.set(id, group);
    if (row.trigger === undefined) group.main = row;
    else group.own.push(row);
  }
  return [...groups.values()].flatMap(({ main, own }) => (main ? [toState(main, own)] : []));
}

/**
 * A trigger's state from its main row and its backfills' rows: the active backfills earliest window
 * first, the most recently ended one as `lastBackfill`, and the latest `updatedDate` of them all
 * (each write to a backfill sets its own row's).
 */
function toState(main: TriggerItem, own: TriggerItem[]): TriggerState {
  const backfills = own
    .filter((row) => row.backfillId !== undefined)
    .map(toBackfill)
    .sort(byWindow);
  const ended = own
    .filter((row) => row.backfillId === undefined && row.lastBackfillId !== undefined)
    .map(toLastBackfill)
    .sort(byEnding);
  // The latest of its rows' (ISO dates sort as strings).
  const updatedDate = [main.updatedDate ?? '', ...own.map((row) => row.updatedDate ?? '')].sort().at(-1) ?? '';
  const state: TriggerState = {
    namespace: main.namespace ?? '',
    flowId: main.flowId ?? '',
    triggerId: main.triggerId ?? '',
    nextExecutionDate: main.nextExecutionDate ?? null,
    disabled: main.disabled ?? false,
    updatedDate,
    backfills,
  };
  if (main.date) state.date = main.date;
  if (backfills[0]) state.backfill = backfills[0];
  if (ended[0]) state.lastBackfill = ended[0];
  return state;
}

/** An ended backfill's summary and outbox, from its own row (see `finishBackfill`). */
function toLastBackfill(item: TriggerItem): LastBackfill {
  return {
    id: item.lastBackfillId ?? '',
    outcome: item.lastBackfillOutcome ?? 'COMPLETED',
    endedDate: item.lastBackfillEndedDate ?? item.updatedDate ?? '',
    ...(item.lastBackfillReason ? { reason: item.lastBackfillReason } : {}),
    ...cancelledReason(item.lastBackfillCancel),
    ...lastBackfillSummary(item),
    ...lastBackfillNotify(item),
  };
}

/** An active backfill, from its own row. */
function toBackfill(item: TriggerItem): BackfillState {
  const fixed = JSON.parse(item.backfillDoc ?? '{}');
  return {
    id: item.backfillId ?? '',
    start: fixed.start,
    end: fixed.end,
    inputs: fixed.inputs ?? null,
    labels: fixed.labels ?? [],
    previousNextExecutionDate: fixed.previousNextExecutionDate ?? null,
    totalTicks: fixed.totalTicks ?? 0,
    createdDate: fixed.createdDate,
    cursorMs: item.cursorMs ?? 0,
    currentDate: item.currentDate ?? fixed.start,
    paused: item.paused ?? false,
    dispatched: item.dispatched ?? 0,
    // Backfills stored before reprocess existed replay every tick.
    reprocess: fixed.reprocess ?? 'ALL',
    // Backfills stored before order existed run oldest first.
    order: fixed.order ?? 'OLDEST_FIRST',
    ...(item.maxConcurrency !== undefined ? { maxConcurrency: item.maxConcurrency } : {}),
    // Backfills stored before pins ran the latest revision: no `flowRevision`.
    ...(fixed.flowRevision !== undefined ? { flowRevision: fixed.flowRevision } : {}),
    ...(fixed.notify ? { notify: fixed.notify } : {}),
    skipped: item.skipped ?? 0,
    openPages: [...(item.openPages ?? [])].sort(),
    ended: item.ended ?? 0,
    failed: item.failed ?? 0,
    rateSamples: decodeSamples(item.rateSamples),
    killed: item.killed ?? 0,
    ...(fixed.failurePolicy ? { failurePolicy: fixed.failurePolicy } : {}),
    ...(item.pausedReason ? { pausedReason: JSON.parse(item.pausedReason) } : {}),
    ...(item.failureBaseline !== undefined ? { failureBaseline: item.failureBaseline } : {}),
    ...(item.rebaseFailures ? { rebaseFailures: true } : {}),
    ...(item.cancelling ? { cancelling: JSON.parse(item.cancelling) } : {}),
    ...(item.timeline ? { timeline: item.timeline.map(unpackCell) } : {}),
    generation: item.generation ?? 0,
    executionName: item.executionName ?? '',
  };
}

/** Rate samples as stored: `[epoch seconds, ended, …]` (a sample's time is a whole second). */
function encodeSamples(samples: RateSample[]): number[] {
  return samples.flatMap((sample) => [Math.floor(sample.atMs / 1000), sample.ended]);
}

function decodeSamples(stored: number[] | undefined): RateSample[] {
  const samples: RateSample[] = [];
  for (let i = 0; i + 1 < (stored?.length ?? 0); i += 2) samples.push({ atMs: Number(stored?.[i]) * 1000, ended: Number(stored?.[i + 1]) });
  return samples;
}

/**
 * A timeline cell's counts as one number of the row's `timeline` list, `ended + failed × FAILED_UNIT`
 * (3000017: 17 ended, 3 of them failed): a fold adds to a cell with one clause (`timeline[i] =
 * timeline[i] + :delta`) instead of two, and the list costs half the bytes (about 600 for 200 empty
 * cells). Exact while a cell holds fewer than FAILED_UNIT ticks, so a backfill of that many ticks or
 * more (only with BACKFILL_MAX_TICKS raised that far) keeps no per-cell counts; and well within the
 * integers a JavaScript number holds exactly (2^53).
 */
const FAILED_UNIT = 10_000_000;

function packCell(cell: FoldedCell): number {
  return cell.ended + cell.failed * FAILED_UNIT;
}

function unpackCell(packed: number): FoldedCell {
  return { ended: packed % FAILED_UNIT, failed: Math.floor(packed / FAILED_UNIT) };
}

/** The last backfill's summary: only its bounded parts (its inputs stay in the stored document, unshown). */
function lastBackfillSummary(item: TriggerItem): Partial<LastBackfill> {
  if (!item.lastBackfillDoc) return {};
  const fixed = JSON.parse(item.lastBackfillDoc);
  return {
    start: fixed.start,
    end: fixed.end,
    createdDate: fixed.createdDate,
    labels: fixed.labels ?? [],
    reprocess: fixed.reprocess ?? 'ALL',
    ...(fixed.flowRevision === undefined ? { latestRevision: true } : { flowRevision: fixed.flowRevision, latestRevision: false }),
    order: fixed.order ?? 'OLDEST_FIRST',
    counts: lastBackfillCounts(
      {
        totalTicks: fixed.totalTicks ?? 0,
        dispatched: item.lastBackfillDispatched ?? 0,
        skipped: item.lastBackfillSkipped ?? 0,
        failed: item.lastBackfillFailed ?? 0,
        killed: item.lastBackfillKilled ?? 0,
      },
      { failed: 0, killed: 0, unfinished: item.lastBackfillUnfinished ?? 0 },
    ),
  };
}

/** A cancelled backfill's reason, when its failure policy cancelled it (`lastBackfillCancel`). */
function cancelledReason(cancel: string | undefined): Pick<LastBackfill, 'cancelledReason'> {
  const reason = cancel ? (JSON.parse(cancel) as BackfillCancel).reason : undefined;
  return reason ? { cancelledReason: reason } : {};
}

/** The last backfill's final notification, when its ending opened one (backfills ended before notifications existed have none). */
function lastBackfillNotify(item: TriggerItem): { notify?: LastBackfillNotify } {
  if (!item.lastBackfillNotifyStatus) return {};
  const webhook: string | undefined = item.lastBackfillDoc ? JSON.parse(item.lastBackfillDoc).notify?.webhook : undefined;
  return {
    notify: {
      ...(webhook ? { webhook } : {}),
      status: item.lastBackfillNotifyStatus,
      attempts: item.lastBackfillNotifyAttempts ?? 0,
      ...(item.lastBackfillNotifyError ? { lastError: item.lastBackfillNotifyError } : {}),
      ...(item.lastBackfillNotifyNextMs !== undefined ? { nextAttemptMs: item.lastBackfillNotifyNextMs } : {}),
      eventSent: item.lastBackfillEventSent ?? false,
    },
  };
}
