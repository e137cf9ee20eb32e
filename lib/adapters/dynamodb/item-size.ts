/**
 * DynamoDB's item size rules, over attribute-value items: what a write is billed on (a write unit
 * per started KB of the larger of the item before and after) and a read (a read unit per started
 * 4 KB). The store sizes an execution's item with them for the dry run's cost estimate
 * (`storedBytes`); the cost benchmark's meter prices every write it sees with them.
 *
 * Source: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item } from './client';

/** Lists and maps cost this much whatever their contents, plus a byte per element. */
const CONTAINER_OVERHEAD = 3;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Bytes of a number: a byte per two significant digits (leading and trailing zeros trimmed) plus one. */
function numberSize(text: string): number {
  const mantissa = text.trim().replace(/^[-+]/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** Bytes of a value without its attribute name. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return CONTAINER_OVERHEAD + value.L.reduce((sum, v) => sum + valueSize(v) + 1, 0);
  if (value.M !== undefined) return CONTAINER_OVERHEAD + Object.entries(value.M).reduce((sum, [name, v]) => sum + utf8(name) + valueSize(v) + 1, 0);
  throw new Error(`unknown attribute value ${JSON.stringify(value)}`);
}

/** Bytes of an item: each attribute's UTF-8 name plus its value. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}
