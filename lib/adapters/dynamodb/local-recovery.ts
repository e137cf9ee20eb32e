import { type DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ExecutionLane, LocalRecovery } from '../../ports';
import { mapLimit } from '../../util/map-limit';
import { eachPage, s, str, whenConditionHolds } from './client';
import { ExecutionLeases } from './execution-leases';
import { EXECUTIONS_UNFINISHED } from './tables';

/**
 * The local default's repairs after a restart or a crash, over the executions table in dynalite.
 * Apart from DynamoExecutionStore on purpose: nothing deployed may call them (see LocalRecovery).
 */
export class DynamoDbLocalRecovery implements LocalRecovery {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

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
