import { createRequire } from 'node:module';

/** What dynalite's table descriptions hold that the index bookkeeping reads. */
interface TableDescription {
  TableName: string;
  LocalSecondaryIndexes?: unknown[];
  GlobalSecondaryIndexes?: unknown[];
}
type StoredItem = Record<string, unknown>;
type Callback = (error?: Error | null) => void;
interface LevelBatchOperation {
  type: 'put' | 'del';
  key: string;
  value?: StoredItem;
}
/** dynalite's prefixed view of its one LevelDB (`getItemDb(table)`), as its actions use it. */
interface ItemDb {
  put(key: string, value: StoredItem, callback: Callback): void;
  del(key: string, callback: Callback): void;
  [PENDING]?: Map<string, LevelBatchOperation[]>;
}
interface Store {
  db: { batch(operations: LevelBatchOperation[], callback: Callback): void };
  getItemDb(tableName: string): ItemDb;
}
interface IndexAction {
  index: string;
  key: string;
  item?: StoredItem;
}
interface DynaliteDb {
  updateIndexes(store: Store, table: TableDescription, existingItem: StoredItem | undefined, item: StoredItem | null, callback: Callback): void;
  getIndexActions(
    indexes: unknown[],
    existingItem: StoredItem | undefined,
    item: StoredItem | null,
    table: TableDescription,
  ): { puts: IndexAction[]; deletes: IndexAction[] };
  createKey(item: StoredItem, table: TableDescription): string;
}

const PENDING = Symbol('index writes waiting for their item write');
let applied = false;

/**
 * Writes every item together with its index entries, in one LevelDB batch, in dynalite.
 *
 * WHY: dynalite 4.0.0's PutItem, UpdateItem and DeleteItem (node_modules/dynalite/actions/*.js) call
 * `db.updateIndexes` (node_modules/dynalite/db/index.js), which writes the index entries one LevelDB
 * write each, and only then write the item: a process killed in between leaves index entries for an
 * item that was never written (or an old entry of an item whose sort key changed). DynamoDB never
 * does that (a GSI lags its item, but follows it), and our code cannot repair it through DynamoDB's
 * API (an index entry without its item cannot be deleted). A reliability probe found such orphans
 * after most SIGKILLs during a busy backfill: search totals past the number of executions, results
 * listed twice, a page answering 500.
 *
 * FIX: `updateIndexes` no longer writes; it computes the same index actions (dynalite's own
 * `getIndexActions`) and leaves them with the table's item db, whose `put`/`del` for that key, the
 * very next step of every one of those actions (under the item's lock), then writes them and the item
 * in one LevelDB batch: atomic on disk, so a kill leaves all of a write or none of it. All of
 * dynalite's sub-databases are key prefixes of one LevelDB (`createPrefixedDbWrapper`), which is what
 * makes one batch possible; the prefixes below are dynalite's (`getItemDb`, `getIndexDb`), and
 * test/integration/dynalite-atomic-writes.test.ts fails if they ever differ (queries would miss the
 * entries). dynalite is pinned (4.0.0); a missing function means an upgrade changed the layout, so we
 * fail loudly. Safe to call any number of times.
 */
export function writeItemsWithTheirIndexes(): void {
  if (applied) return;
  const db = dynaliteDb();
  if (typeof db.updateIndexes !== 'function' || typeof db.getIndexActions !== 'function' || typeof db.createKey !== 'function') {
    throw new Error(
      'dynalite atomic writes: dynalite/db has no updateIndexes, getIndexActions or createKey; revisit lib/adapters/local/dynalite-atomic-writes.ts',
    );
  }
  db.updateIndexes = (store, table, existingItem, item, callback) => {
    if (!existingItem && !item) return callback();
    const operations: LevelBatchOperation[] = [];
    const puts: LevelBatchOperation[] = [];
    for (const indexType of ['Local', 'Global'] as const) {
      const indexes = table[`${indexType}SecondaryIndexes`] ?? [];
      const prefix = (index: string) => `index-${indexType.toLowerCase()}~${table.TableName}~${index}~`;
      const actions = db.getIndexActions(indexes, existingItem, item, table);
      // dynalite deletes the old entries before it writes the new ones; a batch applies in order.
      for (const action of actions.deletes) operations.push({ type: 'del', key: prefix(action.index) + action.key });
      for (const action of actions.puts) puts.push({ type: 'put', key: prefix(action.index) + action.key, value: action.item });
    }
    const itemDb = store.getItemDb(table.TableName);
    pendingOf(itemDb, store, table.TableName).set(db.createKey((item ?? existingItem) as StoredItem, table), [...operations, ...puts]);
    callback();
  };
  applied = true;
}

/** The item db's pending index writes, installing (once per item db) the put/del that flush them with the item. */
function pendingOf(itemDb: ItemDb, store: Store, tableName: string): Map<string, LevelBatchOperation[]> {
  const existing = itemDb[PENDING];
  if (existing) return existing;
  const pending = new Map<string, LevelBatchOperation[]>();
  const itemPrefix = `item-${tableName}~`;
  const { put, del } = itemDb;
  const flush = (key: string, item: LevelBatchOperation, callback: Callback, alone: () => void) => {
    const indexWrites = pending.get(key);
    if (!indexWrites) return alone();
    pending.delete(key);
    store.db.batch([...indexWrites, item], callback);
  };
  itemDb.put = (key, value, callback) => flush(key, { type: 'put', key: itemPrefix + key, value }, callback, () => put.call(itemDb, key, value, callback));
  itemDb.del = (key, callback) => flush(key, { type: 'del', key: itemPrefix + key }, callback, () => del.call(itemDb, key, callback));
  itemDb[PENDING] = pending;
  return pending;
}

/** dynalite's `db` module, the very copy its actions `require('../db')`. */
function dynaliteDb(): DynaliteDb {
  const fromHere = createRequire(import.meta.url);
  return createRequire(fromHere.resolve('dynalite'))('./db') as DynaliteDb;
}
