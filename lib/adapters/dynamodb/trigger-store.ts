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
  type BackfillCancel,
  type BackfillOutcome,
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
import type { AdvanceCursor, FoldExtras, NotificationAttempt, OpenPagesAtEnd, PageFold, PauseOptions, TriggerStore } from '../../ports';
import { type NativeItem, eachPage, isConditionFailed, whenConditionHolds } from './client';
import { flowKey } from './tables';

/** A trigger row as stored: every attribute but the key is absent until some write sets it. */
interface TriggerItem {
  flowKey: string;
  triggerId: string;
  namespace?: string;
  flowId?: string;
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
 * Trigger rows. The backfill's moving parts (id, cursor, counters, pause flag, generation) are
 * top-level attributes so every change is one conditional UpdateItem; its fixed parts (window,
 * labels, inputs) are one JSON attribute written once.
 */
export class DynamoTriggerStore implements TriggerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(ref: TriggerRef): Promise<TriggerState | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: key(ref), ConsistentRead: true }));
    return out.Item ? toState(out.Item as TriggerItem) : undefined;
  }

  async listByFlow(namespace: string, flowId: string): Promise<TriggerState[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'flowKey = :fk',
        ExpressionAttributeValues: { ':fk': flowKey(namespace, flowId) },
        ConsistentRead: true,
      }),
    );
    return ((out.Items ?? []) as TriggerItem[]).map(toState);
  }

  async list(): Promise<TriggerState[]> {
    return this.scan();
  }

  async listWithBackfill(): Promise<TriggerState[]> {
    return this.scan('attribute_exists(backfillId)');
  }

  private async scan(filter?: string, values?: NativeItem): Promise<TriggerState[]> {
    const states: TriggerState[] = [];
    await eachPage<NativeItem>(
      (startKey) =>
        this.client.send(new ScanCommand({ TableName: this.table, FilterExpression: filter, ExpressionAttributeValues: values, ExclusiveStartKey: startKey })),
      (page) => void states.push(...((page.Items ?? []) as TriggerItem[]).map(toState)),
    );
    return states;
  }

  async setBackfillPaused(
    ref: TriggerRef,
    paused: boolean,
    updatedDate: string,
    options: PauseOptions = {},
  ): Promise<{ state: TriggerState; taskToken?: string } | undefined> {
    const set = ['paused = :p', 'updatedDate = :u'];
    const values: NativeItem = { ':p': paused, ':u': updatedDate };
    const changes: Partial<TriggerItem> = { paused, updatedDate };
    if (paused && options.reason) {
      set.push('pausedReason = :reason');
      values[':reason'] = changes.pausedReason = JSON.stringify(options.reason);
    }
    if (!paused && options.rebaseFailures) {
      set.push('rebaseFailures = :rebase');
      values[':rebase'] = changes.rebaseFailures = true;
    }
    if (options.backfillId) values[':id'] = options.backfillId;
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(ref),
          // Unpausing removes the token in the same write that returns it: two concurrent resumes get it once;
          // it also drops the rate samples, so the time it stood paused counts in no rate.
          UpdateExpression: `SET ${set.join(', ')}${paused ? '' : ' REMOVE taskToken, pausedReason, rateSamples'}`,
          ConditionExpression: options.backfillId ? 'backfillId = :id' : 'attribute_exists(backfillId)',
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
      return { state: toState(after), taskToken: paused ? undefined : old.taskToken };
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async setFailureBaseline(ref: TriggerRef, backfillId: string, baseline: number): Promise<boolean> {
    return this.conditional({
      Key: key(ref),
      UpdateExpression: 'SET failureBaseline = :b REMOVE rebaseFailures',
      ConditionExpression: 'backfillId = :id',
      ExpressionAttributeValues: { ':id': backfillId, ':b': baseline },
    });
  }

  async markBackfillCancelling(
    ref: TriggerRef,
    backfillId: string,
    cancel: BackfillCancel,
    updatedDate: string,
  ): Promise<{ state: TriggerState; taskToken?: string } | undefined> {
    const cancelling = JSON.stringify(cancel);
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(ref),
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
      return { state: toState(after), taskToken: old.taskToken };
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async setBackfillMaxConcurrency(ref: TriggerRef, maxConcurrency: number, updatedDate: string): Promise<TriggerState | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(ref),
          UpdateExpression: 'SET maxConcurrency = :m, updatedDate = :u',
          ConditionExpression: 'attribute_exists(backfillId)',
          ExpressionAttributeValues: { ':m': maxConcurrency, ':u': updatedDate },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toState(out.Attributes as TriggerItem);
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
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: key(ref) }));
  }

  async reset(fresh: TriggerState): Promise<boolean> {
    const item: TriggerItem = { ...key(fresh), namespace: fresh.namespace, flowId: fresh.flowId, disabled: fresh.disabled, updatedDate: fresh.updatedDate };
    if (fresh.nextExecutionDate) item.nextExecutionDate = fresh.nextExecutionDate;
    // A put replaces the whole row, so nothing of the old state (last run, last backfill) survives.
    return whenConditionHolds(() =>
      this.client.send(
        new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_exists(triggerId) AND attribute_not_exists(backfillId)' }),
      ),
    );
  }

  async startBackfill(ref: TriggerRef, backfill: BackfillState, updatedDate: string): Promise<void> {
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
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(ref),
          UpdateExpression:
            'SET backfillId = :id, backfillDoc = :doc, cursorMs = :cursor, currentDate = :current, paused = :paused, ' +
            'dispatched = :dispatched, skipped = :skipped, ended = :zero, failed = :zero, killed = :zero, generation = :gen, executionName = :name, updatedDate = :u, ' +
            'rateSamples = :samples' +
            (backfill.maxConcurrency === undefined ? '' : ', maxConcurrency = :mc') +
            (timeline ? ', timeline = :timeline' : '') +
            ` REMOVE openPages, pausedReason, failureBaseline, rebaseFailures, cancelling${backfill.maxConcurrency === undefined ? ', maxConcurrency' : ''}${timeline ? '' : ', timeline'}`,
          ConditionExpression: 'attribute_exists(triggerId) AND attribute_not_exists(backfillId)',
          ExpressionAttributeValues: {
            ':id': backfill.id,
            ':doc': JSON.stringify(fixed),
            ':cursor': backfill.cursorMs,
            ':current': backfill.currentDate,
            ':paused': backfill.paused,
            ':dispatched': backfill.dispatched,
            ':skipped': backfill.skipped,
            ':zero': 0,
            ':gen': backfill.generation,
            ':name': backfill.executionName,
            ':u': updatedDate,
            ':samples': encodeSamples(backfill.rateSamples),
            ...(backfill.maxConcurrency === undefined ? {} : { ':mc': backfill.maxConcurrency }),
            ...(timeline ? { ':timeline': timeline } : {}),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const current = await this.get(ref);
      // The update landed and its answer was lost; the SDK's retry then found this very backfill.
      if (current?.backfill?.id === backfill.id) return;
      if (!current) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
      throw new BackfillAlreadyActiveError(
        `A backfill is already active on trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} ` +
          `(started ${current.backfill?.createdDate}); pause, wait for, or delete it before starting another`,
      );
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
    return this.conditional({
      Key: key(ref),
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
  }

  async claimNotification(ref: TriggerRef, backfillId: string, nowMs: number, nextAttemptMs: number): Promise<TriggerState | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(ref),
          UpdateExpression: 'SET lastBackfillNotifyNextMs = :next ADD lastBackfillNotifyAttempts :one',
          ConditionExpression:
            'lastBackfillId = :id AND lastBackfillNotifyStatus = :pending AND (attribute_not_exists(lastBackfillNotifyNextMs) OR lastBackfillNotifyNextMs <= :now)',
          ExpressionAttributeValues: { ':id': backfillId, ':pending': 'PENDING', ':now': nowMs, ':next': nextAttemptMs, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toState(out.Attributes as TriggerItem);
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
    return this.conditional({
      Key: key(ref),
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
  }

  async listPendingNotifications(): Promise<TriggerState[]> {
    return this.scan('lastBackfillNotifyStatus = :pending', { ':pending': 'PENDING' });
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
      Key: key(ref),
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
      Key: key(ref),
      UpdateExpression: `${setClauses.length ? `SET ${setClauses.join(', ')} ` : ''}ADD ended :ended, failed :failed, killed :killed DELETE openPages :pages${drop ? ' REMOVE timeline' : ''}`,
      // The cells exist only while the backfill keeps them (a drop may have removed them meanwhile).
      ConditionExpression: `backfillId = :id AND ${stillOpen.join(' AND ')}${set.length ? ' AND attribute_exists(timeline)' : ''}`,
      ExpressionAttributeValues: values,
    });
  }

  async storeTaskToken(ref: TriggerRef, backfillId: string, taskToken: string): Promise<TriggerState | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(ref),
          UpdateExpression: 'SET taskToken = :token',
          ConditionExpression: 'backfillId = :id',
          ExpressionAttributeValues: { ':id': backfillId, ':token': taskToken },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toState(out.Attributes as TriggerItem) : undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async setBackfillExecution(ref: TriggerRef, backfillId: string, generation: number, executionName: string): Promise<boolean> {
    return this.conditional({
      Key: key(ref),
      UpdateExpression: 'SET generation = :gen, executionName = :name',
      ConditionExpression: 'backfillId = :id AND generation < :gen',
      ExpressionAttributeValues: { ':id': backfillId, ':gen': generation, ':name': executionName },
    });
  }

  private conditional(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    return whenConditionHolds(() => this.client.send(new UpdateCommand({ TableName: this.table, ...input })));
  }
}

function key(ref: TriggerRef): Pick<TriggerItem, 'flowKey' | 'triggerId'> {
  return { flowKey: flowKey(ref.namespace, ref.flowId), triggerId: ref.triggerId };
}

function toState(item: TriggerItem): TriggerState {
  const state: TriggerState = {
    namespace: item.namespace ?? '',
    flowId: item.flowId ?? '',
    triggerId: item.triggerId ?? '',
    nextExecutionDate: item.nextExecutionDate ?? null,
    disabled: item.disabled ?? false,
    updatedDate: item.updatedDate ?? '',
  };
  if (item.date) state.date = item.date;
  if (item.lastBackfillId) {
    state.lastBackfill = {
      id: item.lastBackfillId,
      outcome: item.lastBackfillOutcome ?? 'COMPLETED',
      endedDate: item.lastBackfillEndedDate ?? item.updatedDate ?? '',
      ...(item.lastBackfillReason ? { reason: item.lastBackfillReason } : {}),
      ...cancelledReason(item.lastBackfillCancel),
      ...lastBackfillSummary(item),
      ...lastBackfillNotify(item),
    };
  }
  if (item.backfillId) {
    const fixed = JSON.parse(item.backfillDoc ?? '{}');
    state.backfill = {
      id: item.backfillId,
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
  return state;
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
