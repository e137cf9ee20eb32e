import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Execution } from '../../domain/execution';
import { type Item, batchWrite, eachPage, num, s, str } from './client';
import { createTableInput, exists } from './create-tables';
import { searchLabelKeys } from './execution-item';
import { EXECUTIONS_TABLE, tickOwnerKey } from './tables';

/**
 * Local data folders made by an earlier version: their executions table lacks indexes this version
 * reads (search over labels, scheduled executions by tick), and its items lack the attributes those
 * indexes key on. dynalite cannot add or change a global secondary index in place, so the table is
 * rebuilt: copied into `<name>-rebuild` with the new attributes, dropped, created anew and copied
 * back. Each step can be interrupted; the next start resumes from the table names it finds.
 * Returns how many executions were carried over (0 when nothing needed doing).
 */
export async function rebuildOutdatedExecutions(client: DynamoDBClient, name: string): Promise<number> {
  const spare = `${name}-rebuild`;
  const create = (table: string) => client.send(new CreateTableCommand(createTableInput(EXECUTIONS_TABLE, table)));
  const drop = (table: string) => client.send(new DeleteTableCommand({ TableName: table }));
  if (!(await exists(client, spare))) {
    // A fresh folder, or one already current: nothing to do.
    if (!(await exists(client, name)) || (await isCurrent(client, name))) return 0;
    await create(spare);
    await copy(client, name, spare);
    await drop(name);
  } else if ((await exists(client, name)) && !(await isCurrent(client, name))) {
    // Interrupted while filling the spare: the original is still whole, fill it again.
    await copy(client, name, spare);
    await drop(name);
  }
  // The spare is complete; the original is gone, or already recreated (interrupted copying back).
  if (!(await exists(client, name))) await create(name);
  const carried = await copy(client, spare, name);
  await drop(spare);
  return carried;
}

/** Whether the table has every index of the definition, projected as the definition says. */
async function isCurrent(client: DynamoDBClient, name: string): Promise<boolean> {
  const described = await client.send(new DescribeTableCommand({ TableName: name }));
  const indexes = new Map((described.Table?.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index.Projection?.ProjectionType]));
  return EXECUTIONS_TABLE.indexes.every((index) => indexes.get(index.name) === index.projection);
}

/** Copies every item, adding what this version's indexes key on; writes are puts, so a repeat is harmless. */
async function copy(client: DynamoDBClient, from: string, to: string): Promise<number> {
  // Page by page, never the whole table in memory; each page is written before the next is read.
  let copied = 0;
  await eachPage(
    (startKey) => client.send(new ScanCommand({ TableName: from, ExclusiveStartKey: startKey })),
    async (page) => {
      const items = (page.Items ?? []).map(withIndexAttributes);
      await batchWrite(
        client,
        to,
        items.map((Item) => ({ PutRequest: { Item } })),
      );
      copied += items.length;
    },
  );
  return copied;
}

function withIndexAttributes(item: Item): Item {
  const execution = JSON.parse(str(item, 'doc') ?? '{}') as Partial<Execution>;
  const next = { ...item };
  const labelKeys = searchLabelKeys(execution.labels ?? []);
  if (labelKeys && !next.labelKeys) next.labelKeys = labelKeys;
  if (num(item, 'tickMs') !== undefined && execution.trigger?.id && execution.namespace && execution.flowId && !next.tickOwner) {
    next.tickOwner = s(tickOwnerKey(execution.namespace, execution.flowId, execution.trigger.id));
  }
  return next;
}
