import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../lib/adapters/dynamodb/create-tables';
import { itemSize } from '../../lib/adapters/dynamodb/item-size';
import { storesFor } from '../../lib/adapters/dynamodb/stores';
import { flowKey } from '../../lib/adapters/dynamodb/tables';
import { type LocalDynamo, startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { readSettings } from '../../lib/config';
import { emptyTimeline } from '../../lib/domain/timeline';
import type { TriggerRef } from '../../lib/domain/trigger-state';
import { aBackfill, aTriggerState } from '../support/factories';

/**
 * What the timeline's per-cell counts cost the backfill's row (its own, beside the trigger's),
 * measured on the item DynamoDB stores: every write to the row (the cursor move and the fold of each batch) is billed a write unit per
 * started KB of it, so the row must stay small whatever the window.
 */
const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const NOW = '2026-03-01T12:05:00.000Z';

describe("a backfill row's size with its timeline", () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => dynamo?.close());

  it("stays under 2 KB for the seed's 46,900-tick backfill, from its start to its last fold, about 0.6 to 0.8 KB of it the cells", async () => {
    const tables = readSettings({}).tables;
    await ensureTables(dynamo.client, tables);
    const { triggers } = storesFor(dynamo.client, tables);
    await triggers.createIfAbsent(aTriggerState());
    const seedLike = {
      totalTicks: 46_900,
      labels: [{ key: 'reason', value: 'backfill-outage' }],
      inputs: { region: 'eu-west-1' },
      maxConcurrency: 100,
      flowRevision: 3,
    };
    // The backfill's own row (`<trigger>|<backfillId>`), which every write of it goes to.
    const rowBytes = async (backfillId: string) => {
      const out = await dynamo.client.send(
        new GetItemCommand({
          TableName: tables.triggers,
          Key: { flowKey: { S: flowKey(REF.namespace, REF.flowId) }, triggerId: { S: `${REF.triggerId}|${backfillId}` } },
        }),
      );
      if (!out.Item) throw new Error(`no row for backfill ${backfillId}`);
      return itemSize(out.Item);
    };
    const LIMITS = { maxActive: 10 };

    await triggers.startBackfill(REF, aBackfill({ id: 'without', ...seedLike }), NOW, LIMITS);
    const without = await rowBytes('without');
    await triggers.finishBackfill(REF, 'without', 'DELETED', NOW);

    await triggers.startBackfill(REF, aBackfill({ id: 'bf1', ...seedLike, timeline: emptyTimeline(46_900) }), NOW, LIMITS);
    const atStart = await rowBytes('bf1');
    await triggers.advanceBackfill(REF, 'bf1', aBackfill().cursorMs, { cursorMs: 1, currentDate: 'x', dispatchedDelta: 46_900, openedPage: 'p' });
    // Every cell full (235 ticks), a few with failures: the row at its largest.
    const cells = Array.from({ length: 200 }, (_, cell) => ({ cell, ended: 235, failed: cell % 50 === 0 ? 12 : 0 }));
    expect(await triggers.foldPages(REF, 'bf1', [{ pageId: 'p', ended: 46_900, failed: 48, killed: 0 }], { timeline: { cells: cells.slice(0, 100) } })).toBe(
      true,
    );
    await triggers.advanceBackfill(REF, 'bf1', 1, { cursorMs: 2, currentDate: 'x', dispatchedDelta: 0, openedPage: 'q' });
    expect(await triggers.foldPages(REF, 'bf1', [{ pageId: 'q', ended: 0, failed: 0, killed: 0 }], { timeline: { cells: cells.slice(100) } })).toBe(true);
    const atEnd = await rowBytes('bf1');

    console.log(`backfill row: ${without} B without cells, ${atStart} B with 200 empty cells, ${atEnd} B with 200 full ones`);
    expect(atStart - without).toBeGreaterThan(500);
    expect(atStart - without).toBeLessThan(700);
    expect(atEnd - without).toBeLessThan(1000);
    expect(atEnd).toBeLessThan(2048);
  });
});
