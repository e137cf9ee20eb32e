/**
 * A process that keeps dynalite busy writing, to be SIGKILLed mid-write by
 * test/integration/dynalite-atomic-writes.test.ts: dynalite on the data folder `argv[2]` (with the
 * product's fixes), a table with a global index, and 32 writers putting new items and moving existing
 * ones to a new index sort key. Prints `written <n>` after every 50 writes.
 */
import { CreateTableCommand, DescribeTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo } from '../../lib/adapters/local/local-dynamo';

const PROBE_TABLE = 'kill-probe';
const PROBE_INDEX = 'byGroup';

const path = process.argv[2];
if (!path) throw new Error('usage: busy-dynalite-writer.ts <data folder>');
const dynamo = await startLocalDynamo(path);
const exists = await dynamo.client.send(new DescribeTableCommand({ TableName: PROBE_TABLE })).then(
  () => true,
  () => false,
);
if (!exists) {
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: PROBE_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'group', AttributeType: 'S' },
        { AttributeName: 'sortKey', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: PROBE_INDEX,
          KeySchema: [
            { AttributeName: 'group', KeyType: 'HASH' },
            { AttributeName: 'sortKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
}

// dynalite answers ResourceNotFound until a new table turns ACTIVE (a tick later): wait for it, briefly.
for (let attempt = 0; ; attempt++) {
  const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: PROBE_TABLE }));
  if (Table?.TableStatus === 'ACTIVE') break;
  if (attempt === 100) throw new Error(`${PROBE_TABLE} never turned ACTIVE`);
  await new Promise((resolve) => setTimeout(resolve, 20));
}

const run = `${process.pid}`;
let written = 0;
async function writer(lane: number): Promise<never> {
  for (let i = 0; ; i++) {
    const id = `${run}-${lane}-${i}`;
    await dynamo.client.send(
      new PutItemCommand({ TableName: PROBE_TABLE, Item: { id: { S: id }, group: { S: 'g' }, sortKey: { S: `${process.hrtime.bigint()}#${id}` } } }),
    );
    if (i > 0) {
      // Moving an item's index sort key: dynalite deletes the old entry, writes the new one, then the item.
      const moved = `${run}-${lane}-${i - 1}`;
      await dynamo.client.send(
        new UpdateItemCommand({
          TableName: PROBE_TABLE,
          Key: { id: { S: moved } },
          UpdateExpression: 'SET sortKey = :k',
          ExpressionAttributeValues: { ':k': { S: `${process.hrtime.bigint()}#${moved}` } },
        }),
      );
    }
    written += 2;
    if (written % 50 === 0) process.stdout.write(`written ${written}\n`);
  }
}
await Promise.all(Array.from({ length: 32 }, (_, lane) => writer(lane)));
