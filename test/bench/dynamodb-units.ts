/**
 * DynamoDB's documented capacity rules, as pure functions over attribute-value items, for the cost
 * benchmark's meter: dynalite reports no write units for global secondary indexes, so the meter
 * reads each item before and after a write and prices the change with these rules (item sizes:
 * lib/adapters/dynamodb/item-size.ts, which the store's `storedBytes` uses too).
 *
 * Sources: item sizes https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html,
 * index writes https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemSize } from '../../lib/adapters/dynamodb/item-size';
import type { IndexDef, TableDef } from '../../lib/adapters/dynamodb/tables';

export type Item = Record<string, AttributeValue>;

const WRITE_UNIT_BYTES = 1024;
const READ_UNIT_BYTES = 4096;

/**
 * Write units of one item write on the base table: the larger of the item before and after, in
 * 1 KB units, at least 1. A write whose condition failed leaves `after` equal to `before` and still
 * pays for the item's size.
 */
export function tableWriteUnits(before: Item | undefined, after: Item | undefined): number {
  const bytes = Math.max(before ? itemSize(before) : 0, after ? itemSize(after) : 0);
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

/** Read units of `bytes` read (a Query sums its items first): 4 KB units, half for an eventually consistent read. */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}

function keyNames(table: TableDef, index?: IndexDef): string[] {
  const names = [table.partitionKey.name, table.sortKey?.name];
  if (index) names.push(index.partitionKey.name, index.sortKey?.name);
  return names.filter((n): n is string => n !== undefined);
}

/**
 * The entry an item has in an index: none when it lacks one of the index's key attributes (sparse
 * indexes), else the table's and index's keys plus what the projection copies.
 */
export function indexEntry(table: TableDef, index: IndexDef, item: Item | undefined): Item | undefined {
  if (!item) return undefined;
  const indexKeys = [index.partitionKey.name, index.sortKey?.name].filter((n): n is string => n !== undefined);
  if (indexKeys.some((name) => item[name] === undefined)) return undefined;
  if (index.projection === 'ALL') return item;
  const projected = [...keyNames(table, index), ...(index.projection === 'INCLUDE' ? (index.nonKeyAttributes ?? []) : [])];
  const entry: Item = {};
  for (const name of projected) if (item[name] !== undefined) entry[name] = item[name];
  return entry;
}

/** One write an index takes for one item write, on the index partition it lands on. */
export interface IndexWrite {
  index: string;
  /** The index partition key's value the write lands on. */
  partitionKey: string;
  kind: 'put' | 'update' | 'delete';
  units: number;
}

const entryUnits = (entry: Item) => Math.max(1, Math.ceil(itemSize(entry) / WRITE_UNIT_BYTES));
const scalar = (value: AttributeValue | undefined) => value?.S ?? value?.N ?? (value?.B ? Buffer.from(value.B).toString('base64') : '');

function sameEntry(a: Item, b: Item): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((name) => b[name] !== undefined && canonical(a[name] as AttributeValue) === canonical(b[name] as AttributeValue));
}

/** Sets compare as sets and maps by name, whatever order the SDK or dynalite gave them in. */
function canonical(value: AttributeValue): string {
  if (value.SS) return JSON.stringify({ SS: [...value.SS].sort() });
  if (value.NS) return JSON.stringify({ NS: value.NS.map(Number).sort((x, y) => x - y) });
  if (value.M)
    return `{M:${Object.keys(value.M)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value.M?.[k] as AttributeValue)}`)
      .join(',')}}`;
  if (value.L) return `[L:${value.L.map(canonical).join(',')}]`;
  return JSON.stringify(value);
}

/**
 * What each index of the table writes when an item goes from `before` to `after`: nothing when the
 * entry is absent on both sides or unchanged; an update of the entry when its keys stayed and what
 * it projects changed; a delete of the old entry and a put of the new one when an index key changed.
 */
export function indexWrites(table: TableDef, before: Item | undefined, after: Item | undefined): IndexWrite[] {
  const writes: IndexWrite[] = [];
  for (const index of table.indexes) {
    const old = indexEntry(table, index, before);
    const next = indexEntry(table, index, after);
    const keyOf = (entry: Item) =>
      keyNames(table, index)
        .map((name) => canonical(entry[name] as AttributeValue))
        .join('|');
    const partitionOf = (entry: Item) => scalar(entry[index.partitionKey.name]);
    if (old && next && keyOf(old) === keyOf(next)) {
      if (!sameEntry(old, next)) writes.push({ index: index.name, partitionKey: partitionOf(next), kind: 'update', units: entryUnits(next) });
      continue;
    }
    if (old) writes.push({ index: index.name, partitionKey: partitionOf(old), kind: 'delete', units: entryUnits(old) });
    if (next) writes.push({ index: index.name, partitionKey: partitionOf(next), kind: 'put', units: entryUnits(next) });
  }
  return writes;
}

/** The value of an item's partition key, for counting writes per partition. */
export function partitionKeyOf(table: TableDef, item: Item): string {
  return scalar(item[table.partitionKey.name]);
}

/** The item's primary key (what GetItem takes). */
export function primaryKeyOf(table: TableDef, item: Item): Item {
  const key: Item = {};
  for (const name of keyNames(table)) key[name] = item[name] as AttributeValue;
  return key;
}
