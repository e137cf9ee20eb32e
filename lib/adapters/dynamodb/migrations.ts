import { DeleteTableCommand, DescribeTableCommand, type DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type Item, batchWrite, eachPage, s, str, whenConditionHolds } from './client';
import { createTable, exists } from './create-tables';
import { flowRegistryItem, fromExecutionItem, isExecutionItem, toExecutionItem } from './execution-item';
import { EXECUTIONS_TABLE } from './tables';

/**
 * Local data folders made by an earlier version: their executions table lacks indexes this version
 * reads (the sharded search, unfinished and tick indexes, the flow registry, the search index that
 * projects trigger ids and end dates), and its items lack the attributes those indexes key on or project. dynalite cannot add or change a global secondary index in place, so the table is
 * rebuilt: copied into `<name>-rebuild` with the new attributes, dropped, created anew and copied
 * back. Each step can be interrupted; the next start resumes from the table names it finds.
 * Returns how many executions were carried over (0 when nothing needed doing).
 */
export async function rebuildOutdatedExecutions(client: DynamoDBClient, name: string): Promise<number> {
  const spare = `${name}-rebuild`;
  const create = (table: string) => createTable(client, EXECUTIONS_TABLE, table);
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

/**
 * Whether the table has exactly the indexes of the definition, keyed and projected as it says (the
 * attributes an INCLUDE projection copies too: an index that lacks one cannot filter on it).
 */
async function isCurrent(client: DynamoDBClient, name: string): Promise<boolean> {
  const described = await client.send(new DescribeTableCommand({ TableName: name }));
  const shape = (index: { name?: string; partitionKey?: string; sortKey?: string; projection?: string; nonKeyAttributes?: string[] }) =>
    JSON.stringify([index.name, index.partitionKey, index.sortKey ?? null, index.projection, [...(index.nonKeyAttributes ?? [])].sort()]);
  const found = (described.Table?.GlobalSecondaryIndexes ?? []).map((index) =>
    shape({
      name: index.IndexName,
      partitionKey: index.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName,
      sortKey: index.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName,
      projection: index.Projection?.ProjectionType,
      nonKeyAttributes: index.Projection?.NonKeyAttributes,
    }),
  );
  const wanted = EXECUTIONS_TABLE.indexes.map((index) =>
    shape({
      name: index.name,
      partitionKey: index.partitionKey.name,
      sortKey: index.sortKey?.name,
      projection: index.projection,
      nonKeyAttributes: index.nonKeyAttributes,
    }),
  );
  return found.length === wanted.length && wanted.every((w) => found.includes(w));
}

/**
 * Copies every item as this version writes it (its index attributes derived anew from the document
 * and origin; a lease kept), and the registry item of each flow met; writes are puts, so a repeat is harmless.
 */
async function copy(client: DynamoDBClient, from: string, to: string): Promise<number> {
  // Page by page, never the whole table in memory; each page is written before the next is read.
  let copied = 0;
  await eachPage(
    (startKey) => client.send(new ScanCommand({ TableName: from, ExclusiveStartKey: startKey })),
    async (page) => {
      const items = (page.Items ?? []).map(asThisVersionWrites);
      const registry = new Map<string, Item>();
      for (const item of page.Items ?? []) {
        if (!isExecutionItem(item)) continue;
        const { execution } = fromExecutionItem(item);
        const entry = flowRegistryItem(execution.namespace, execution.flowId);
        registry.set(entry.id?.S ?? '', entry);
      }
      // A registry item already in the page is written once: BatchWriteItem refuses a key twice.
      const requests = [...items.filter((item) => !registry.has(item.id?.S ?? '')), ...registry.values()];
      await batchWrite(
        client,
        to,
        requests.map((Item) => ({ PutRequest: { Item } })),
      );
      copied += items.filter(isExecutionItem).length;
    },
  );
  return copied;
}

function asThisVersionWrites(item: Item): Item {
  if (!isExecutionItem(item)) return item; // a registry item
  const next = toExecutionItem(fromExecutionItem(item));
  if (item.leaseToken) next.leaseToken = item.leaseToken;
  if (item.leaseUntil) next.leaseUntil = item.leaseUntil;
  return next;
}

/**
 * The attributes of the active backfill that versions before several backfills per trigger kept on
 * the trigger's main row (each backfill now has a row of its own: see DynamoTriggerStore). The ended
 * one's are every attribute named `lastBackfill…`.
 */
const ACTIVE_BACKFILL_ATTRIBUTES = [
  'backfillId',
  'backfillDoc',
  'cursorMs',
  'currentDate',
  'paused',
  'maxConcurrency',
  'dispatched',
  'skipped',
  'openPages',
  'ended',
  'failed',
  'killed',
  'rateSamples',
  'pausedReason',
  'failureBaseline',
  'rebaseFailures',
  'cancelling',
  'timeline',
  'generation',
  'executionName',
  'taskToken',
];

const isEndedBackfillAttribute = (name: string) => name.startsWith('lastBackfill');

/**
 * Triggers tables written by versions with one backfill per trigger: the trigger's main row holds
 * its active backfill and its last ended one (summary and notification outbox). Each is copied to a
 * row of its own (`<trigger>|<backfillId>`, attributes as they are), then removed from the main row.
 * Idempotent and resumable: a copy is written only where no row of that backfill exists (one left by
 * a run cut short is kept, since this version may have written to it since), and the removal holds
 * only while the main row still holds those very backfills. Backfills must not run meanwhile (no
 * process of the previous version writes to the main row). Returns how many backfills it moved.
 */
export async function moveBackfillsToOwnRows(client: DynamoDBClient, table: string): Promise<number> {
  let moved = 0;
  await eachPage(
    (startKey) =>
      client.send(
        new ScanCommand({
          TableName: table,
          // Main rows (a backfill's own row has `trigger`) that still hold a backfill.
          FilterExpression: 'attribute_not_exists(#trigger) AND (attribute_exists(backfillId) OR attribute_exists(lastBackfillId))',
          ExpressionAttributeNames: { '#trigger': 'trigger' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      ),
    async (page) => {
      for (const main of page.Items ?? []) moved += await moveOut(client, table, main);
    },
  );
  return moved;
}

/** Moves one main row's backfills to their own rows; returns how many it moved (0 when the row changed meanwhile). */
async function moveOut(client: DynamoDBClient, table: string, main: Item): Promise<number> {
  const trigger = str(main, 'triggerId') ?? '';
  const activeId = str(main, 'backfillId');
  const endedId = str(main, 'lastBackfillId');
  const common: Item = { flowKey: main.flowKey ?? s(''), trigger: s(trigger) };
  if (main.namespace) common.namespace = main.namespace;
  if (main.flowId) common.flowId = main.flowId;
  const pick = (keep: (name: string) => boolean): Item => Object.fromEntries(Object.entries(main).filter(([name]) => keep(name)));
  const rows: Item[] = [];
  if (activeId) {
    rows.push({ ...common, triggerId: s(`${trigger}|${activeId}`), ...pick((name) => name === 'updatedDate' || ACTIVE_BACKFILL_ATTRIBUTES.includes(name)) });
  }
  if (endedId) {
    // Its row's `updatedDate` is when it ended (rows that did not record that fall back to the main row's).
    const updatedDate = main.lastBackfillEndedDate ?? main.updatedDate;
    rows.push({ ...common, triggerId: s(`${trigger}|${endedId}`), ...(updatedDate ? { updatedDate } : {}), ...pick(isEndedBackfillAttribute) });
  }
  for (const row of rows) {
    await whenConditionHolds(() => client.send(new PutItemCommand({ TableName: table, Item: row, ConditionExpression: 'attribute_not_exists(triggerId)' })));
  }
  const removed = Object.keys(main).filter((name) => ACTIVE_BACKFILL_ATTRIBUTES.includes(name) || isEndedBackfillAttribute(name));
  const conditions = [...(activeId ? ['backfillId = :active'] : []), ...(endedId ? ['lastBackfillId = :ended'] : [])];
  const names = Object.fromEntries(removed.map((name, i) => [`#a${i}`, name]));
  const done = await whenConditionHolds(() =>
    client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { flowKey: main.flowKey ?? s(''), triggerId: s(trigger) },
        UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...(activeId ? { ':active': s(activeId) } : {}), ...(endedId ? { ':ended': s(endedId) } : {}) },
      }),
    ),
  );
  return done ? rows.length : 0;
}
