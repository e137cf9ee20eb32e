import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { eachPage } from '../../lib/adapters/dynamodb/client';
import { seededRandom } from '../support/seeded-random';

/**
 * dynalite 4.0.0 wrote an item's index entries and the item apart, so a process killed in between
 * left index entries without their item (lib/adapters/local/dynalite-atomic-writes.ts). A busy writer
 * process (test/support/busy-dynalite-writer.ts: 32 writers creating items and moving index sort
 * keys) is SIGKILLed at seeded points; after each kill the data folder must hold exactly one index
 * entry per item, with the item's own keys. Without the fix, each kill leaves orphans.
 */
const WRITER = join(import.meta.dirname, '..', 'support', 'busy-dynalite-writer.ts');
const folder = mkdtempSync(join(tmpdir(), 'dynalite-kill-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Starts the writer on `folder`, SIGKILLs it once it has written `writes` times (or after 60 s), and waits for its end. */
async function killWriterAfter(writes: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, folder], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reached = await new Promise<number>((resolve) => {
    const deadline = setTimeout(() => resolve(0), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      const counts = [...d.toString().matchAll(/written (\d+)/g)].map((m) => Number(m[1]));
      const last = counts.at(-1) ?? 0;
      if (last >= writes) {
        clearTimeout(deadline);
        resolve(last);
      }
    });
    child.once('exit', () => {
      clearTimeout(deadline);
      resolve(0);
    });
  });
  child.kill('SIGKILL');
  await exited;
  if (reached === 0) throw new Error(`the writer never reached ${writes} writes: ${stderr}`);
  return reached;
}

/** Every item's `id → sortKey`, and every index entry's, read from the data folder by a fresh dynalite. */
async function itemsAndIndexEntries(): Promise<{ items: Map<string, string>; entries: string[] }> {
  const dynamo = await startLocalDynamo(folder);
  try {
    const items = new Map<string, string>();
    await eachPage(
      (start) => dynamo.client.send(new ScanCommand({ TableName: 'kill-probe', ExclusiveStartKey: start })),
      (page) => {
        for (const item of page.Items ?? []) items.set(item.id?.S ?? '', item.sortKey?.S ?? '');
      },
    );
    const entries: string[] = [];
    await eachPage(
      (start) =>
        dynamo.client.send(
          new QueryCommand({
            TableName: 'kill-probe',
            IndexName: 'byGroup',
            KeyConditionExpression: '#g = :g',
            ExpressionAttributeNames: { '#g': 'group' },
            ExpressionAttributeValues: { ':g': { S: 'g' } },
            ExclusiveStartKey: start,
          }),
        ),
      (page) => {
        for (const entry of page.Items ?? []) entries.push(`${entry.id?.S}=${entry.sortKey?.S}`);
      },
    );
    return { items, entries };
  } finally {
    await dynamo.close();
  }
}

describe('dynalite writes an item and its index entries together', () => {
  it('leaves no index entry without its item, and none stale, after SIGKILLs mid-write', async () => {
    const random = seededRandom(11);
    for (let round = 0; round < 3; round++) {
      await killWriterAfter(200 + Math.floor(random() * 600));
      const { items, entries } = await itemsAndIndexEntries();
      expect(items.size).toBeGreaterThan(0);
      const expected = new Set([...items].map(([id, sortKey]) => `${id}=${sortKey}`));
      const found = new Set(entries);
      // Named, not counted, so a failure shows which entries went wrong (the first few of each kind).
      const orphans = entries.filter((entry) => !expected.has(entry)).slice(0, 5);
      const unindexed = [...expected].filter((entry) => !found.has(entry)).slice(0, 5);
      expect({ orphans, unindexed, duplicated: entries.length - found.size }).toEqual({ orphans: [], unindexed: [], duplicated: 0 });
    }
  }, 240_000);
});
