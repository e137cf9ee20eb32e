import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StateType } from '../../domain/execution';
import type { TriggerRef } from '../../domain/trigger-state';
import { batchGet, eachPage, n, num, s, str } from './client';
import { executionKey, tickKey } from './execution-item';
import { EXECUTIONS_BY_TICK, EXECUTIONS_FAILED, EXECUTIONS_UNFINISHED, tickOwnerKey } from './tables';

/**
 * What dispatching a backfill reads about executions: states by id or by tick, and counts of a
 * backfill's unfinished and failed executions, all from keys and sparse indexes, never documents.
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

  /** The trigger's scheduled executions at ticks in [fromMs, toMs], by tick. */
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

  /** A backfill's executions not finished yet, counted up to `limit`. */
  async countUnfinished(backfillId: string, limit: number): Promise<number> {
    return this.countIndex(EXECUTIONS_UNFINISHED, 'pendingOwner', backfillId, limit);
  }

  /** A backfill's queued, running and failed executions for ticks below `belowTickMs`. */
  async progressOf(backfillId: string, belowTickMs: number): Promise<{ queued: number; running: number; failed: number }> {
    const below = tickKey(belowTickMs - 1);
    const all = Number.MAX_SAFE_INTEGER;
    // Sequential on purpose: an execution moving on between two counts is then never counted twice.
    const failed = await this.countIndex(EXECUTIONS_FAILED, 'failedOwner', backfillId, all, { name: 'failedSort', from: '0', to: `${below}#~` });
    const running = await this.countIndex(EXECUTIONS_UNFINISHED, 'pendingOwner', backfillId, all, {
      name: 'pendingSort',
      from: 'RUNNING#',
      to: `RUNNING#${below}#~`,
    });
    const queued = await this.countIndex(EXECUTIONS_UNFINISHED, 'pendingOwner', backfillId, all, {
      name: 'pendingSort',
      from: 'CREATED#',
      to: `CREATED#${below}#~`,
    });
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
}
