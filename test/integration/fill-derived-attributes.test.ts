import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type AttributeValue, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createTable } from '../../lib/adapters/dynamodb/create-tables';
import { flowRegistryItem, toExecutionItem } from '../../lib/adapters/dynamodb/execution-item';
import { DynamoExecutionStore } from '../../lib/adapters/dynamodb/execution-store';
import { type FillProgress, fillDerivedAttributes } from '../../lib/adapters/dynamodb/fill-derived-attributes';
import { EXECUTIONS_TABLE } from '../../lib/adapters/dynamodb/tables';
import { type LocalDynamo, startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { type StateType, restartedState } from '../../lib/domain/execution';
import type { StoredExecution } from '../../lib/ports';
import { aStoredExecution } from '../support/factories';

/**
 * The one-off rewrite of a deployed executions table (tools/fill-execution-attributes.ts) on dynalite:
 * items written by the previous version (no trigger id, no end date) or by one before the sharded
 * indexes (none of the derived attributes) come out as this version writes them; other items are
 * left alone; a write of the service racing it wins; an interrupted run goes on from its progress.
 */
const ITEMS = 60;
const STATES: StateType[] = ['CREATED', 'RUNNING', 'SUCCESS', 'FAILED', 'KILLED'];
/** What the previous version did not write, and what versions before the sharded indexes did not. */
const NEW_IN_V2 = ['triggerId', 'endMs'];
const DERIVED = ['searchShard', 'sortKey', 'labelKeys', 'tickShard', 'pendingShard', 'pendingTick', ...NEW_IN_V2];

function executions(prefix: string): StoredExecution[] {
  return Array.from({ length: ITEMS }, (_, i) =>
    aStoredExecution({
      id: `${prefix}${String(i).padStart(3, '0')}`,
      createdAt: new Date(Date.parse('2026-03-01T00:00:00Z') + i * 60_000).toISOString(),
      state: STATES[i % STATES.length],
      triggerId: i % 4 === 0 ? null : i % 4 === 1 ? 'daily' : 'hourly',
      labels: i % 3 ? [{ key: 'reason', value: 'outage' }] : [],
      backfillId: 'bf1',
      tickMs: Date.parse('2026-02-01T00:00:00Z') + i * 3_600_000,
    }),
  );
}

/** How many executions of `stored` trigger `triggerId` made. */
const ofTrigger = (triggerId: string, stored: StoredExecution[]) => stored.filter(({ execution }) => execution.trigger?.id === triggerId).length;

/** How many of the previous version's items lack something: those with a trigger or an end. */
const lacking = (stored: StoredExecution[]) => stored.filter(({ execution }) => execution.trigger || execution.state.endDate).length;

/** An item as plain values: binary as base64 (the SDK reads a Uint8Array, we write a Buffer), sets sorted. */
function comparable(item: Record<string, AttributeValue> | undefined) {
  return Object.fromEntries(
    Object.entries(item ?? {}).map(([name, value]) => [
      name,
      value.B ? { B: Buffer.from(value.B).toString('base64') } : value.SS ? { SS: [...value.SS].sort() } : value,
    ]),
  );
}

/** The item as an older version wrote it: this version's, less `dropped`. */
function olderItem(stored: StoredExecution, dropped: string[]) {
  const item = toExecutionItem(stored);
  for (const name of dropped) delete item[name];
  return item;
}

describe('filling in the attributes an older version did not write (tools/fill-execution-attributes.ts)', () => {
  let dynamo: LocalDynamo;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => dynamo?.close());

  /** A new executions table holding `items`, a registry item and a ledger page. */
  async function tableWith(items: ReturnType<typeof olderItem>[]): Promise<string> {
    const table = `executions-fill-${tables++}`;
    await createTable(dynamo.client, EXECUTIONS_TABLE, table);
    for (const Item of [...items, flowRegistryItem('dev', 'reports'), { id: { S: '~page|bf1|0' }, backfillId: { S: 'bf1' }, sentAt: { S: 'x' } }]) {
      await dynamo.client.send(new PutItemCommand({ TableName: table, Item }));
    }
    return table;
  }

  async function allItems(table: string) {
    const out = await dynamo.client.send(new ScanCommand({ TableName: table }));
    return new Map((out.Items ?? []).map((item) => [item.id?.S ?? '', item]));
  }

  it('writes the missing attributes as this version writes them, mends a stale end date, leaves every other item and attribute as it was, and resumes where it was stopped', async () => {
    const previous = executions('v1-');
    const ancient = executions('v0-');
    const current = executions('v2-');
    // Restarted by a previous version's function still running while this one was deployed: it kept the end date.
    const stale = executions('stale-')
      .filter(({ execution }) => execution.state.current === 'FAILED')
      .map((stored) => ({ ...stored, execution: { ...stored.execution, state: restartedState(stored.execution.state, new Date('2026-03-05T00:00:00Z')) } }));
    const table = await tableWith([
      ...previous.map((stored) => olderItem(stored, NEW_IN_V2)),
      ...ancient.map((stored) => olderItem(stored, DERIVED)),
      ...current.map((stored) => toExecutionItem(stored)),
      ...stale.map((stored) => ({ ...toExecutionItem(stored), endMs: { N: String(Date.parse('2026-03-04T00:00:00Z')) } })),
    ]);
    const before = await allItems(table);
    // The filters find none of the older executions yet: their index entries lack what they filter on.
    const store = new DynamoExecutionStore(dynamo.client, table);
    const hourly = { namespace: 'dev', flowId: 'reports', triggerId: [{ operation: 'EQUALS' as const, values: ['hourly'] }], page: 1, size: 1000 };
    expect((await store.search(hourly)).total).toBe(ofTrigger('hourly', [...current, ...stale]));

    // Stopped after its third page (as a killed run would be): the progress saved is the second page's.
    const saved: FillProgress[] = [];
    await expect(
      fillDerivedAttributes(dynamo.client, table, {
        segments: 3,
        pageSize: 10,
        onProgress: (progress) => {
          if (saved.length === 2) throw new Error('stopped');
          saved.push(progress);
        },
      }),
    ).rejects.toThrow('stopped');
    const resumed = await fillDerivedAttributes(dynamo.client, table, { resume: saved.at(-1), pageSize: 10 });

    expect(resumed.next).toEqual(['done', 'done', 'done']);
    // Every item read once (the page done twice is counted once: its first run's progress was not saved).
    const scanned = 3 * ITEMS + stale.length + 2;
    expect(resumed.counts).toEqual({ scanned, filled: expect.any(Number), contended: 0 });
    expect(resumed.counts.filled).toBeLessThanOrEqual(lacking(previous) + ITEMS + stale.length);
    const after = await allItems(table);
    for (const stored of [...previous, ...ancient, ...current, ...stale]) {
      expect(comparable(after.get(stored.execution.id)), stored.execution.id).toEqual(comparable(toExecutionItem(stored)));
    }
    for (const id of ['~flow|dev|reports', '~page|bf1|0']) expect(comparable(after.get(id))).toEqual(comparable(before.get(id)));
    expect((await store.search(hourly)).total).toBe(ofTrigger('hourly', [...previous, ...ancient, ...current, ...stale]));
    const ended = await store.search({ namespace: 'dev', flowId: 'reports', endDate: { from: '2026-03-01T00:00:00.000Z' }, page: 1, size: 1000 });
    expect(ended.total).toBe(3 * 36); // and none of the restarted ones
    const byTick = await store.statesByTick({ namespace: 'dev', flowId: 'reports', triggerId: 'daily' }, 0, Date.now());
    expect([...byTick.values()].flat()).toHaveLength(ofTrigger('daily', [...previous, ...ancient, ...current, ...stale]));

    // Done: a run from the final progress reads nothing, and a new run finds nothing to fill.
    expect((await fillDerivedAttributes(dynamo.client, table, { resume: resumed })).counts).toEqual(resumed.counts);
    expect((await fillDerivedAttributes(dynamo.client, table)).counts).toEqual({ scanned, filled: 0, contended: 0 });
  });

  it("never overwrites what the service wrote meanwhile: a restart that took an execution's end away keeps it away", async () => {
    // Without a trigger: the restart writes no attribute the rewrite sets, so only the condition on the document stands in its way.
    const [failed] = executions('race-').filter(({ execution }) => execution.state.current === 'FAILED' && !execution.trigger);
    if (!failed) throw new Error('the fixture has FAILED executions without a trigger');
    const table = await tableWith([olderItem(failed, NEW_IN_V2)]);
    const store = new DynamoExecutionStore(dynamo.client, table);
    const id = failed.execution.id;
    // The service restarts the execution after the rewrite read it and before its update lands.
    const send = dynamo.client.send.bind(dynamo.client);
    let raced = false;
    const spy = vi.spyOn(dynamo.client, 'send').mockImplementation((async (command: unknown, ...rest: unknown[]) => {
      if (!raced && command instanceof UpdateItemCommand && command.input.Key?.id?.S === id && command.input.UpdateExpression?.includes('#a0')) {
        raced = true;
        expect((await store.restart(id, new Date('2026-03-05T00:00:00Z'))).outcome).toBe('RESTARTED');
      }
      return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof dynamo.client.send);
    onTestFinished(() => spy.mockRestore());

    const done = await fillDerivedAttributes(dynamo.client, table, { segments: 1 });

    expect(raced).toBe(true);
    expect(done.counts).toMatchObject({ filled: 0, contended: 0 });
    const item = (await dynamo.client.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } } }))).Item;
    expect(item?.state).toEqual({ S: 'RESTARTED' });
    expect(item?.endMs).toBeUndefined();
    expect(item?.triggerId).toBeUndefined();
    expect((await store.search({ namespace: 'dev', flowId: 'reports', endDate: {}, page: 1, size: 10 })).total).toBe(0);
  });

  it('runs as a command: a table and a progress file, which a second run goes on from', async () => {
    const table = await tableWith(executions('cli-').map((stored) => olderItem(stored, NEW_IN_V2)));
    const dir = mkdtempSync(join(tmpdir(), 'fill-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const progress = join(dir, 'progress.json');
    const run = () =>
      promisify(execFile)(
        'npx',
        [
          'tsx',
          'tools/fill-execution-attributes.ts',
          '--table',
          table,
          '--segments',
          '2',
          '--progress',
          progress,
          '--endpoint',
          dynamo.endpoint,
          '--region',
          'local',
        ],
        { env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } },
      );

    const filled = lacking(executions('cli-'));
    expect((await run()).stdout).toContain(`${table}: ${ITEMS + 2} items scanned, ${filled} filled, 0 changing on every try`);
    expect(JSON.parse(readFileSync(progress, 'utf8'))).toMatchObject({ table, segments: 2, next: ['done', 'done'] });
    const again = (await run()).stdout;
    expect(again).toContain(`going on from ${progress}`);
    expect(again).toContain(`${ITEMS + 2} items scanned, ${filled} filled`);
    const store = new DynamoExecutionStore(dynamo.client, table);
    expect(
      (await store.search({ namespace: 'dev', flowId: 'reports', triggerId: [{ operation: 'IN', values: ['hourly', 'daily'] }], page: 1, size: 100 })).total,
    ).toBe(45);
  });
});
