import { GetItemCommand, ScanCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapLimit } from '../../util/map-limit';
import { type Item, str, whenConditionHolds } from './client';
import { executionKey, fromExecutionItem, isExecutionItem, toExecutionItem } from './execution-item';

/**
 * The one-off rewrite of a deployed executions table after a version that derives more attributes
 * from each execution (docs/tables.md, Upgrading): it scans the table in parallel segments and adds
 * to every execution item the attributes this version writes that the item lacks, the same ones
 * the local rebuild derives (`toExecutionItem`), in place, while the service runs.
 *
 * It never clobbers a concurrent write: each update is conditional on the document being the one it
 * read (every write of an execution rewrites its document) and on each attribute it sets still being
 * absent; an update that loses that race reads the item again and retries. It only adds: an attribute
 * the item has is never changed, so what the service wrote since wins. It is resumable: after each
 * page it hands back, per segment, where to go on (`FillProgress`), and a run given that progress
 * goes on from there; a page done twice changes nothing the second time.
 */

/**
 * The attributes derived from an execution's document and origin that indexes key on or project,
 * as `toExecutionItem` writes them: the search index's (`triggerId` and `endMs` since the search
 * index searchByFlowV2), the unfinished index's (together, and only on unfinished executions) and
 * the tick index's.
 */
const DERIVED = ['searchShard', 'sortKey', 'state', 'labelKeys', 'triggerId', 'endMs', 'tickShard', 'pendingShard', 'pendingTick'] as const;

/** Tries of one item's update when the item keeps changing under it (it is then left to a later run). */
const ATTEMPTS = 5;

/** Where each segment goes on: the key to start after, `null` to start at its beginning, `done` once scanned. */
export interface FillProgress {
  table: string;
  segments: number;
  next: (Item | null | 'done')[];
  counts: FillCounts;
}

export interface FillCounts {
  /** Items read (registry items and ledger pages included). */
  scanned: number;
  /** Execution items that lacked attributes and got them. */
  filled: number;
  /** Execution items that changed on every try: run again to fill them. */
  contended: number;
}

export interface FillOptions {
  /** Parallel Scan segments (each a Scan of its own). */
  segments?: number;
  /** Updates in flight per segment. */
  concurrency?: number;
  /** Items per Scan page (DynamoDB stops earlier at 1 MB). */
  pageSize?: number;
  /** A previous run's progress, to go on from. */
  resume?: FillProgress;
  /** Told after every page, once its updates are done: save it to resume from. */
  onProgress?: (progress: FillProgress) => Promise<void> | void;
}

export async function fillDerivedAttributes(client: DynamoDBClient, table: string, options: FillOptions = {}): Promise<FillProgress> {
  const segments = options.resume?.segments ?? options.segments ?? 4;
  if (options.resume && options.resume.table !== table) throw new Error(`the progress given is of table ${options.resume.table}, not ${table}`);
  const progress: FillProgress = options.resume
    ? structuredClone(options.resume)
    : { table, segments, next: Array.from({ length: segments }, () => null), counts: { scanned: 0, filled: 0, contended: 0 } };
  // Pages of all segments end one at a time here, so each saved progress is whole.
  let saving = Promise.resolve();
  const saved = () => {
    saving = saving.then(() => options.onProgress?.(structuredClone(progress)));
    return saving;
  };
  let stopped = false;
  const outcomes = await Promise.allSettled(
    progress.next
      .map(async (_, segment) => {
        while (progress.next[segment] !== 'done' && !stopped) {
          const start = progress.next[segment];
          const page = await client.send(
            new ScanCommand({
              TableName: table,
              Segment: segment,
              TotalSegments: segments,
              Limit: options.pageSize,
              ExclusiveStartKey: start ?? undefined,
              // Eventually consistent (half the read units): a stale item fails the update's condition and is read again.
            }),
          );
          const items = page.Items ?? [];
          const outcomes = await mapLimit(items, options.concurrency ?? 8, (item) => fillItem(client, table, item));
          progress.counts.scanned += items.length;
          progress.counts.filled += outcomes.filter((outcome) => outcome === 'filled').length;
          progress.counts.contended += outcomes.filter((outcome) => outcome === 'contended').length;
          progress.next[segment] = page.LastEvaluatedKey ?? 'done';
          await saved();
        }
      })
      .map((segment) =>
        segment.catch((error: unknown) => {
          stopped = true; // the other segments end with the page in hand: nothing runs on after this returns
          throw error;
        }),
      ),
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return progress;
}

/** What this version would write for `item` and the item lacks: the attributes to add (none for a registry item or ledger page). */
function missingAttributes(item: Item): Item {
  if (!isExecutionItem(item)) return {};
  const derived = toExecutionItem(fromExecutionItem(item));
  const missing: Item = {};
  for (const name of DERIVED) {
    const value = derived[name];
    if (value !== undefined && item[name] === undefined) missing[name] = value;
  }
  // The unfinished index's two keys go together: an entry with one of them is not an entry.
  if ((missing.pendingShard === undefined) !== (missing.pendingTick === undefined)) {
    delete missing.pendingShard;
    delete missing.pendingTick;
  }
  return missing;
}

async function fillItem(client: DynamoDBClient, table: string, read: Item): Promise<'filled' | 'complete' | 'contended'> {
  let item: Item | undefined = read;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (!item) return 'complete'; // deleted meanwhile
    const missing = missingAttributes(item);
    const names = Object.keys(missing);
    if (!names.length) return 'complete';
    const doc = item.doc ? 'doc' : 'docz';
    const written = await whenConditionHolds(() =>
      client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: executionKey(str(item as Item, 'id') ?? ''),
          UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
          ConditionExpression: ['#doc = :doc', ...names.map((_, i) => `attribute_not_exists(#a${i})`)].join(' AND '),
          ExpressionAttributeNames: { '#doc': doc, ...Object.fromEntries(names.map((name, i) => [`#a${i}`, name])) },
          ExpressionAttributeValues: {
            ':doc': (item as Item)[doc] as Item[string],
            ...Object.fromEntries(names.map((name, i) => [`:a${i}`, missing[name] as Item[string]])),
          },
        }),
      ),
    );
    if (written) return 'filled';
    // The document changed (the service wrote it, with these attributes), or our own write landed and
    // its answer was lost: read it again and see what is still missing.
    item = (await client.send(new GetItemCommand({ TableName: table, Key: { id: read.id as Item[string] }, ConsistentRead: true }))).Item;
  }
  return 'contended';
}
