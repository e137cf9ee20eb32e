/**
 * Readers for one field of a YAML mapping, each throwing a `ValidationError` that names the
 * field's path and what was expected, so every parser reports bad input the same way.
 */
import { ValidationError } from './errors';
import { describe, hasOwn, isPlainMap, ownEntries } from './values';

/** The path of `key` inside the mapping at `parent` (the root has no prefix). */
function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/**
 * Rejects unsupported-but-known keys (unless empty) and unknown keys, naming the key.
 *
 * @param path the mapping's own path (`''` for the document root).
 * @param allowed the keys this service reads.
 * @param unsupported Kestra keys this service cannot honour, each with how to name it in the message.
 */
export function checkKeys(map: Record<string, unknown>, path: string, allowed: readonly string[], unsupported: Record<string, string>): void {
  for (const [key, value] of ownEntries(map)) {
    if (allowed.includes(key)) continue;
    if (hasOwn(unsupported, key)) {
      // An empty section changes nothing, and exported flows sometimes carry one.
      if (isEmpty(value)) continue;
      throw new ValidationError(join(path, key), `${unsupported[key]} ("${key}") are not supported by this service yet; remove "${key}"`);
    }
    throw new ValidationError(join(path, key), `unknown key ${JSON.stringify(key)}; expected one of: ${allowed.join(', ')}`);
  }
}

/** True for an absent value, `null`, an empty list or an empty mapping. */
export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0) || (isPlainMap(value) && Object.keys(value).length === 0);
}

/** Returns `value` as a mapping, or throws saying `what` was expected at `path`. */
export function expectMap(value: unknown, path: string, what: string): Record<string, unknown> {
  if (!isPlainMap(value)) throw new ValidationError(path, `expected ${what}, got ${describe(value)}`);
  return value;
}

/** A required, non-empty string at `map[key]`; `what` names it in the message. */
export function requiredString(map: Record<string, unknown>, key: string, path: string, what: string): string {
  const value = hasOwn(map, key) ? map[key] : undefined;
  if (value === undefined || value === null) throw new ValidationError(path, `required: expected ${what}`);
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(path, `expected ${what} as a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** A string at `map[key]`, or `undefined` when absent or `null`. */
export function optionalString(map: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = hasOwn(map, key) ? map[key] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError(path, `expected a string, got ${describe(value)}`);
  return value;
}

/** A boolean at `map[key]`, or `fallback` when absent or `null`. */
export function optionalBoolean(map: Record<string, unknown>, key: string, path: string, fallback: boolean): boolean {
  const value = hasOwn(map, key) ? map[key] : undefined;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new ValidationError(path, `expected true or false, got ${describe(value)}`);
  return value;
}

/** One of `values` at `map[key]`, or `fallback` when absent or `null`. */
export function optionalEnum<T extends string>(map: Record<string, unknown>, key: string, path: string, values: readonly T[], fallback: T): T {
  const value = hasOwn(map, key) ? map[key] : undefined;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw new ValidationError(path, `expected one of ${values.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** A list of strings; a single string is accepted as a one-element list (as Kestra does). */
export function stringList(value: unknown, path: string, required: boolean): string[] {
  if (value === undefined || value === null) {
    if (required) throw new ValidationError(path, 'required: expected a non-empty list of strings');
    return [];
  }
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) throw new ValidationError(path, `expected a list of strings, got ${describe(value)}`);
  if (required && value.length === 0) throw new ValidationError(path, 'expected a non-empty list of strings, got an empty list');
  value.forEach((item, i) => {
    if (typeof item !== 'string') {
      throw new ValidationError(`${path}[${i}]`, `expected a string, got ${describe(item)}${isPlainMap(item) ? ' (quote the line if it contains ": ")' : ''}`);
    }
  });
  return value as string[];
}

/** Throws unless `value` matches `pattern`; `what` names the value in the message. */
export function checkPattern(value: string, path: string, pattern: RegExp, what: string): void {
  if (!pattern.test(value)) {
    throw new ValidationError(path, `invalid ${what} ${JSON.stringify(value)}: expected to match ${pattern.source}`);
  }
}
