/**
 * Label parsing shared by flows, Schedule triggers and backfill requests.
 *
 * Kestra accepts labels as a list of `{key, value}` or as a map (`ListOrMapOfLabelDeserializer`)
 * and always returns them as a list; the same rules apply everywhere (reference §1.1).
 */
import { MAX_LABELS, MAX_LENGTH, checkLength } from '../id-limits';
import { ValidationError } from './errors';
import type { Label } from './model';
import { describe, hasOwn, isPlainMap, ownEntries } from './values';

/** Kestra's 1.3 OpenAPI `Label.key` pattern: a lowercase letter, then letters, digits, `.`, `_`, `-`. */
export const LABEL_KEY_PATTERN = /^[\p{Ll}][\p{L}0-9._-]*$/u;

/** Keys with this prefix are reserved for labels Kestra sets itself (`NoSystemLabelValidator`). */
export const SYSTEM_LABEL_PREFIX = 'system.';

/**
 * Parses and validates labels.
 *
 * @param value null/undefined (→ `[]`), a list of `{key, value}` objects, or a map `{key: value}`
 *   whose values are strings, numbers or booleans (numbers and booleans become strings, as in Kestra).
 * @param field path of `value` in the request/document, used as the prefix of error paths:
 *   list elements are `${field}[i].key`, map entries `${field}.<key>`.
 * @returns labels in input order.
 * @throws ValidationError on any invalid key/value or duplicate key.
 */
export function parseLabels(value: unknown, field: string): Label[] {
  if (value === null || value === undefined) return [];
  const labels: Label[] = [];
  const seen = new Map<string, string>();

  const add = (key: string, val: string, keyPath: string, valuePath: string) => {
    if (labels.length === MAX_LABELS) {
      throw new ValidationError(field, `more than ${MAX_LABELS} labels; expected at most ${MAX_LABELS}`);
    }
    checkLength(key, keyPath, 'label key', MAX_LENGTH.labelKey);
    checkLength(val, valuePath, 'label value', MAX_LENGTH.labelValue);
    checkKey(key, val, keyPath);
    if (val.length === 0) {
      throw new ValidationError(valuePath, `label ${JSON.stringify(key)} has an empty value; expected a non-empty string`);
    }
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ValidationError(keyPath, `duplicate label key ${JSON.stringify(key)} (already set by ${first}); expected each key once`);
    }
    seen.set(key, keyPath);
    labels.push({ key, value: val });
  };

  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const itemPath = `${field}[${i}]`;
      if (!isPlainMap(item)) {
        throw new ValidationError(itemPath, `expected a label as {key, value}, got ${describe(item)}`);
      }
      for (const k of Object.keys(item)) {
        if (k !== 'key' && k !== 'value') {
          throw new ValidationError(`${itemPath}.${k}`, `unknown label property ${JSON.stringify(k)}; expected only "key" and "value"`);
        }
      }
      const key = hasOwn(item, 'key') ? item.key : undefined;
      if (typeof key !== 'string') {
        throw new ValidationError(`${itemPath}.key`, `expected a non-empty string label key, got ${describe(key)}`);
      }
      const raw = hasOwn(item, 'value') ? item.value : undefined;
      const val = scalarToString(raw);
      if (val === undefined) {
        throw new ValidationError(
          `${itemPath}.value`,
          `Unsupported type for key ${JSON.stringify(key)}: expected a string, number or boolean, got ${describe(raw)}`,
        );
      }
      add(key, val, `${itemPath}.key`, `${itemPath}.value`);
    });
    return labels;
  }

  if (isPlainMap(value)) {
    for (const [key, raw] of ownEntries(value)) {
      // Checked here too, so that the path of the error (`labels.<key>`) does not echo a huge key.
      checkLength(key, field, 'label key', MAX_LENGTH.labelKey);
      const path = `${field}.${key}`;
      const val = scalarToString(raw);
      if (val === undefined) {
        throw new ValidationError(path, `Unsupported type for key ${JSON.stringify(key)}: expected a string, number or boolean, got ${describe(raw)}`);
      }
      add(key, val, path, path);
    }
    return labels;
  }

  throw new ValidationError(field, `expected labels as a list of {key, value} or a map of key to value, got ${describe(value)}`);
}

function checkKey(key: string, value: string, path: string): void {
  if (key.length === 0) {
    throw new ValidationError(path, 'label key is empty; expected a non-empty key');
  }
  // Checked before the pattern because `system.x` matches it and deserves Kestra's own message.
  if (key.startsWith(SYSTEM_LABEL_PREFIX)) {
    throw new ValidationError(path, `System labels can only be set by Kestra itself, offending label: ${key}=${value}`);
  }
  if (!LABEL_KEY_PATTERN.test(key)) {
    throw new ValidationError(
      path,
      `invalid label key ${JSON.stringify(key)}: expected a lowercase letter first, then letters, digits, ".", "_" or "-" (pattern ${LABEL_KEY_PATTERN.source})`,
    );
  }
}

/** Kestra's map form accepts String/Integer/Long/Float/Double/Boolean values; we do the same for lists. */
function scalarToString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}
