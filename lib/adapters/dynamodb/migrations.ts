import { DescribeTableCommand, type DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Execution } from '../../domain/execution';
import { mapLimit } from '../../util/map-limit';
import { type Item, s, str } from './client';
import { searchLabelKeys } from './execution-store';
import { EXECUTIONS_BY_FLOW } from './tables';

/**
 * Local data folders made before the search indexes carried labels: their executions lack
 * `labelKeys`, so a label filter would miss them. Gives each labelled one its `labelKeys`, once:
 * such folders are recognised by their older search index (projection ALL), which dynalite cannot
 * change in place and which serves the new search as well. Returns how many executions it updated.
 */
export async function addSearchLabels(client: DynamoDBClient, table: string): Promise<number> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  const byFlow = described.Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === EXECUTIONS_BY_FLOW);
  if (byFlow?.Projection?.ProjectionType !== 'ALL') return 0;
  const pending: Item[] = [];
  let startKey: Item | undefined;
  do {
    const out = await client.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: 'id, doc',
        FilterExpression: 'attribute_not_exists(labelKeys)',
        ExclusiveStartKey: startKey,
      }),
    );
    pending.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  let updated = 0;
  await mapLimit(pending, 8, async (item) => {
    const labelKeys = searchLabelKeys((JSON.parse(str(item, 'doc') ?? '{}') as Execution).labels ?? []);
    if (!labelKeys) return;
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { id: s(str(item, 'id') ?? '') },
        UpdateExpression: 'SET labelKeys = :keys',
        ExpressionAttributeValues: { ':keys': labelKeys },
      }),
    );
    updated++;
  });
  return updated;
}
