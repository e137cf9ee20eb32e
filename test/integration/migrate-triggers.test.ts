import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type AttributeValue, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../lib/adapters/dynamodb/create-tables';
import { moveBackfillsToOwnRows } from '../../lib/adapters/dynamodb/migrations';
import { storesFor } from '../../lib/adapters/dynamodb/stores';
import type { TableNames } from '../../lib/adapters/dynamodb/tables';
import { type LocalDynamo, startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { readSettings } from '../../lib/config';
import type { TriggerRef } from '../../lib/domain/trigger-state';
import { startLocal } from '../../local/runtime';
import { aBackfill } from '../support/factories';

/**
 * The move of backfills to rows of their own (moveBackfillsToOwnRows; `npm run migrate:triggers` on
 * AWS, every local start): rows written by the previous version, which kept a trigger's active backfill
 * and its last ended one on the trigger's row, read back through this version's store.
 */
const HOURLY: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const NIGHTLY: TriggerRef = { ...HOURLY, triggerId: 'nightly' };
const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const NEXT_ATTEMPT = Date.parse('2026-03-01T12:11:00Z');

function doc(start: string, end: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    start,
    end,
    inputs: null,
    labels: [{ key: 'why', value: 'outage' }],
    previousNextExecutionDate: '2026-03-01T13:00:00Z',
    totalTicks: 10,
    createdDate: '2026-03-01T12:00:00.000Z',
    reprocess: 'ALL',
    order: 'OLDEST_FIRST',
    flowRevision: 3,
    ...extra,
  });
}

/** `hourly` as the previous version left it: backfill bf2 running (paused, its task token parked), bf1 ended with its notification PENDING. */
function hourlyRow(): Record<string, AttributeValue> {
  return {
    flowKey: S('dev|reports'),
    triggerId: S('hourly'),
    namespace: S('dev'),
    flowId: S('reports'),
    nextExecutionDate: S('2026-03-01T13:00:00Z'),
    disabled: { BOOL: false },
    updatedDate: S('2026-03-01T12:30:00.000Z'),
    date: S('2026-03-01T12:00:00Z'),
    backfillId: S('bf2'),
    backfillDoc: S(doc('2026-02-02T00:00:00Z', '2026-02-02T09:00:00Z')),
    cursorMs: N(Date.parse('2026-02-02T04:00:00Z')),
    currentDate: S('2026-02-02T04:00:00Z'),
    paused: { BOOL: true },
    maxConcurrency: N(5),
    dispatched: N(4),
    skipped: N(1),
    openPages: { SS: ['bf2|p1'] },
    ended: N(2),
    failed: N(1),
    killed: N(0),
    rateSamples: { L: [N(1772366400), N(0)] },
    generation: N(1),
    executionName: S('reports-hourly-bf2-g1'),
    taskToken: S('token-1'),
    lastBackfillId: S('bf1'),
    lastBackfillOutcome: S('COMPLETED'),
    lastBackfillEndedDate: S('2026-03-01T12:10:00.000Z'),
    lastBackfillDoc: S(doc('2026-02-01T00:00:00Z', '2026-02-01T09:00:00Z', { notify: { webhook: 'https://hooks.example.com/x' } })),
    lastBackfillDispatched: N(10),
    lastBackfillSkipped: N(0),
    lastBackfillFailed: N(1),
    lastBackfillKilled: N(0),
    lastBackfillUnfinished: N(0),
    lastBackfillNotifyStatus: S('PENDING'),
    lastBackfillNotifyAttempts: N(1),
    lastBackfillNotifyError: S('answered 503'),
    lastBackfillNotifyNextMs: N(NEXT_ATTEMPT),
    lastBackfillEventSent: { BOOL: true },
  };
}

/** `nightly`: only a last backfill, ended by a version before summaries (its first four fields). */
function nightlyRow(): Record<string, AttributeValue> {
  return {
    flowKey: S('dev|reports'),
    triggerId: S('nightly'),
    namespace: S('dev'),
    flowId: S('reports'),
    disabled: { BOOL: true },
    updatedDate: S('2026-02-20T08:00:00.000Z'),
    lastBackfillId: S('bf0'),
    lastBackfillOutcome: S('DELETED'),
  };
}

/** `daily`: no backfill ever. */
function dailyRow(): Record<string, AttributeValue> {
  return {
    flowKey: S('dev|reports'),
    triggerId: S('daily'),
    namespace: S('dev'),
    flowId: S('reports'),
    disabled: { BOOL: false },
    updatedDate: S('2026-02-20T08:00:00.000Z'),
  };
}

/** The main row's own attributes (its key and live schedule). */
const isLive = (name: string) => ['flowKey', 'triggerId', 'namespace', 'flowId', 'nextExecutionDate', 'disabled', 'updatedDate', 'date'].includes(name);

describe('moving backfills to rows of their own (moveBackfillsToOwnRows, npm run migrate:triggers)', () => {
  let dynamo: LocalDynamo;
  let count = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => dynamo?.close());

  /** New tables with the triggers table holding `rows`. */
  async function tablesWith(rows: Record<string, AttributeValue>[]): Promise<TableNames> {
    const suffix = `-migrate-${++count}`;
    const base = readSettings({}).tables;
    const names = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v + suffix])) as unknown as TableNames;
    await ensureTables(dynamo.client, names);
    for (const Item of rows) await dynamo.client.send(new PutItemCommand({ TableName: names.triggers, Item }));
    return names;
  }

  const mainRow = async (names: TableNames, triggerId: string) =>
    (
      await dynamo.client.send(
        new GetItemCommand({ TableName: names.triggers, Key: { flowKey: S('dev|reports'), triggerId: S(triggerId) }, ConsistentRead: true }),
      )
    ).Item;

  it('moves the active and the last backfill off the main row, once, and the store reads and writes them there', async () => {
    const names = await tablesWith([hourlyRow(), nightlyRow(), dailyRow()]);

    expect(await moveBackfillsToOwnRows(dynamo.client, names.triggers)).toBe(3);
    expect(await moveBackfillsToOwnRows(dynamo.client, names.triggers)).toBe(0);

    expect(Object.keys((await mainRow(names, 'hourly')) ?? {}).sort()).toEqual([
      'date',
      'disabled',
      'flowId',
      'flowKey',
      'namespace',
      'nextExecutionDate',
      'triggerId',
      'updatedDate',
    ]);
    expect(await mainRow(names, 'daily')).toEqual(dailyRow());
    const { triggers } = storesFor(dynamo.client, names);
    const hourly = await triggers.get(HOURLY);
    expect(hourly).toMatchObject({ nextExecutionDate: '2026-03-01T13:00:00Z', date: '2026-03-01T12:00:00Z', updatedDate: '2026-03-01T12:30:00.000Z' });
    expect(hourly?.backfills).toEqual([
      aBackfill({
        id: 'bf2',
        start: '2026-02-02T00:00:00Z',
        end: '2026-02-02T09:00:00Z',
        labels: [{ key: 'why', value: 'outage' }],
        flowRevision: 3,
        cursorMs: Date.parse('2026-02-02T04:00:00Z'),
        currentDate: '2026-02-02T04:00:00Z',
        paused: true,
        maxConcurrency: 5,
        dispatched: 4,
        skipped: 1,
        openPages: ['bf2|p1'],
        ended: 2,
        failed: 1,
        rateSamples: [{ atMs: 1772366400_000, ended: 0 }],
        generation: 1,
        executionName: 'reports-hourly-bf2-g1',
      }),
    ]);
    expect(hourly?.lastBackfill).toEqual({
      id: 'bf1',
      outcome: 'COMPLETED',
      endedDate: '2026-03-01T12:10:00.000Z',
      start: '2026-02-01T00:00:00Z',
      end: '2026-02-01T09:00:00Z',
      createdDate: '2026-03-01T12:00:00.000Z',
      labels: [{ key: 'why', value: 'outage' }],
      reprocess: 'ALL',
      flowRevision: 3,
      latestRevision: false,
      order: 'OLDEST_FIRST',
      counts: { total: 10, dispatched: 10, succeeded: 9, failed: 1, killed: 0, skipped: 0, unfinished: 0 },
      notify: {
        webhook: 'https://hooks.example.com/x',
        status: 'PENDING',
        attempts: 1,
        lastError: 'answered 503',
        nextAttemptMs: NEXT_ATTEMPT,
        eventSent: true,
      },
    });
    expect(await triggers.get(NIGHTLY)).toMatchObject({
      backfills: [],
      lastBackfill: { id: 'bf0', outcome: 'DELETED', endedDate: '2026-02-20T08:00:00.000Z' },
    });
    expect((await triggers.listWithBackfill()).map((state) => [state.triggerId, state.backfills.map((b) => b.id)])).toEqual([['hourly', ['bf2']]]);
    expect((await triggers.listPendingNotifications()).map((pending) => [pending.ref, pending.lastBackfill.id])).toEqual([[HOURLY, 'bf1']]);

    // The moved backfill goes on where it was: its parked token, its cursor, its outbox.
    expect((await triggers.setBackfillPaused(HOURLY, 'bf2', false, '2026-03-01T12:40:00.000Z'))?.taskToken).toBe('token-1');
    const cursor = Date.parse('2026-02-02T04:00:00Z');
    expect(
      await triggers.advanceBackfill(HOURLY, 'bf2', cursor, { cursorMs: cursor + 3_600_000, currentDate: '2026-02-02T05:00:00Z', dispatchedDelta: 1 }),
    ).toBe(true);
    expect((await triggers.claimNotification(HOURLY, 'bf1', NEXT_ATTEMPT, NEXT_ATTEMPT + 60_000))?.notify).toMatchObject({ attempts: 2 });
    // And a new backfill starts beside it, on a window of its own.
    await triggers.startBackfill(HOURLY, aBackfill({ id: 'bf3' }), '2026-03-01T12:45:00.000Z', { maxActive: 10 });
    expect((await triggers.get(HOURLY))?.backfills.map((b) => b.id)).toEqual(['bf3', 'bf2']);
  });

  it('goes on after a run cut short between the copy and the removal, keeping the copy (this version may have written to it since)', async () => {
    const names = await tablesWith([hourlyRow()]);
    // What the cut-short run left: bf2's copy, moved on since by this version; the main row still whole.
    const copy = Object.fromEntries(Object.entries(hourlyRow()).filter(([name]) => !name.startsWith('lastBackfill')));
    await dynamo.client.send(
      new PutItemCommand({ TableName: names.triggers, Item: { ...copy, triggerId: S('hourly|bf2'), trigger: S('hourly'), dispatched: N(7) } }),
    );

    await moveBackfillsToOwnRows(dynamo.client, names.triggers);

    const { triggers } = storesFor(dynamo.client, names);
    const hourly = await triggers.get(HOURLY);
    expect(hourly?.backfills.map((b) => [b.id, b.dispatched])).toEqual([['bf2', 7]]);
    expect(hourly?.lastBackfill?.id).toBe('bf1');
    expect((await mainRow(names, 'hourly'))?.backfillId).toBeUndefined();
    expect(await moveBackfillsToOwnRows(dynamo.client, names.triggers)).toBe(0);
  });

  it('runs at a local start, which says how many it moved', async () => {
    // The default table names, as a data folder of the previous version has them; only an ended backfill (delivered), so nothing runs.
    const names = readSettings({}).tables;
    await ensureTables(dynamo.client, names);
    const ended = Object.fromEntries(Object.entries(hourlyRow()).filter(([name]) => name.startsWith('lastBackfill') || isLive(name)));
    await dynamo.client.send(new PutItemCommand({ TableName: names.triggers, Item: { ...ended, lastBackfillNotifyStatus: S('DELIVERED') } }));
    const lines: string[] = [];

    const runtime = await startLocal({ port: 0, dynamoEndpoint: dynamo.endpoint, log: (line) => lines.push(line) });
    try {
      expect(lines).toContain('data folder from an older version: moved 1 backfills to rows of their own in the triggers table');
      expect((await runtime.deps.triggers.get(HOURLY))?.lastBackfill).toMatchObject({ id: 'bf1', notify: { status: 'DELIVERED' } });
      expect((await mainRow(names, 'hourly'))?.lastBackfillId).toBeUndefined();
    } finally {
      await runtime.close();
    }
  });

  it('runs as a command (npm run migrate:triggers)', async () => {
    const names = await tablesWith([hourlyRow()]);
    const run = () =>
      promisify(execFile)('npx', ['tsx', 'tools/migrate-triggers.ts', '--table', names.triggers, '--endpoint', dynamo.endpoint, '--region', 'local'], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      });

    expect((await run()).stdout).toContain(`${names.triggers}: moved 2 backfills to rows of their own`);
    expect((await run()).stdout).toContain(`${names.triggers}: moved 0 backfills to rows of their own`);
    expect((await storesFor(dynamo.client, names).triggers.get(HOURLY))?.backfills.map((b) => b.id)).toEqual(['bf2']);
  });
});
