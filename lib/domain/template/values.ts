/**
 * Value model and the safe ways to look inside values.
 *
 * Templates see JSON-like data: null, booleans, numbers, strings, `Date`s, arrays and plain objects.
 * Everything that reads a property goes through `readOwn`, which only returns own, enumerable data
 * properties of plain objects and arrays: no prototype walk, no getter call, no function value, and
 * never `constructor`, `__proto__` or `prototype`. That is what keeps a template away from
 * `Function` and friends.
 */
import { TemplateError } from './errors';
import type { Runtime } from './runtime';

/** Marker for "no such variable/attribute" (distinct from a present `null`). */
export const MISSING: unique symbol = Symbol('missing');

/** Names that are never resolvable, even as own properties (e.g. from `JSON.parse`). */
export const BLOCKED_NAMES: ReadonlySet<string> = new Set(['constructor', '__proto__', 'prototype']);

/** Deepest nesting walked when printing, comparing or copying values (cyclic data stops here). */
export const MAX_VALUE_DEPTH = 256;

/** A template map: string keys to values. */
export type PlainObject = Record<string, unknown>;

/** An object literal, `JSON.parse` output or `Object.create(null)`; not a class instance. */
export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A map built by the template itself: no prototype, so no inherited names at all. */
export function newMap(): PlainObject {
  return Object.create(null) as PlainObject;
}

/** Defines an own property without ever triggering the `__proto__` setter. */
export function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads `key` for a template (`a.b`, `a['b']`): like `readData`, and `constructor`, `__proto__`
 * and `prototype` are never resolvable, even when they are own data keys.
 */
export function readOwn(container: unknown, key: string | number): unknown {
  return BLOCKED_NAMES.has(String(key)) ? MISSING : readData(container, key);
}

/**
 * Reads own, enumerable data property `key` of a plain object or an array. Returns `MISSING` for
 * anything else: other objects, inherited names, accessors (getters are never called), functions,
 * symbols, `undefined`. Used directly only to walk data (keys, JSON, comparisons), never to resolve
 * a name written in a template.
 */
export function readData(container: unknown, key: string | number): unknown {
  const name = String(key);
  let holder: object;
  if (Array.isArray(container)) {
    // Numeric keys come from our own loops; only strings need the index syntax check.
    const isIndex = typeof key === 'number' ? Number.isInteger(key) && key >= 0 : /^(0|[1-9][0-9]*)$/.test(name);
    if (!isIndex) return MISSING;
    holder = container;
  } else if (isPlainObject(container)) {
    holder = container;
  } else {
    return MISSING;
  }
  const descriptor = Object.getOwnPropertyDescriptor(holder, name);
  if (!descriptor?.enumerable || !('value' in descriptor)) return MISSING;
  return isUsable(descriptor.value) ? descriptor.value : MISSING;
}

/** Functions, symbols and `undefined` are invisible to templates. */
export function isUsable(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/** Own, enumerable data keys of a plain object, in insertion order. */
export function ownKeys(obj: PlainObject): string[] {
  return Object.keys(obj).filter((k) => readData(obj, k) !== MISSING);
}

/** Elements of an array, read safely (holes, accessors and functions become `null`). */
export function listItems(list: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = readData(list, i);
    out[i] = v === MISSING ? null : v;
  }
  return out;
}

/** A short type name for error messages. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Date) return 'date';
  if (isPlainObject(value)) return 'map';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

/** `Instant.toString()`: UTC, `Z`, fraction only when non-zero. */
function formatInstant(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TemplateError('Invalid date');
  return date.toISOString().replace('.000Z', 'Z');
}

/**
 * Prints a number the way Java prints a `Long` or a `Double`: integers without `.0`, other values
 * in the shortest round-trip form, with Java's `1.0E10` notation outside [1e-3, 1e7).
 */
function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isSafeInteger(n)) return String(n === 0 ? 0 : n);
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return String(n);
  const exponential = n.toExponential(); // always "<mantissa>e<sign><digits>"
  const e = exponential.indexOf('e');
  const mantissa = exponential.slice(0, e);
  const exponent = exponential.slice(e + 1);
  const javaMantissa = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${javaMantissa}E${exponent.replace('+', '')}`;
}

/** Text of a value for output and `~`: null is empty, lists and maps are JSON. */
export function toText(value: unknown, rt?: Runtime): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return formatNumber(value);
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      break;
  }
  if (value instanceof Date) return formatInstant(value);
  if (Array.isArray(value) || isPlainObject(value)) return toJson(value, false, rt);
  throw new TemplateError(`Cannot print a value of type ${typeName(value)}`);
}

/** Java's `String.valueOf`, used by `+` on strings and by `join`: null is `"null"`. */
export function javaString(value: unknown, rt?: Runtime): string {
  return value === null || value === undefined ? 'null' : toText(value, rt);
}

/**
 * Serializes to compact JSON like Kestra's Jackson mapper: map entries whose value is null are left
 * out unless `includeNulls`, dates are ISO instants. Never calls `toJSON` or any other method, and
 * stops at the output limit, the depth limit and the time limit.
 */
export function toJson(value: unknown, includeNulls: boolean, rt?: Runtime): string {
  const chunks: string[] = [];
  let length = 0;
  const max = rt ? rt.maxOutputLength : Number.POSITIVE_INFINITY;
  const write = (s: string): void => {
    length += s.length;
    if (length > max) throw new TemplateError(`JSON output exceeds the output limit of ${max} characters`);
    chunks.push(s);
  };
  const walk = (v: unknown, depth: number): void => {
    rt?.tick();
    if (depth > MAX_VALUE_DEPTH) throw new TemplateError('Value is nested too deeply (or cyclic) to serialize');
    if (v === null || v === undefined) {
      write('null');
      return;
    }
    switch (typeof v) {
      case 'string':
        write(JSON.stringify(v));
        return;
      case 'number':
        write(Number.isFinite(v) ? String(v) : 'null');
        return;
      case 'boolean':
      case 'bigint':
        write(String(v));
        return;
      default:
        break;
    }
    if (v instanceof Date) {
      write(JSON.stringify(formatInstant(v)));
      return;
    }
    if (Array.isArray(v)) {
      write('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) write(',');
        const item = readData(v, i);
        walk(item === MISSING ? null : item, depth + 1);
      }
      write(']');
      return;
    }
    if (isPlainObject(v)) {
      write('{');
      let first = true;
      for (const key of ownKeys(v)) {
        const item = readData(v, key);
        if (item === null && !includeNulls) continue;
        if (!first) write(',');
        first = false;
        write(JSON.stringify(key));
        write(':');
        walk(item, depth + 1);
      }
      write('}');
      return;
    }
    throw new TemplateError(`Cannot convert a value of type ${typeName(v)} to JSON`);
  };
  walk(value, 0);
  return chunks.join('');
}

/** Java-style `equals`: numbers by value, lists and maps element by element, dates by instant. */
export function valuesEqual(a: unknown, b: unknown, rt?: Runtime, depth = 0): boolean {
  rt?.tick();
  if (depth > MAX_VALUE_DEPTH) throw new TemplateError('Value is nested too deeply (or cyclic) to compare');
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    const left = listItems(a);
    const right = listItems(b);
    return left.every((item, i) => valuesEqual(item, right[i], rt, depth + 1));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = ownKeys(a);
    if (keys.length !== ownKeys(b).length) return false;
    return keys.every((k) => {
      const other = readData(b, k);
      return other !== MISSING && valuesEqual(readData(a, k), other, rt, depth + 1);
    });
  }
  return false;
}

/** Pebble's `EmptyTest`: null, blank string, empty list, empty map. */
export function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return ownKeys(value).length === 0;
  return false;
}
