import { type DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand as DocumentScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Operation, operationState } from '../../domain/operation';
import type { ExecutionLane, LocalRecovery } from '../../ports';
import { mapLimit } from '../../util/map-limit';
import { type NativeItem, eachPage, s, str, whenConditionHolds } from './client';
import { ExecutionLeases } from './execution-leases';
import { type OperationItem, toOperation } from './operation-store';
import { EXECUTIONS_UNFINISHED, type TableNames } from './tables';

/**
 * The local default's repairs after a restart or a crash, over the executions table in dynalite.
 * Apart from DynamoExecutionStore on purpose: nothing deployed may call them (see LocalRecovery).
 */
export class DynamoDbLocalRecovery implements LocalRecovery {
  private readonly table: string;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tables: Pick<TableNames, 'executions' | 'operations'>,
  ) {
    this.table = tables.executions;
  }

  async unfinishedOperations(nowMs: number): Promise<Operation[]> {
    const documents = DynamoDBDocumentClient.from(this.client);
    const operations: Operation[] = [];
    // A Scan of the whole table: locally it holds what the runs on this data folder created (dynalite has no TTL).
    await eachPage<NativeItem>(
      (startKey) =>
        documents.send(new DocumentScanCommand({ TableName: this.tables.operations, FilterExpression: 'attribute_exists(kind)', ExclusiveStartKey: startKey })),
      (page) => {
        for (const item of (page.Items ?? []) as OperationItem[]) {
          const operation = toOperation(item);
          if (operation.expiresAtMs > nowMs && operationState(operation) === 'RUNNING') operations.push(operation);
        }
      },
    );
    return operations;
  }

  async listUnfinished(): Promise<{ executionId: string; lane: ExecutionLane }[]> {
    const ids: { executionId: string; lane: ExecutionLane }[] = [];
    await eachPage(
      (startKey) => this.client.send(new ScanCommand({ TableName: this.table, IndexName: EXECUTIONS_UNFINISHED, ExclusiveStartKey: startKey })),
      (page) => {
        for (const item of page.Items ?? []) {
          ids.push({ executionId: str(item, 'id') ?? '', lane: str(item, 'pendingShard')?.startsWith('live:') ? 'live' : 'backfill' });
        }
      },
    );
    return ids;
  }

  async expireLeases(ids: string[]): Promise<void> {
    const leases = new ExecutionLeases(this.client, this.table);
    await mapLimit(ids, 8, (id) => leases.release(id));
  }

  async repairUnfinishedIndex(): Promise<number> {
    const ids: string[] = [];
    await eachPage(
      (startKey) =>
        this.client.send(
          new ScanCommand({
            TableName: this.table,
            ProjectionExpression: 'id',
            FilterExpression: '#state IN (:created, :running)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':created': s('CREATED'), ':running': s('RUNNING') },
            ExclusiveStartKey: startKey,
          }),
        ),
      (page) => {
        for (const item of page.Items ?? []) ids.push(str(item, 'id') ?? '');
      },
    );
    // Rewriting an attribute with itself makes dynalite write the item's index entries again.
    await mapLimit(ids, 8, (id) =>
      whenConditionHolds(() =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { id: s(id) },
            UpdateExpression: 'SET pendingShard = pendingShard',
            ConditionExpression: 'attribute_exists(pendingShard)',
          }),
        ),
      ),
    );
    return ids.length;
  }
}
