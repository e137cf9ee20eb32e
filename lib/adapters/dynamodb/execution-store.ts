import {
  type AttributeValue,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { type Execution, type ExecutionOrigin, type StateType, TERMINAL_STATES, transition } from '../../domain/execution';
import type { TriggerRef } from '../../domain/trigger-state';
import type { ClaimResult, ExecutionQuery, ExecutionStore, StoredExecution } from '../../ports';
import { type Item, batchGet, batchWrite, eachPage, isConditionFailed, n, num, s, str, whenConditionHolds } from './client';
import {
  EXECUTIONS_BY_FLOW,
  EXECUTIONS_BY_NAMESPACE,
  EXECUTIONS_BY_TICK,
  EXECUTIONS_FAILED,
  EXECUTIONS_UNFINISHED,
  flowKey,
  tickOwnerKey,
} from './tables';

/** Owner recorded on unfinished executions that no backfill created (live schedule, API). */
const NO_BACKFILL_OWNER = '-';

/** Ticks as fixed-width strings, so sort keys order by tick and a cursor bounds them. */
const tickKey = (tickMs: number | undefined) => String(tickMs ?? 0).padStart(15, '0');
const pendingSort = (state: string, origin: ExecutionOrigin, id: string) => `${state}#${tickKey(origin.tickMs)}#${id}`;

/**
 * Executions: Kestra's document as JSON plus the attributes conditions and indexes need
 * (`state`, the lease, `pendingOwner` while unfinished).
 */
export class DynamoExecutionStore implements ExecutionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(id: string): Promise<StoredExecution | undefined> {
    const item = await this.getItem(id);
    return item ? toStored(item) : undefined;
  }

  async statesOf(ids: string[]): Promise<Map<string, StateType>> {
    const items = await batchGet(
      this.client,
      this.table,
      ids.map((id) => ({ id: s(id) })),
      { expression: '#id, #state', names: { '#id': 'id', '#state': 'state' } },
    );
    return new Map(items.map((item) => [str(item, 'id') ?? '', str(item, 'state') as StateType]));
  }

  async createMany(executions: StoredExecution[]): Promise<void> {
    await batchWrite(
      this.client,
      this.table,
      executions.map((stored) => ({ PutRequest: { Item: toItem(stored) } })),
    );
  }

  async createIfAbsent(stored: StoredExecution): Promise<boolean> {
    return whenConditionHolds(() =>
      this.client.send(new PutItemCommand({ TableName: this.table, Item: toItem(stored), ConditionExpression: 'attribute_not_exists(id)' })),
    );
  }

  async claim(id: string, leaseToken: string, leaseUntilMs: number, now: Date): Promise<ClaimResult> {
    return (await this.claimMany([{ id, leaseToken }], leaseUntilMs, now))[0];
  }

  /** One strongly consistent batched read for the whole batch, then one conditional write per claim. */
  async claimMany(claims: { id: string; leaseToken: string }[], leaseUntilMs: number, now: Date): Promise<ClaimResult[]> {
    // BatchGetItem refuses duplicate keys; a batch can hold the same execution twice (SQS redelivers).
    const ids = [...new Set(claims.map((c) => c.id))];
    const items = await batchGet(this.client, this.table, ids.map((id) => ({ id: s(id) })), undefined, true);
    const byId = new Map(items.map((item) => [str(item, 'id'), item]));
    return Promise.all(claims.map((c) => this.claimItem(c.id, byId.get(c.id), c.leaseToken, leaseUntilMs, now)));
  }

  /** `item` as read just before: the write's condition, not the read, decides who gets the execution. */
  private async claimItem(id: string, item: Item | undefined, leaseToken: string, leaseUntilMs: number, now: Date): Promise<ClaimResult> {
    if (!item) return { outcome: 'MISSING' };
    const stored = toStored(item);
    const state = stored.execution.state.current;
    if (TERMINAL_STATES.has(state)) return { outcome: 'FINISHED' };
    const currentLeaseUntil = num(item, 'leaseUntil') ?? 0;
    if (state === 'RUNNING' && currentLeaseUntil > now.getTime()) return { outcome: 'BUSY', leaseUntilMs: currentLeaseUntil };

    // A RUNNING execution with an expired lease lost its worker: it runs again from the start,
    // under the same id, so the tick still has exactly one execution.
    const claimed: StoredExecution = {
      ...stored,
      execution: { ...stored.execution, state: transition(stored.execution.state, 'RUNNING', now), taskRunList: [] },
    };
    const values: Item = {
      ':old': s(state),
      ':running': s('RUNNING'),
      ':token': s(leaseToken),
      ':until': n(leaseUntilMs),
      ':doc': s(JSON.stringify(claimed.execution)),
      ':sort': s(pendingSort('RUNNING', stored.origin, id)),
    };
    const previousToken = str(item, 'leaseToken');
    let condition = '#state = :old AND attribute_not_exists(leaseToken)';
    if (previousToken) {
      condition = '#state = :old AND leaseToken = :previous';
      values[':previous'] = s(previousToken);
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { id: s(id) },
          UpdateExpression: 'SET #state = :running, pendingSort = :sort, leaseToken = :token, leaseUntil = :until, doc = :doc',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        }),
      );
      return { outcome: 'CLAIMED', stored: claimed };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // Someone else moved it first: report what it is now.
      const now2 = await this.getItem(id);
      if (!now2) return { outcome: 'MISSING' };
      if (TERMINAL_STATES.has(str(now2, 'state') as StateType)) return { outcome: 'FINISHED' };
      return { outcome: 'BUSY', leaseUntilMs: num(now2, 'leaseUntil') ?? 0 };
    }
  }

  async save(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    return this.writeUnderLease(stored, leaseToken, 'SET doc = :doc');
  }

  async finish(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    const failed = stored.execution.state.current === 'FAILED' && stored.origin.backfillId;
    return this.writeUnderLease(
      stored,
      leaseToken,
      `SET doc = :doc, #state = :state${failed ? ', failedOwner = backfillId, failedSort = :failedSort' : ''} REMOVE pendingOwner, pendingSort, leaseToken, leaseUntil`,
      failed ? { ':failedSort': s(`${tickKey(stored.origin.tickMs)}#${stored.execution.id}`) } : {},
    );
  }

  async releaseLease(id: string, leaseToken: string): Promise<void> {
    await this.endLease(id, leaseToken);
  }

  /** Sets the lease's end to the epoch if `leaseToken` still holds it, so a redelivery takes over at once. */
  private endLease(id: string, leaseToken: string): Promise<boolean> {
    return whenConditionHolds(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { id: s(id) },
          UpdateExpression: 'SET leaseUntil = :zero',
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ':zero': n(0), ':token': s(leaseToken) },
        }),
      ),
    );
  }

  async countUnfinished(backfillId: string, limit: number): Promise<number> {
    return this.countIndex(EXECUTIONS_UNFINISHED, 'pendingOwner', backfillId, limit);
  }

  async progressOf(backfillId: string, belowTickMs: number): Promise<{ queued: number; running: number; failed: number }> {
    const below = tickKey(belowTickMs - 1);
    const all = Number.MAX_SAFE_INTEGER;
    // Sequential on purpose: an execution moving on between two counts is then never counted twice.
    const failed = await this.countIndex(EXECUTIONS_FAILED, 'failedOwner', backfillId, all, { name: 'failedSort', from: '0', to: `${below}#~` });
    const running = await this.countIndex(EXECUTIONS_UNFINISHED, 'pendingOwner', backfillId, all, { name: 'pendingSort', from: 'RUNNING#', to: `RUNNING#${below}#~` });
    const queued = await this.countIndex(EXECUTIONS_UNFINISHED, 'pendingOwner', backfillId, all, { name: 'pendingSort', from: 'CREATED#', to: `CREATED#${below}#~` });
    return { queued, running, failed };
  }

  /** Counts the keys of one partition of a sparse index (optionally a sort-key range), up to `limit`. */
  private async countIndex(
    index: string,
    partitionKey: string,
    value: string,
    limit: number,
    range?: { name: string; from: string; to: string },
  ): Promise<number> {
    let count = 0;
    await eachPage(
      (startKey) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: index,
            KeyConditionExpression: range ? '#pk = :pk AND #sk BETWEEN :from AND :to' : '#pk = :pk',
            ExpressionAttributeNames: { '#pk': partitionKey, ...(range ? { '#sk': range.name } : {}) },
            ExpressionAttributeValues: { ':pk': s(value), ...(range ? { ':from': s(range.from), ':to': s(range.to) } : {}) },
            Select: 'COUNT',
            Limit: Math.min(limit - count, 10_000),
            ExclusiveStartKey: startKey,
          }),
        ),
      (page) => {
        count += page.Count ?? 0;
        return count < limit;
      },
    );
    return count;
  }

  async statesByTick(trigger: TriggerRef, fromMs: number, toMs: number): Promise<Map<number, { id: string; state: StateType }[]>> {
    const byTick = new Map<number, { id: string; state: StateType }[]>();
    await eachPage(
      (startKey) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: EXECUTIONS_BY_TICK,
            KeyConditionExpression: 'tickOwner = :owner AND tickMs BETWEEN :from AND :to',
            ProjectionExpression: '#id, tickMs, #state',
            ExpressionAttributeNames: { '#id': 'id', '#state': 'state' },
            ExpressionAttributeValues: { ':owner': s(tickOwnerKey(trigger.namespace, trigger.flowId, trigger.triggerId)), ':from': n(fromMs), ':to': n(toMs) },
            ExclusiveStartKey: startKey,
          }),
        ),
      (page) => {
        for (const item of page.Items ?? []) {
          const tick = num(item, 'tickMs') ?? 0;
          byTick.set(tick, [...(byTick.get(tick) ?? []), { id: str(item, 'id') ?? '', state: str(item, 'state') as StateType }]);
        }
      },
    );
    return byTick;
  }

  /**
   * Newest first. Walks the compact search index (keys, state, labels; no documents), filtering
   * there, counting every match and keeping the ids of the one page asked for; then reads that page's
   * documents by id. A page costs the same whatever the page number, and never parses a document it
   * does not return.
   */
  async search(query: ExecutionQuery): Promise<{ results: Execution[]; total: number }> {
    const names: Record<string, string> = { '#id': 'id' };
    const values: Item = {};
    const filters: string[] = [];
    if (query.states?.length) {
      names['#state'] = 'state';
      query.states.forEach((state, i) => {
        values[`:s${i}`] = s(state);
      });
      filters.push(`#state IN (${query.states.map((_, i) => `:s${i}`).join(', ')})`);
    }
    query.labels?.forEach((label, i) => {
      values[`:l${i}`] = s(labelKey(label));
      filters.push(`contains(labelKeys, :l${i})`);
    });
    const from = (query.page - 1) * query.size;
    const pageIds: string[] = [];
    let total = 0;

    if (query.namespace) {
      const byFlow = query.flowId !== undefined;
      if (byFlow) {
        values[':pk'] = s(flowKey(query.namespace, query.flowId!));
      } else {
        values[':pk'] = s(query.namespace);
        names['#ns'] = 'namespace';
      }
      await eachPage(
        (startKey) => {
          // Once the page is full only the count is left to take: COUNT reads the rest without returning it.
          const counting = pageIds.length >= query.size;
          return this.client.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: byFlow ? EXECUTIONS_BY_FLOW : EXECUTIONS_BY_NAMESPACE,
              KeyConditionExpression: byFlow ? 'flowKey = :pk' : '#ns = :pk',
              ScanIndexForward: false,
              FilterExpression: filters.length ? filters.join(' AND ') : undefined,
              ...(counting ? { Select: 'COUNT' as const } : { ProjectionExpression: '#id' }),
              ExpressionAttributeNames: counting ? withoutUnused(names, '#id') : names,
              ExpressionAttributeValues: values,
              ExclusiveStartKey: startKey,
            }),
          );
        },
        (page) => {
          if (!page.Items) {
            total += page.Count ?? 0; // a COUNT page
            return;
          }
          for (const item of page.Items) {
            if (total >= from && pageIds.length < query.size) pageIds.push(str(item, 'id') ?? '');
            total++;
          }
        },
      );
    } else {
      // No namespace: every partition of the namespace index, sorted here (a rare, admin-wide search).
      if (query.flowId !== undefined) {
        values[':flowId'] = s(query.flowId);
        filters.push('flowId = :flowId');
      }
      const matches: { sortKey: string; id: string }[] = [];
      await eachPage(
        (startKey) =>
          this.client.send(
            new ScanCommand({
              TableName: this.table,
              IndexName: EXECUTIONS_BY_NAMESPACE,
              ProjectionExpression: '#id, sortKey',
              FilterExpression: filters.length ? filters.join(' AND ') : undefined,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
              ExclusiveStartKey: startKey,
            }),
          ),
        (page) => {
          for (const item of page.Items ?? []) matches.push({ sortKey: str(item, 'sortKey') ?? '', id: str(item, 'id') ?? '' });
        },
      );
      matches.sort((a, b) => b.sortKey.localeCompare(a.sortKey));
      total = matches.length;
      pageIds.push(...matches.slice(from, from + query.size).map((m) => m.id));
    }

    // An execution re-created after a crash can leave a stale index entry beside its new one (dynalite
    // writes index entries and item apart): read each id once, as BatchGetItem refuses duplicate keys.
    const uniqueIds = [...new Set(pageIds)];
    const documents = await batchGet(this.client, this.table, uniqueIds.map((id) => ({ id: s(id) })), {
      expression: '#id, doc',
      names: { '#id': 'id' },
    });
    const byId = new Map(documents.map((item) => [str(item, 'id'), JSON.parse(str(item, 'doc') ?? '{}') as Execution]));
    // An index entry can outlive its item for a moment (indexes are eventually consistent): skip it.
    const results = uniqueIds.map((id) => byId.get(id)).filter((x): x is Execution => x !== undefined);
    return { results, total };
  }

  private async getItem(id: string): Promise<Item | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { id: s(id) }, ConsistentRead: true }));
    return out.Item;
  }

  private writeUnderLease(stored: StoredExecution, leaseToken: string, expression: string, extraValues: Item = {}): Promise<boolean> {
    return whenConditionHolds(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { id: s(stored.execution.id) },
          UpdateExpression: expression,
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeNames: expression.includes('#state') ? { '#state': 'state' } : undefined,
          ExpressionAttributeValues: {
            ':token': s(leaseToken),
            ':doc': s(JSON.stringify(stored.execution)),
            ...(expression.includes(':state') ? { ':state': s(stored.execution.state.current) } : {}),
            ...extraValues,
          },
        }),
      ),
    );
  }

}

function toItem(stored: StoredExecution): Item {
  const { execution, origin } = stored;
  const item: Item = {
    id: s(execution.id),
    namespace: s(execution.namespace),
    flowId: s(execution.flowId),
    flowKey: s(flowKey(execution.namespace, execution.flowId)),
    sortKey: s(`${execution.state.startDate}#${execution.id}`),
    state: s(execution.state.current),
    doc: s(JSON.stringify(execution)),
  };
  const labelKeys = searchLabelKeys(execution.labels);
  if (labelKeys) item.labelKeys = labelKeys;
  if (!TERMINAL_STATES.has(execution.state.current)) {
    item.pendingOwner = s(origin.backfillId ?? origin.liveOwner ?? NO_BACKFILL_OWNER);
    item.pendingSort = s(pendingSort(execution.state.current, origin, execution.id));
  }
  if (origin.backfillId) item.backfillId = s(origin.backfillId);
  if (origin.liveOwner) item.liveOwner = s(origin.liveOwner);
  if (origin.backfillId && execution.state.current === 'FAILED') {
    item.failedOwner = s(origin.backfillId);
    item.failedSort = s(`${tickKey(origin.tickMs)}#${execution.id}`);
  }
  if (origin.tickMs !== undefined) {
    item.tickMs = n(origin.tickMs);
    if (execution.trigger?.id) item.tickOwner = s(tickOwnerKey(execution.namespace, execution.flowId, execution.trigger.id));
  }
  return item;
}

/** A label as search filters name it, `key:value` (keys never contain `:`, see LABEL_KEY_PATTERN). */
function labelKey(label: { key: string; value: string }): string {
  return `${label.key}:${label.value}`;
}

/** The `labelKeys` string set search filters use; none without labels (DynamoDB refuses empty sets). */
export function searchLabelKeys(labels: { key: string; value: string }[]): AttributeValue | undefined {
  return labels.length ? { SS: [...new Set(labels.map(labelKey))] } : undefined;
}

function withoutUnused(names: Record<string, string>, unused: string): Record<string, string> | undefined {
  const { [unused]: _, ...rest } = names;
  return Object.keys(rest).length ? rest : undefined;
}

function toStored(item: Item): StoredExecution {
  return {
    execution: JSON.parse(str(item, 'doc') ?? '{}') as Execution,
    origin: { backfillId: str(item, 'backfillId'), liveOwner: str(item, 'liveOwner'), tickMs: num(item, 'tickMs') },
  };
}
