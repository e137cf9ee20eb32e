import { GetItemCommand, ScanCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapLimit } from '../../util/map-limit';
import { type Item, str, whenConditionHolds } from './client';
import { attributesFollowingDocument, executionKey, fromExecutionItem, isExecutionItem, toExecutionItem } from './execution-item';

/**
 * The one-off rewrite of a deployed executions table after a version that derives more attributes
 * from each execution (docs/tables.md, Upgrading): it scans the table in parallel segments and
 * brings every execution item's derived attributes to what this version writes (`toExecutionItem`,
 * as the local rebuild does), in place, while the service runs.
 *
 * It never clobbers a concurrent write: each update is conditional on the document being the one it
 * read (every write of an execution rewrites its document), and an update that loses that race reads
 * the item again and retries. Index keys (and the state) it only adds where missing, conditional on
 * their still being absent: one present is never changed (a restarted execution's unfinished entry,
 * say, is not the one `toExecutionItem` would derive). The attributes that follow the document
 * (`triggerId`, `endMs`, see attributesFollowingDocument) it sets, changes or removes to match the
 * document it read: the condition on the document makes that exact, and it mends what a previous
 * version's write, still running while this version was deployed, left behind (a restart that kept
 * an end date). It is resumable: after each page it hands back, per segment, where to go on
 * (`FillProgress`), and a run given that progress goes on from there; a page done twice changes
 * nothing the second time.
 */

/**
 * The index keys (and the state) derived from an execution's document and origin, as
 * `toExecutionItem` writes them: the search index's, the unfinished index's (together, and only on
 * unfinished executions) and the tick index's.
 */
const KEYS = ['searchShard', 'sortKey', 'state', 'labelKeys', 'tickShard', 'pendingShard', 'pendingTick'] as const;

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
  /** Execution items rewritten: they lacked attributes, or had ones their document disagreed with. */
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

/** What to change in `item` to make it what this version writes: nothing for a registry item or ledger page. */
function changesFor(item: Item): { set: Item; remove: string[]; added: string[] } {
  const changes = { set: {} as Item, remove: [] as string[], added: [] as string[] };
  if (!isExecutionItem(item)) return changes;
  const stored = fromExecutionItem(item);
  const derived = toExecutionItem(stored);
  for (const name of KEYS) {
    const value = derived[name];
    if (value !== undefined && item[name] === undefined) changes.set[name] = value;
  }
  // The unfinished index's two keys go together: an entry with one of them is not an entry.
  if ((changes.set.pendingShard === undefined) !== (changes.set.pendingTick === undefined)) {
    delete changes.set.pendingShard;
    delete changes.set.pendingTick;
  }
  changes.added = Object.keys(changes.set);
  for (const [name, value] of Object.entries(attributesFollowingDocument(stored.execution))) {
    const current = item[name];
    if (value === undefined) {
      if (current !== undefined) changes.remove.push(name);
    } else if (current?.S !== value.S || current?.N !== value.N) changes.set[name] = value;
  }
  return changes;
}

async function fillItem(client: DynamoDBClient, table: string, read: Item): Promise<'filled' | 'complete' | 'contended'> {
  let item: Item | undefined = read;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (!item) return 'complete'; // deleted meanwhile
    const { set, remove, added } = changesFor(item);
    const setNames = Object.keys(set);
    if (!setNames.length && !remove.length) return 'complete';
    const doc = item.doc ? 'doc' : 'docz';
    const name = (attribute: string) => `#a${[...setNames, ...remove].indexOf(attribute)}`;
    const actions = [
      setNames.length ? `SET ${setNames.map((attribute, i) => `${name(attribute)} = :v${i}`).join(', ')}` : '',
      remove.length ? `REMOVE ${remove.map(name).join(', ')}` : '',
    ];
    const written = await whenConditionHolds(() =>
      client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: executionKey(str(item as Item, 'id') ?? ''),
          UpdateExpression: actions.filter(Boolean).join(' '),
          ConditionExpression: ['#doc = :doc', ...added.map((attribute) => `attribute_not_exists(${name(attribute)})`)].join(' AND '),
          ExpressionAttributeNames: { '#doc': doc, ...Object.fromEntries([...setNames, ...remove].map((attribute) => [name(attribute), attribute])) },
          ExpressionAttributeValues: {
            ':doc': (item as Item)[doc] as Item[string],
            ...Object.fromEntries(setNames.map((attribute, i) => [`:v${i}`, set[attribute] as Item[string]])),
          },
        }),
      ),
    );
    if (written) return 'filled';
    // The document changed (the service wrote it, and these attributes with it), or our own write
    // landed and its answer was lost: read it again and see what is still to do.
    item = (await client.send(new GetItemCommand({ TableName: table, Key: { id: read.id as Item[string] }, ConsistentRead: true }))).Item;
  }
  return 'contended';
}
