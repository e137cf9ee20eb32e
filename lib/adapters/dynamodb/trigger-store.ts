import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { BackfillAlreadyActiveError, TriggerNotFoundError } from '../../domain/errors';
import type { BackfillOutcome, BackfillState, TriggerRef, TriggerState } from '../../domain/trigger-state';
import type { AdvanceCursor, TriggerStore } from '../../ports';
import { type Item, bool, eachPage, isConditionFailed, n, num, s, str, whenConditionHolds } from './client';
import { flowKey } from './tables';

/**
 * Trigger rows. The backfill's moving parts (id, cursor, counters, pause flag, generation) are
 * top-level attributes so every change is one conditional UpdateItem; its fixed parts (window,
 * labels, inputs) are one JSON attribute written once.
 */
export class DynamoTriggerStore implements TriggerStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(ref: TriggerRef): Promise<TriggerState | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: key(ref), ConsistentRead: true }));
    return out.Item ? toState(out.Item) : undefined;
  }

  async listByFlow(namespace: string, flowId: string): Promise<TriggerState[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'flowKey = :fk',
        ExpressionAttributeValues: { ':fk': s(flowKey(namespace, flowId)) },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map(toState);
  }

  async list(): Promise<TriggerState[]> {
    return this.scan();
  }

  async listWithBackfill(): Promise<TriggerState[]> {
    return this.scan('attribute_exists(backfillId)');
  }

  private async scan(filter?: string): Promise<TriggerState[]> {
    const states: TriggerState[] = [];
    await eachPage(
      (startKey) => this.client.send(new ScanCommand({ TableName: this.table, FilterExpression: filter, ExclusiveStartKey: startKey })),
      (page) => void states.push(...(page.Items ?? []).map(toState)),
    );
    return states;
  }

  async setBackfillPaused(
    ref: TriggerRef,
    paused: boolean,
    updatedDate: string,
  ): Promise<{ state: TriggerState; taskToken?: string } | undefined> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(ref),
          // Unpausing removes the token in the same write that returns it: two concurrent resumes get it once.
          UpdateExpression: paused ? 'SET paused = :p, updatedDate = :u' : 'SET paused = :p, updatedDate = :u REMOVE taskToken',
          ConditionExpression: 'attribute_exists(backfillId)',
          ExpressionAttributeValues: { ':p': bool(paused), ':u': s(updatedDate) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = out.Attributes as Item;
      const state = toState({ ...old, paused: bool(paused), updatedDate: s(updatedDate) });
      return { state, taskToken: paused ? undefined : str(old, 'taskToken') };
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async createIfAbsent(state: TriggerState): Promise<boolean> {
    const item: Item = {
      ...key(state),
      namespace: s(state.namespace),
      flowId: s(state.flowId),
      disabled: bool(state.disabled),
      updatedDate: s(state.updatedDate),
    };
    if (state.nextExecutionDate) item.nextExecutionDate = s(state.nextExecutionDate);
    return whenConditionHolds(() =>
      this.client.send(new PutItemCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(triggerId)' })),
    );
  }

  async updateSchedule(
    ref: TriggerRef,
    fields: { nextExecutionDate: string | null; disabled: boolean; updatedDate: string },
  ): Promise<void> {
    const values: Item = { ':d': bool(fields.disabled), ':u': s(fields.updatedDate) };
    let expression = 'SET disabled = :d, updatedDate = :u';
    if (fields.nextExecutionDate) {
      expression += ', nextExecutionDate = :n';
      values[':n'] = s(fields.nextExecutionDate);
    } else {
      expression += ' REMOVE nextExecutionDate';
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
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
      ExpressionAttributeValues: {
        ':expected': s(expected),
        ':u': s(updatedDate),
        ...(next ? { ':next': s(next) } : {}),
        ...(date ? { ':date': s(date) } : {}),
      },
    });
  }

  async delete(ref: TriggerRef): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: key(ref) }));
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
    };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(ref),
          UpdateExpression:
            'SET backfillId = :id, backfillDoc = :doc, cursorMs = :cursor, currentDate = :current, paused = :paused, ' +
            'dispatched = :dispatched, skipped = :skipped, generation = :gen, executionName = :name, updatedDate = :u',
          ConditionExpression: 'attribute_exists(triggerId) AND attribute_not_exists(backfillId)',
          ExpressionAttributeValues: {
            ':id': s(backfill.id),
            ':doc': s(JSON.stringify(fixed)),
            ':cursor': n(backfill.cursorMs),
            ':current': s(backfill.currentDate),
            ':paused': bool(backfill.paused),
            ':dispatched': n(backfill.dispatched),
            ':skipped': n(backfill.skipped),
            ':gen': n(backfill.generation),
            ':name': s(backfill.executionName),
            ':u': s(updatedDate),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const current = await this.get(ref);
      if (!current) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
      throw new BackfillAlreadyActiveError(
        `A backfill is already active on trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} ` +
          `(started ${current.backfill?.createdDate}); pause, wait for, or delete it before starting another`,
      );
    }
  }

  async finishBackfill(ref: TriggerRef, backfillId: string, outcome: BackfillOutcome, updatedDate: string): Promise<boolean> {
    return this.conditional({
      Key: key(ref),
      UpdateExpression:
        'SET updatedDate = :u, lastBackfillId = :id, lastBackfillOutcome = :outcome ' +
        'REMOVE backfillId, backfillDoc, cursorMs, currentDate, paused, dispatched, skipped, generation, executionName, taskToken',
      ConditionExpression: 'backfillId = :id',
      ExpressionAttributeValues: { ':id': s(backfillId), ':u': s(updatedDate), ':outcome': s(outcome) },
    });
  }

  async advanceBackfill(ref: TriggerRef, backfillId: string, expectedCursorMs: number, advance: AdvanceCursor): Promise<boolean> {
    return this.conditional({
      Key: key(ref),
      UpdateExpression: 'SET cursorMs = :cursor, currentDate = :current ADD dispatched :delta, skipped :skippedDelta',
      ConditionExpression: 'backfillId = :id AND cursorMs = :expected',
      ExpressionAttributeValues: {
        ':id': s(backfillId),
        ':expected': n(expectedCursorMs),
        ':cursor': n(advance.cursorMs),
        ':current': s(advance.currentDate),
        ':delta': n(advance.dispatchedDelta),
        ':skippedDelta': n(advance.skippedDelta ?? 0),
      },
    });
  }

  async storeTaskToken(ref: TriggerRef, backfillId: string, taskToken: string): Promise<TriggerState | undefined> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(ref),
          UpdateExpression: 'SET taskToken = :token',
          ConditionExpression: 'backfillId = :id',
          ExpressionAttributeValues: { ':id': s(backfillId), ':token': s(taskToken) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toState(out.Attributes) : undefined;
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
      ExpressionAttributeValues: { ':id': s(backfillId), ':gen': n(generation), ':name': s(executionName) },
    });
  }

  private conditional(input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>): Promise<boolean> {
    return whenConditionHolds(() => this.client.send(new UpdateItemCommand({ TableName: this.table, ...input })));
  }
}

function key(ref: TriggerRef): Item {
  return { flowKey: s(flowKey(ref.namespace, ref.flowId)), triggerId: s(ref.triggerId) };
}

function toState(item: Item): TriggerState {
  const state: TriggerState = {
    namespace: str(item, 'namespace') ?? '',
    flowId: str(item, 'flowId') ?? '',
    triggerId: str(item, 'triggerId') ?? '',
    nextExecutionDate: str(item, 'nextExecutionDate') ?? null,
    disabled: item.disabled?.BOOL ?? false,
    updatedDate: str(item, 'updatedDate') ?? '',
  };
  const date = str(item, 'date');
  if (date) state.date = date;
  const lastBackfillId = str(item, 'lastBackfillId');
  if (lastBackfillId) {
    state.lastBackfill = {
      id: lastBackfillId,
      outcome: (str(item, 'lastBackfillOutcome') ?? 'COMPLETED') as BackfillOutcome,
      endedDate: str(item, 'updatedDate') ?? '',
    };
  }
  const backfillId = str(item, 'backfillId');
  if (backfillId) {
    const fixed = JSON.parse(str(item, 'backfillDoc') ?? '{}');
    state.backfill = {
      id: backfillId,
      start: fixed.start,
      end: fixed.end,
      inputs: fixed.inputs ?? null,
      labels: fixed.labels ?? [],
      previousNextExecutionDate: fixed.previousNextExecutionDate ?? null,
      totalTicks: fixed.totalTicks ?? 0,
      createdDate: fixed.createdDate,
      cursorMs: num(item, 'cursorMs') ?? 0,
      currentDate: str(item, 'currentDate') ?? fixed.start,
      paused: item.paused?.BOOL ?? false,
      dispatched: num(item, 'dispatched') ?? 0,
      // Backfills stored before reprocess existed replay every tick.
      reprocess: fixed.reprocess ?? 'ALL',
      skipped: num(item, 'skipped') ?? 0,
      generation: num(item, 'generation') ?? 0,
      executionName: str(item, 'executionName') ?? '',
    };
  }
  return state;
}
