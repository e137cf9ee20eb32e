import { describe, expect, it } from 'vitest';
import type { TableDef } from '../../../lib/adapters/dynamodb/tables';
import { itemSize, valueSize } from '../../../lib/adapters/dynamodb/item-size';
import { indexEntry, indexWrites, readUnits, tableWriteUnits } from '../../bench/dynamodb-units';

describe('item sizes as DynamoDB counts them', () => {
  it('counts strings and names in UTF-8 bytes', () => {
    expect(itemSize({ id: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSize({ é: { S: 'ü€' } })).toBe(2 + 2 + 3);
  });

  it('counts a byte per two significant digits of a number, plus one, trimming zeros, sign, point and exponent', () => {
    expect(valueSize({ N: '7' })).toBe(2);
    expect(valueSize({ N: '12345' })).toBe(4);
    expect(valueSize({ N: '-0012.3400' })).toBe(3);
    expect(valueSize({ N: '1000000' })).toBe(2);
    expect(valueSize({ N: '1.5e10' })).toBe(2);
    expect(valueSize({ N: '1718000000000' })).toBe(3);
    expect(valueSize({ N: '1718012345678' })).toBe(8);
  });

  it('counts binaries in raw bytes, booleans and nulls as one byte, sets as the sum of their members', () => {
    expect(valueSize({ B: new Uint8Array(10) })).toBe(10);
    expect(valueSize({ BOOL: false })).toBe(1);
    expect(valueSize({ NULL: true })).toBe(1);
    expect(valueSize({ SS: ['ab', 'cde'] })).toBe(5);
    expect(valueSize({ NS: ['1', '123'] })).toBe(2 + 3);
  });

  it('counts lists and maps as 3 bytes plus each element and a byte per element', () => {
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ M: {} })).toBe(3);
    expect(valueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (2 + 1) + (2 + 1));
    expect(valueSize({ M: { k: { S: 'ab' } } })).toBe(3 + 1 + 2 + 1);
  });
});

describe('write and read units', () => {
  const ofSize = (bytes: number) => ({ id: { S: 'x'.repeat(bytes - 2) } });

  it('rounds the larger image up to 1 KB, at least 1', () => {
    expect(tableWriteUnits(undefined, ofSize(10))).toBe(1);
    expect(tableWriteUnits(undefined, ofSize(1024))).toBe(1);
    expect(tableWriteUnits(undefined, ofSize(1025))).toBe(2);
    expect(tableWriteUnits(ofSize(3000), ofSize(10))).toBe(3);
    expect(tableWriteUnits(ofSize(3000), undefined)).toBe(3);
    expect(tableWriteUnits(undefined, undefined)).toBe(1);
  });

  it('reads in 4 KB units, half for an eventually consistent read', () => {
    expect(readUnits(0, true)).toBe(1);
    expect(readUnits(4096, true)).toBe(1);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(4097, false)).toBe(1);
    expect(readUnits(10, false)).toBe(0.5);
  });
});

describe('global secondary index writes', () => {
  const table: TableDef = {
    logicalName: 'executions',
    partitionKey: { name: 'id', type: 'S' },
    indexes: [
      { name: 'all', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'at', type: 'N' }, projection: 'ALL' },
      { name: 'keys', partitionKey: { name: 'pending', type: 'S' }, projection: 'KEYS_ONLY' },
      { name: 'some', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'sort', type: 'S' }, projection: 'INCLUDE', nonKeyAttributes: ['state'] },
    ],
  };
  const base = { id: { S: 'e1' }, owner: { S: 'o' }, at: { N: '1' }, sort: { S: 's1' }, state: { S: 'CREATED' }, doc: { S: '{}' } };

  it('projects keys only, included attributes, or the whole item, and nothing without the key attributes', () => {
    const [all, keys, some] = table.indexes as [never, never, never];
    expect(indexEntry(table, all, base)).toEqual(base);
    expect(indexEntry(table, keys, base)).toBeUndefined();
    expect(indexEntry(table, keys, { ...base, pending: { S: 'b' } })).toEqual({ id: { S: 'e1' }, pending: { S: 'b' } });
    expect(indexEntry(table, some, base)).toEqual({ id: { S: 'e1' }, owner: { S: 'o' }, sort: { S: 's1' }, state: { S: 'CREATED' } });
  });

  it('puts an entry for a new item in each index whose keys it has', () => {
    expect(indexWrites(table, undefined, base)).toEqual([
      { index: 'all', partitionKey: 'o', kind: 'put', units: 1 },
      { index: 'some', partitionKey: 'o', kind: 'put', units: 1 },
    ]);
  });

  it('writes nothing to an index whose projected content did not change', () => {
    const writes = indexWrites(table, base, { ...base, doc: { S: '{"more":1}' } });
    expect(writes).toEqual([{ index: 'all', partitionKey: 'o', kind: 'update', units: 1 }]);
  });

  it('updates in place when a projected attribute changed under the same key', () => {
    const writes = indexWrites(table, base, { ...base, state: { S: 'RUNNING' } });
    expect(writes.map((w) => `${w.index}:${w.kind}`)).toEqual(['all:update', 'some:update']);
  });

  it('deletes and puts when an index key changed, on the old and the new partition', () => {
    const writes = indexWrites(table, base, { ...base, sort: { S: 's2' } });
    expect(writes).toEqual([
      { index: 'all', partitionKey: 'o', kind: 'update', units: 1 },
      { index: 'some', partitionKey: 'o', kind: 'delete', units: 1 },
      { index: 'some', partitionKey: 'o', kind: 'put', units: 1 },
    ]);
    const moved = indexWrites(table, { ...base, pending: { S: 'a' } }, { ...base, pending: { S: 'b' } });
    expect(moved.filter((w) => w.index === 'keys')).toEqual([
      { index: 'keys', partitionKey: 'a', kind: 'delete', units: 1 },
      { index: 'keys', partitionKey: 'b', kind: 'put', units: 1 },
    ]);
  });

  it('deletes the entry when the item loses a key attribute (sparse) or is deleted', () => {
    // `all` projects every attribute, so losing `pending` rewrites its entry too.
    expect(indexWrites(table, { ...base, pending: { S: 'a' } }, base)).toEqual([
      { index: 'all', partitionKey: 'o', kind: 'update', units: 1 },
      { index: 'keys', partitionKey: 'a', kind: 'delete', units: 1 },
    ]);
    expect(indexWrites(table, base, undefined).map((w) => `${w.index}:${w.kind}`)).toEqual(['all:delete', 'some:delete']);
  });

  it('rounds each entry up to 1 KB on its own', () => {
    const big = { ...base, doc: { S: 'x'.repeat(2000) } };
    expect(indexWrites(table, undefined, big)).toEqual([
      { index: 'all', partitionKey: 'o', kind: 'put', units: 2 },
      { index: 'some', partitionKey: 'o', kind: 'put', units: 1 },
    ]);
  });

  it('compares sets whatever their order', () => {
    const withSet = (ss: string[]) => ({ ...base, state: { SS: ss } });
    expect(indexWrites(table, withSet(['a', 'b']), withSet(['b', 'a']))).toEqual([]);
  });
});
