import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LedgerPage, SlotMark } from '../../domain/ledger';
import type { DispatchLedger } from '../../ports';
import { mapLimit } from '../../util/map-limit';
import { type Item, batchGet, batchWrite, isConditionFailed, s, str, whenConditionHolds } from './client';

/** Page items live in the executions table beside the executions, under ids no execution id can take (see isExecutionItem). */
const PAGE_PREFIX = '~page|';

/**
 * The dispatch ledger's pages (see LedgerPage), one small item each in the executions table: the
 * worker that writes an execution can mark its page in the same table, and no index sees them.
 * A page of 100 ticks takes about 150 bytes (ticks as deflated deltas, slots as number sets), so
 * marking it costs one write unit however full it is.
 */
export class DynamoDispatchLedger implements DispatchLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async open(page: LedgerPage): Promise<LedgerPage> {
    const written = await whenConditionHolds(() =>
      this.client.send(new PutItemCommand({ TableName: this.table, Item: toPageItem(page), ConditionExpression: 'attribute_not_exists(id)' })),
    );
    if (written) return page;
    const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: pageKey(page.id), ConsistentRead: true }));
    if (!out.Item) throw new Error(`Ledger page ${page.id} exists and cannot be read`);
    return fromPageItem(out.Item);
  }

  async read(ids: string[]): Promise<LedgerPage[]> {
    if (!ids.length) return [];
    // Consistent: a page folded from a stale read would lose the marks that came after it.
    const items = await batchGet(this.client, this.table, [...new Set(ids)].map(pageKey), undefined, true);
    return items.map(fromPageItem).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async markEnded(marks: SlotMark[]): Promise<LedgerPage[]> {
    const byPage = new Map<string, { ended: Set<number>; failed: Set<number>; killed: Set<number> }>();
    for (const mark of marks) {
      const slots = byPage.get(mark.pageId) ?? { ended: new Set(), failed: new Set(), killed: new Set() };
      slots.ended.add(mark.slot);
      if (mark.failed) slots.failed.add(mark.slot);
      if (mark.killed) slots.killed.add(mark.slot);
      byPage.set(mark.pageId, slots);
    }
    const pages = await mapLimit([...byPage], 4, async ([pageId, slots]) => {
      const values: Item = { ':ended': numberSet(slots.ended) };
      const adds = ['ended :ended'];
      if (slots.failed.size) {
        values[':failed'] = numberSet(slots.failed);
        adds.push('failed :failed');
      }
      if (slots.killed.size) {
        values[':killed'] = numberSet(slots.killed);
        adds.push('killed :killed');
      }
      try {
        const out = await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: pageKey(pageId),
            // ADD to a set is idempotent: a redelivered execution marks its slot again at no harm.
            UpdateExpression: `ADD ${adds.join(', ')}`,
            // A folded (deleted) page must not come back as an item holding only marks.
            ConditionExpression: 'attribute_exists(backfillId)',
            ExpressionAttributeValues: values,
            // The page after the marks, at no extra cost: the worker sees when it ended the page's last execution.
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? [fromPageItem(out.Attributes)] : [];
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        return [];
      }
    });
    return pages.flat();
  }

  async markSwept(pageId: string, at: string): Promise<void> {
    await whenConditionHolds(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: pageKey(pageId),
          UpdateExpression: 'SET sweptAt = :at',
          ConditionExpression: 'attribute_exists(backfillId)',
          ExpressionAttributeValues: { ':at': s(at) },
        }),
      ),
    );
  }

  async hold(pageId: string, slots: number[]): Promise<void> {
    await this.updateSet(pageId, 'ADD', slots);
  }

  async release(pageId: string, slots: number[]): Promise<void> {
    await this.updateSet(pageId, 'DELETE', slots);
  }

  /** ADD to or DELETE from the page's `held` set; idempotent, and nothing for a page that is gone. */
  private async updateSet(pageId: string, action: 'ADD' | 'DELETE', slots: number[]): Promise<void> {
    if (!slots.length) return;
    await whenConditionHolds(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: pageKey(pageId),
          UpdateExpression: `${action} held :slots`,
          ConditionExpression: 'attribute_exists(backfillId)',
          ExpressionAttributeValues: { ':slots': numberSet(new Set(slots)) },
        }),
      ),
    );
  }

  async remove(ids: string[]): Promise<void> {
    await batchWrite(
      this.client,
      this.table,
      [...new Set(ids)].map((id) => ({ DeleteRequest: { Key: pageKey(id) } })),
    );
  }
}

function pageKey(id: string): Item {
  return { id: s(`${PAGE_PREFIX}${id}`) };
}

function numberSet(values: Iterable<number>): { NS: string[] } {
  return { NS: [...values].map(String) };
}

function toPageItem(page: LedgerPage): Item {
  // Deltas, deflated: a cron's ticks are mostly one repeated step, so 100 ticks take a few bytes.
  const deltas = page.ticks.map((tick, i) => (i === 0 ? tick : tick - (page.ticks[i - 1] ?? 0)));
  const item: Item = {
    ...pageKey(page.id),
    backfillId: s(page.backfillId),
    ticks: { B: deflateRawSync(JSON.stringify(deltas)) },
    sentAt: s(page.sentAt),
  };
  // DynamoDB refuses empty sets: no attribute until a slot is marked.
  if (page.ended.length) item.ended = numberSet(new Set(page.ended));
  if (page.failed.length) item.failed = numberSet(new Set(page.failed));
  if (page.killed?.length) item.killed = numberSet(new Set(page.killed));
  return item;
}

function fromPageItem(item: Item): LedgerPage {
  const deltas = item.ticks?.B ? (JSON.parse(inflateRawSync(item.ticks.B).toString('utf8')) as number[]) : [];
  const ticks: number[] = [];
  for (const delta of deltas) ticks.push((ticks.at(-1) ?? 0) + delta);
  const page: LedgerPage = {
    id: (str(item, 'id') ?? '').slice(PAGE_PREFIX.length),
    backfillId: str(item, 'backfillId') ?? '',
    ticks,
    sentAt: str(item, 'sentAt') ?? '',
    ended: (item.ended?.NS ?? []).map(Number).sort((a, b) => a - b),
    failed: (item.failed?.NS ?? []).map(Number).sort((a, b) => a - b),
  };
  const sweptAt = str(item, 'sweptAt');
  if (sweptAt) page.sweptAt = sweptAt;
  if (item.killed?.NS?.length) page.killed = item.killed.NS.map(Number).sort((a, b) => a - b);
  if (item.held?.NS?.length) page.held = item.held.NS.map(Number).sort((a, b) => a - b);
  return page;
}
