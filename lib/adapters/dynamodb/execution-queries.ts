import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StateType } from '../../domain/execution';
import type { TriggerRef } from '../../domain/trigger-state';
import { mapLimit } from '../../util/map-limit';
import { type Item, batchGet, eachPage, n, num, s, str } from './client';
import { executionKey, tickKey } from './execution-item';
import { EXECUTIONS_BY_TICK, EXECUTIONS_FAILED, EXECUTIONS_UNFINISHED, EXECUTION_SHARDS, allShards, tickOwnerKey } from './tables';

/**
 * What dispatching a backfill reads about executions: states by id or by tick, and counts of a
 * backfill's unfinished and failed executions, all from keys and sparse sharded indexes, never documents.
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
   * A backfill's executions not finished yet, counted up to `limit`. Shard after shard, stopping as
   * soon as `limit` is reached: the worker's "any left?" check (limit 1) usually reads one shard.
   */
  async countUnfinished(backfillId: string, limit: number): Promise<number> {
    let count = 0;
    for (const shard of allShards(backfillId)) {
      count += await this.countKeys(EXECUTIONS_UNFINISHED, 'pendingShard', shard, limit - count);
      if (count >= limit) return limit;
    }
    return count;
  }

  /** A backfill's queued, running and failed executions for ticks below `belowTickMs`. */
  async progressOf(backfillId: string, belowTickMs: number): Promise<{ queued: number; running: number; failed: number }> {
    const below = `${tickKey(belowTickMs - 1)}#~`;
    // Failures first, then the unfinished: an execution moving from one to the other between the two
    // reads is then counted in neither rather than in both.
    const failedByShard = await mapLimit(allShards(backfillId), EXECUTION_SHARDS, (shard) =>
      this.countKeys(EXECUTIONS_FAILED, 'failedShard', shard, Number.MAX_SAFE_INTEGER, { name: 'failedSort', below }),
    );
    let queued = 0;
    let running = 0;
    await mapLimit(allShards(backfillId), EXECUTION_SHARDS, (shard) =>
      eachPage(
        (startKey) =>
          this.client.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: EXECUTIONS_UNFINISHED,
              KeyConditionExpression: 'pendingShard = :shard AND pendingTick < :below',
              ProjectionExpression: '#state',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':shard': s(shard), ':below': s(below) },
              ExclusiveStartKey: startKey,
            }),
          ),
        (page) => {
          for (const item of page.Items ?? []) {
            if (str(item, 'state') === 'RUNNING') running++;
            else queued++;
          }
        },
      ),
    );
    return { queued, running, failed: failedByShard.reduce((a, b) => a + b, 0) };
  }

  /** Counts the keys of one partition of a sparse index (optionally below a sort key), up to `limit`. */
  private async countKeys(index: string, partitionKey: string, value: string, limit: number, range?: { name: string; below: string }): Promise<number> {
    let count = 0;
    const values: Item = { ':pk': s(value) };
    if (range) values[':below'] = s(range.below);
    await eachPage(
      (startKey) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: index,
            KeyConditionExpression: range ? '#pk = :pk AND #sk < :below' : '#pk = :pk',
            ExpressionAttributeNames: { '#pk': partitionKey, ...(range ? { '#sk': range.name } : {}) },
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
