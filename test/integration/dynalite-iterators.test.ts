import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { abstractLevelCopies, closeDynaliteIterators } from '../../lib/adapters/local/dynalite-iterator-fix';
import { type LocalDynamo, startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { waitFor } from '../support/local';

/**
 * dynalite 4.0.0 never closed the abstract-level iterators behind its Query and Scan streams
 * (lib/local/dynalite-iterator-fix.ts). Observable: every abstract-level iterator registers itself
 * with its database (`attachResource`) and unregisters when closed (`detachResource`); we count the
 * registered iterators of dynalite's own abstract-level copy.
 */
interface Resource {
  close(): Promise<void>;
}
interface AbstractLevelPrototype {
  attachResource(resource: Resource): void;
  detachResource(resource: Resource): void;
}

const open = new Set<Resource>();
let created = 0;
const restore: Array<() => void> = [];

function countIterators() {
  for (const copy of abstractLevelCopies()) {
    const module = copy as unknown as { AbstractLevel: { prototype: AbstractLevelPrototype } } & Record<
      'AbstractIterator' | 'AbstractKeyIterator' | 'AbstractValueIterator',
      { prototype: object }
    >;
    const iteratorPrototypes = [module.AbstractIterator.prototype, module.AbstractKeyIterator.prototype, module.AbstractValueIterator.prototype];
    const isIterator = (resource: Resource) => iteratorPrototypes.some((p) => p.isPrototypeOf(resource));
    const proto = module.AbstractLevel.prototype;
    const { attachResource, detachResource } = proto;
    proto.attachResource = function (resource) {
      if (isIterator(resource)) {
        created++;
        open.add(resource);
      }
      return attachResource.call(this, resource);
    };
    proto.detachResource = function (resource) {
      open.delete(resource);
      return detachResource.call(this, resource);
    };
    restore.push(() => Object.assign(proto, { attachResource, detachResource }));
  }
}

const TABLE = 'leak-probe';
const ITEMS = 120; // 4 partitions of 30
const ROUNDS = 25;

async function seed(dynamo: LocalDynamo) {
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gpk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-g',
          KeySchema: [
            { AttributeName: 'gpk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
  // dynalite answers CreateTable with CREATING and flips to ACTIVE a moment later; writes before that fail.
  const active = await waitFor(
    async () => (await dynamo.client.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableStatus === 'ACTIVE',
    5_000,
    10,
  );
  expect(active, 'table ACTIVE').toBe(true);
  const items = Array.from({ length: ITEMS }, (_, i) => ({
    pk: { S: `p${i % 4}` },
    sk: { S: String(i).padStart(4, '0') },
    gpk: { S: `g${i % 2}` },
  }));
  for (let i = 0; i < items.length; i += 25) {
    await dynamo.client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

/** Every way the product reads: whole partitions, a Limit that stops the stream early, a GSI, Scans whole and paged. */
async function readEveryWay(dynamo: LocalDynamo) {
  const send = dynamo.client.send.bind(dynamo.client);
  const pk = (p: string) => ({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: p } } });
  const whole = await send(new QueryCommand({ TableName: TABLE, ...pk('p1') }));
  expect(whole.Count).toBe(30);
  const limited = await send(new QueryCommand({ TableName: TABLE, ...pk('p2'), Limit: 3 }));
  expect(limited.Count).toBe(3);
  expect(limited.LastEvaluatedKey).toBeDefined();
  const gsi = await send(
    new QueryCommand({ TableName: TABLE, IndexName: 'by-g', KeyConditionExpression: 'gpk = :g', ExpressionAttributeValues: { ':g': { S: 'g0' } }, Limit: 7 }),
  );
  expect(gsi.Count).toBe(7);
  const scan = await send(new ScanCommand({ TableName: TABLE }));
  expect(scan.Count).toBe(ITEMS);
  const page = await send(new ScanCommand({ TableName: TABLE, Limit: 10 }));
  expect(page.Count).toBe(10);
}
const READS_PER_ROUND = 5;

beforeAll(countIterators);
afterAll(() => {
  for (const undo of restore) undo();
});

describe.each([
  ['in memory (memory-level)', false],
  ['on disk (classic-level)', true],
])('dynalite %s', (_name, onDisk) => {
  let dynamo: LocalDynamo;
  let dir: string | undefined;

  beforeAll(async () => {
    dir = onDisk ? mkdtempSync(join(tmpdir(), 'dynalite-iterators-')) : undefined;
    dynamo = await startLocalDynamo(dir && join(dir, 'dynamodb'));
    await seed(dynamo);
  });
  afterAll(async () => {
    await dynamo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('closes the iterator of every Query and Scan, read to the end or stopped early', async () => {
    const createdBefore = created;
    for (let round = 0; round < ROUNDS; round++) await readEveryWay(dynamo);
    // dynalite answers before the stream's destroy() has closed the iterator: poll, bounded.
    const drained = await waitFor(async () => open.size === 0, 5_000, 20);
    expect(created - createdBefore, 'the reads went through abstract-level iterators').toBeGreaterThanOrEqual(ROUNDS * READS_PER_ROUND);
    expect(drained ? 0 : open.size, `iterators still open after ${ROUNDS * READS_PER_ROUND} reads`).toBe(0);
  });

  it('closes them when a table is deleted too (dynalite streams its keys to delete them)', async () => {
    const createdBefore = created;
    await dynamo.client.send(new DeleteTableCommand({ TableName: TABLE }));
    const gone = await waitFor(
      () =>
        dynamo.client.send(new DescribeTableCommand({ TableName: TABLE })).then(
          () => false,
          (e) => e.name === 'ResourceNotFoundException',
        ),
      5_000,
      20,
    );
    expect(gone).toBe(true);
    const drained = await waitFor(async () => open.size === 0, 5_000, 20);
    expect(created - createdBefore, 'deleting went through abstract-level iterators').toBeGreaterThan(0);
    expect(drained ? 0 : open.size).toBe(0);
  });
});

describe('the fix itself', () => {
  it('is idempotent and patches the abstract-level copy dynalite resolves', () => {
    closeDynaliteIterators();
    const copies = abstractLevelCopies();
    const before = copies.map((c) => c.AbstractValueIterator?.prototype.return);
    closeDynaliteIterators();
    expect(copies.map((c) => c.AbstractValueIterator?.prototype.return)).toEqual(before);
    expect(before.every((fn) => typeof fn === 'function')).toBe(true);
    // The very module dynalite's in-memory backend loads.
    const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const memoryLevel = createRequire(fromDynalite.resolve('memory-level'));
    expect(copies).toContain(memoryLevel('abstract-level'));
  });
});
