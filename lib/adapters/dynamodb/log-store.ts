import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LogEntry, LogLine, LogRange, LogStore } from '../../ports';
import { batchWrite, eachPage, n, num, s, str } from './client';

/** Log lines keyed by (executionId, seq): rewriting a line after a retry overwrites it instead of adding a copy. */
export class DynamoLogStore implements LogStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async append(entries: LogLine[]): Promise<void> {
    if (entries.length === 0) return;
    await batchWrite(
      this.client,
      this.table,
      entries.map(({ seq, entry }) => ({
        PutRequest: { Item: { executionId: s(entry.executionId), seq: n(seq), doc: s(JSON.stringify(entry)) } },
      })),
    );
  }

  async list(executionId: string, range: LogRange = {}): Promise<LogLine[]> {
    const entries: LogLine[] = [];
    const limit = range.limit ?? Number.POSITIVE_INFINITY;
    const after = range.afterSeq !== undefined;
    await eachPage(
      (startKey) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: after ? 'executionId = :id AND seq > :after' : 'executionId = :id',
            ExpressionAttributeValues: { ':id': s(executionId), ...(after ? { ':after': n(range.afterSeq ?? 0) } : {}) },
            ExclusiveStartKey: startKey,
            // A page of a long log reads that page, not the log.
            ...(Number.isFinite(limit) ? { Limit: limit - entries.length } : {}),
          }),
        ),
      (page) => {
        entries.push(...(page.Items ?? []).map((item) => ({ seq: num(item, 'seq') ?? 0, entry: JSON.parse(str(item, 'doc') ?? '{}') as LogEntry })));
        return entries.length < limit;
      },
    );
    return entries;
  }
}
