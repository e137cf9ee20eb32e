import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { ALL_TABLES, type TableDef, type TableNames } from './tables';

/** Creates any missing table (the local default; on AWS the CDK stack owns the tables). */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const def of ALL_TABLES) {
    const name = names[def.logicalName];
    if (await exists(client, name)) continue;
    await createTable(client, def, name);
  }
}

/** Creates a table and waits until it is ACTIVE. */
export async function createTable(client: DynamoDBClient, def: TableDef, name: string): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(def, name)));
  // CreateTable answers CREATING and the table turns ACTIVE a moment later (dynalite on disk too):
  // a write in between fails with ResourceNotFoundException.
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TableName: name });
}

export async function exists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw error;
  }
}

function createTableInput(def: TableDef, name: string) {
  const attributes = new Map<string, 'S' | 'N'>();
  const keys = [def.partitionKey, def.sortKey, ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  for (const k of keys) if (k) attributes.set(k.name, k.type);
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' as const },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    GlobalSecondaryIndexes: def.indexes.length
      ? def.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
            ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
          ],
          Projection: { ProjectionType: index.projection, ...(index.nonKeyAttributes ? { NonKeyAttributes: index.nonKeyAttributes } : {}) },
        }))
      : undefined,
  };
}
