import { BatchWriteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  MAX_OPERATION_ERRORS,
  type MissedScheduleRecovery,
  type Operation,
  type OperationError,
  type OperationKind,
  type PartOutcome,
} from '../../domain/operation';
import type { TriggerRef } from '../../domain/trigger-state';
import type { OperationStore } from '../../ports';
import { mapLimit } from '../../util/map-limit';
import { isConditionFailed } from './client';

/** An operation's head item. */
export interface OperationItem {
  id: string;
  kind: OperationKind;
  recover?: MissedScheduleRecovery;
  totalItems: number;
  parts: number;
  /** The recorded parts (a number set; absent until the first is recorded: DynamoDB has no empty sets). */
  recorded?: Set<number>;
  done: number;
  failed: number;
  errors: OperationError[];
  errorsOmitted: number;
  createdAt: string;
  updatedAt: string;
  /** DynamoDB's TTL attribute: epoch seconds. */
  expiresAt: number;
}

interface PartItem {
  id: string;
  triggers: TriggerRef[];
  expiresAt: number;
}

/** A part's key: operation ids are base62, so `/` cannot occur in them. */
const partKey = (id: string, part: number): string => `${id}/${part}`;

/** Tries of a part's record whose errors no longer fit (another part took the room meanwhile). */
const RECORD_ATTEMPTS = 5;

/** Operations in their own table (lib/adapters/dynamodb/tables.ts), through the document client. */
export class DynamoOperationStore implements OperationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(operation: Operation, parts: TriggerRef[][]): Promise<void> {
    const expiresAt = Math.ceil(operation.expiresAtMs / 1000);
    const partItems: PartItem[] = parts.map((triggers, i) => ({ id: partKey(operation.id, i), triggers, expiresAt }));
    const batches: PartItem[][] = [];
    for (let i = 0; i < partItems.length; i += 25) batches.push(partItems.slice(i, i + 25));
    await mapLimit(batches, 4, (batch) => this.writeBatch(batch));
    await this.client.send(new PutCommand({ TableName: this.table, Item: toItem(operation), ConditionExpression: 'attribute_not_exists(id)' }));
  }

  /** BatchWriteItem, with the items DynamoDB leaves unprocessed written again (backing off). */
  private async writeBatch(items: PartItem[]): Promise<void> {
    let requests: Record<string, unknown>[] = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 5) throw new Error(`DynamoDB left ${requests.length} operation parts unwritten after retries`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
      requests = (out.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
    }
  }

  async get(id: string): Promise<Operation | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }));
    const item = out.Item as OperationItem | undefined;
    // A part's item has no `kind`: an id naming one is not an operation.
    return item?.kind ? toOperation(item) : undefined;
  }

  async part(id: string, part: number): Promise<TriggerRef[] | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { id: partKey(id, part) }, ConsistentRead: true }));
    return (out.Item as PartItem | undefined)?.triggers;
  }

  async recordPart(id: string, outcome: PartOutcome, at: string): Promise<boolean> {
    let errors = outcome.errors;
    let omitted = 0;
    for (let attempt = 0; attempt < RECORD_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { id },
            UpdateExpression:
              'SET updatedAt = :at, errors = list_append(errors, :errors) ADD done :done, failed :failed, errorsOmitted :omitted, recorded :part',
            // `size(errors)` keeps the list within MAX_OPERATION_ERRORS whatever other parts append meanwhile.
            ConditionExpression: 'attribute_exists(kind) AND NOT contains(recorded, :p) AND size(errors) <= :room',
            ExpressionAttributeValues: {
              ':at': at,
              ':errors': errors,
              ':done': outcome.done,
              ':failed': outcome.failed,
              ':omitted': omitted,
              ':part': new Set([outcome.part]),
              ':p': outcome.part,
              ':room': MAX_OPERATION_ERRORS - errors.length,
            },
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
      // Which condition failed: unknown, recorded (by a redelivery, or by this very write whose
      // answer was lost and which the SDK retried), or no room left for all of these errors.
      const current = await this.get(id);
      if (!current || current.recordedParts.includes(outcome.part)) return false;
      const room = Math.max(0, MAX_OPERATION_ERRORS - current.errors.length);
      omitted = outcome.errors.length - Math.min(room, outcome.errors.length);
      errors = outcome.errors.slice(0, room);
    }
    throw new Error(`Could not record part ${outcome.part} of operation ${id} after ${RECORD_ATTEMPTS} attempts`);
  }
}

function toItem(operation: Operation): OperationItem {
  return {
    id: operation.id,
    kind: operation.kind,
    ...(operation.recover === undefined ? {} : { recover: operation.recover }),
    totalItems: operation.totalItems,
    parts: operation.parts,
    ...(operation.recordedParts.length ? { recorded: new Set(operation.recordedParts) } : {}),
    done: operation.done,
    failed: operation.failed,
    errors: operation.errors,
    errorsOmitted: operation.errorsOmitted,
    createdAt: operation.createdAt,
    updatedAt: operation.updatedAt,
    expiresAt: Math.ceil(operation.expiresAtMs / 1000),
  };
}

export function toOperation(item: OperationItem): Operation {
  return {
    id: item.id,
    kind: item.kind,
    ...(item.recover === undefined ? {} : { recover: item.recover }),
    totalItems: item.totalItems,
    parts: item.parts,
    recordedParts: [...(item.recorded ?? [])].map(Number).sort((a, b) => a - b),
    done: item.done,
    failed: item.failed,
    errors: item.errors ?? [],
    errorsOmitted: item.errorsOmitted ?? 0,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    expiresAtMs: item.expiresAt * 1000,
  };
}
