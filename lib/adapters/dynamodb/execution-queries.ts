import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StateType } from '../../domain/execution';
import type { TriggerRef } from '../../domain/trigger-state';
import { mapLimit } from '../../util/map-limit';
import { type Item, batchGet, eachPage, n, num, s, str } from './client';
import { executionKey } from './execution-item';
import { EXECUTIONS_BY_TICK, EXECUTIONS_UNFINISHED, EXECUTION_SHARDS, allShards, tickOwnerKey } from './tables';

/**
 * What dispatching a backfill reads about executions: states by id or by tick, and the count of a
 * backfill's running executions, all from keys and sparse sharded indexes, never documents.
 */
export class ExecutionQueries {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** The ids among `ids` that exist, with their current state. */
  async statesOf(ids: string[]): Promise<Map<string, StateType>> {
    const items = await batchGet(this.client, this.table, ids.map(executionKey), {
      expression: '#id, #state',
      names: { '#id': 'id', '#state': 'state' },
    });
    return new Map(items.map((item) => [str(item, 'id') ?? '', str(item, 'state') as StateType]));
  }

  /** The trigger's scheduled executions at ticks in [fromMs, toMs], by tick: ids from the tick index's shards, then states by id. */
  async statesByTick(trigger: TriggerRef, fromMs: number, toMs: number): Promise<Map<number, { id: string; state: StateType }[]>> {
    const entries: { id: string; tick: number }[] = [];
    await mapLimit(allShards(tickOwnerKey(trigger.namespace, trigger.flowId, trigger.triggerId)), EXECUTION_SHARDS, (shard) =>
      eachPage(
        (startKey) =>
          this.client.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: EXECUTIONS_BY_TICK,
              KeyConditionExpression: 'tickShard = :shard AND tickMs BETWEEN :from AND :to',
              ExpressionAttributeValues: { ':shard': s(shard), ':from': n(fromMs), ':to': n(toMs) },
              ExclusiveStartKey: startKey,
            }),
          ),
        (page) => {
          for (const item of page.Items ?? []) entries.push({ id: str(item, 'id') ?? '', tick: num(item, 'tickMs') ?? 0 });
        },
      ),
    );
    const states = entries.length ? await this.statesOf(entries.map((e) => e.id)) : new Map<string, StateType>();
    const byTick = new Map<number, { id: string; state: StateType }[]>();
    for (const { id, tick } of entries.sort((a, b) => a.tick - b.tick || (a.id < b.id ? -1 : 1))) {
      const state = states.get(id);
      if (state) byTick.set(tick, [...(byTick.get(tick) ?? []), { id, state }]); // an entry can outlive its item for a moment
    }
    return byTick;
  }

  /**
   * A backfill's RUNNING executions, counted up to `limit`, from its unfinished index entries (only
   * executions that started a longer task and those a version before the ledger created have one).
   */
  async countRunning(backfillId: string, limit: number): Promise<number> {
    const counts = await mapLimit(allShards(backfillId), EXECUTION_SHARDS, (shard) =>
      this.countKeys(EXECUTIONS_UNFINISHED, 'pendingShard', shard, limit, { name: 'state', equals: 'RUNNING' }),
    );
    return Math.min(
      limit,
      counts.reduce((a, b) => a + b, 0),
    );
  }

  /** Ids of a backfill's RUNNING executions, up to `limit`: the entries `countRunning` counts. */
  async runningOf(backfillId: string, limit: number): Promise<string[]> {
    const perShard = await mapLimit(allShards(backfillId), EXECUTION_SHARDS, async (shard) => {
      const ids: string[] = [];
      await eachPage(
        (startKey) =>
          this.client.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: EXECUTIONS_UNFINISHED,
              KeyConditionExpression: 'pendingShard = :shard',
              FilterExpression: '#state = :running',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':shard': s(shard), ':running': s('RUNNING') },
              ProjectionExpression: 'id',
              Limit: Math.min(1000, limit),
              ExclusiveStartKey: startKey,
            }),
          ),
        (page) => {
          for (const item of page.Items ?? []) ids.push(str(item, 'id') ?? '');
          return ids.length < limit;
        },
      );
      return ids;
    });
    return perShard.flat().slice(0, limit);
  }

  /** The ids among `ids` that exist, with their state and lease end (0 without a lease). */
  async leasesOf(ids: string[]): Promise<Map<string, { state: StateType; leaseUntilMs: number }>> {
    const items = await batchGet(this.client, this.table, [...new Set(ids)].map(executionKey), {
      expression: '#id, #state, leaseUntil',
      names: { '#id': 'id', '#state': 'state' },
    });
    return new Map(items.map((item) => [str(item, 'id') ?? '', { state: str(item, 'state') as StateType, leaseUntilMs: num(item, 'leaseUntil') ?? 0 }]));
  }

  /** Ids of an owner's unfinished executions, from its shards of the unfinished index, up to `limit`. */
  async unfinishedOf(owner: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    for (const shard of allShards(owner)) {
      await eachPage(
        (startKey) =>
          this.client.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: EXECUTIONS_UNFINISHED,
              KeyConditionExpression: 'pendingShard = :shard',
              ExpressionAttributeValues: { ':shard': s(shard) },
              Limit: Math.min(1000, limit - ids.length),
              ExclusiveStartKey: startKey,
            }),
          ),
        (page) => {
          for (const item of page.Items ?? []) ids.push(str(item, 'id') ?? '');
          return ids.length < limit;
        },
      );
      if (ids.length >= limit) break;
    }
    return ids.slice(0, limit);
  }

  /** Counts the entries of one partition of a sparse index (optionally those with a projected attribute's value), up to `limit`. */
  private async countKeys(index: string, partitionKey: string, value: string, limit: number, filter?: { name: string; equals: string }): Promise<number> {
    let count = 0;
    const values: Item = { ':pk': s(value) };
    if (filter) values[':value'] = s(filter.equals);
    await eachPage(
      (startKey) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: index,
            KeyConditionExpression: '#pk = :pk',
            FilterExpression: filter ? '#attr = :value' : undefined,
            ExpressionAttributeNames: { '#pk': partitionKey, ...(filter ? { '#attr': filter.name } : {}) },
            ExpressionAttributeValues: values,
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
}
