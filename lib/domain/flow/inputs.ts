/**
 * Flow input values: type coercion and resolution against a flow's declared inputs.
 *
 * Used for `inputs[].defaults` in the flow YAML, a Schedule trigger's `inputs`, backfill request
 * inputs and the final merged inputs of an execution, so every layer applies the same rules.
 */
import { DateTime } from 'luxon';
import { ValidationError } from './errors';
import type { Flow, InputType } from './model';
import { describe, isPlainMap, ownEntries } from './values';

/** The input types this service supports, in the order shown in error messages. */
export const INPUT_TYPES: readonly InputType[] = ['STRING', 'INT', 'FLOAT', 'BOOLEAN', 'DATETIME', 'DATE', 'JSON'];

/**
 * True for a string containing Pebble syntax (`{{ … }}` or `{% … %}`). Such values are rendered
 * at execution time, so their final type cannot be known and they are not type-checked.
 */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

const EXPECTED: Record<InputType, string> = {
  STRING: 'a string',
  INT: 'an integer (a number or a string such as "42")',
  FLOAT: 'a number (or a numeric string such as "1.5")',
  BOOLEAN: 'a boolean (true/false or the string "true"/"false")',
  DATETIME: 'an ISO-8601 date-time with an offset, e.g. "2024-03-28T06:30:00Z"',
  DATE: 'a date formatted yyyy-MM-dd, e.g. "2024-03-28"',
  JSON: 'a JSON value (or a string containing JSON)',
};

const INT_STRING = /^[+-]?\d+$/;
const FLOAT_STRING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_STRING = /^\d{4}-\d{2}-\d{2}$/;
/** A date and a time followed by `Z` or a numeric offset: Kestra's DATETIME is an instant. */
const DATETIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T[^Z+-]*(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Coerces one value to an input type, or throws a `ValidationError` at `path` naming the
 * expected type. Pebble templates are returned untouched (see {@link isTemplate}).
 *
 * Results: STRING → string; INT/FLOAT → number; BOOLEAN → boolean; DATETIME → UTC ISO string
 * without zero milliseconds (like Java's `Instant.toString`); DATE → `yyyy-MM-dd`; JSON → the
 * parsed value.
 */
export function coerceInputValue(type: InputType, value: unknown, path: string): unknown {
  if (isTemplate(value)) return value;
  const fail = (): never => {
    throw new ValidationError(path, `expected ${type}: ${EXPECTED[type]}, got ${describe(value)}`);
  };
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? value : fail();
    case 'INT': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && INT_STRING.test(value.trim()) ? Number(value.trim()) : NaN;
      return Number.isSafeInteger(n) ? n : fail();
    }
    case 'FLOAT': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && FLOAT_STRING.test(value.trim()) ? Number(value.trim()) : NaN;
      return Number.isFinite(n) ? n : fail();
    }
    case 'BOOLEAN': {
      if (typeof value === 'boolean') return value;
      // Case-insensitive like Java's Boolean.parseBoolean, but anything else is an error rather than false.
      if (typeof value === 'string') {
        const s = value.trim().toLowerCase();
        if (s === 'true') return true;
        if (s === 'false') return false;
      }
      return fail();
    }
    case 'DATETIME': {
      // A YAML 1.1 timestamp may arrive as a Date; it is an instant already.
      let dt: DateTime | undefined;
      if (value instanceof Date) dt = DateTime.fromJSDate(value);
      else if (typeof value === 'string' && DATETIME_WITH_OFFSET.test(value.trim())) {
        dt = DateTime.fromISO(value.trim(), { setZone: true });
      }
      if (!dt || !dt.isValid) return fail();
      return dt.toUTC().toISO({ suppressMilliseconds: true });
    }
    case 'DATE': {
      if (typeof value !== 'string' || !DATE_STRING.test(value.trim())) return fail();
      const s = value.trim();
      return DateTime.fromFormat(s, 'yyyy-MM-dd', { zone: 'UTC' }).isValid ? s : fail();
    }
    case 'JSON': {
      if (typeof value === 'string') {
        try {
          return JSON.parse(value);
        } catch {
          throw new ValidationError(path, `expected JSON: ${EXPECTED.JSON}, got a string that is not valid JSON`);
        }
      }
      return isJsonValue(value) ? value : fail();
    }
  }
}

function isJsonValue(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (isPlainMap(value)) return Object.values(value).every(isJsonValue);
  return false;
}

/**
 * Validates input values against a flow's declared inputs and returns the coerced, merged map.
 *
 * @param flow the flow whose `inputs` declare the ids and types (only `inputs` is read).
 * @param provided null/undefined or a map of input id → value. A `null` value counts as not
 *   provided, so the default (or the required check) applies.
 * @param field path of `provided`, used as the prefix of error paths (`${field}.<id>`).
 * @param options.partial validate only what is provided: no defaults, no required check. Used for
 *   a trigger's or a backfill's inputs, which are merged with others before an execution starts.
 * @returns provided values coerced to their types (Pebble templates untouched); unless `partial`,
 *   plus defaults for missing inputs and `null` for missing optional inputs without default
 *   (so templates can read `inputs.x` and test it with `??`).
 * @throws ValidationError for a non-map, an unknown id, a wrong type or a missing required input.
 */
export function resolveInputs(flow: Pick<Flow, 'inputs'>, provided: unknown, field: string, options?: { partial?: boolean }): Record<string, unknown> {
  if (provided !== null && provided !== undefined && !isPlainMap(provided)) {
    throw new ValidationError(field, `expected a map of input id to value, got ${describe(provided)}`);
  }
  const declared = new Map(flow.inputs.map((input) => [input.id, input]));
  const result: Record<string, unknown> = {};

  for (const [id, value] of ownEntries(provided ?? {})) {
    const input = declared.get(id);
    if (!input) {
      const known = flow.inputs.length ? `the flow's inputs are: ${flow.inputs.map((i) => i.id).join(', ')}` : 'the flow declares no inputs';
      throw new ValidationError(`${field}.${id}`, `unknown input ${JSON.stringify(id)}; ${known}`);
    }
    if (value === null || value === undefined) continue;
    result[id] = coerceInputValue(input.type, value, `${field}.${id}`);
  }
  if (options?.partial) return result;

  for (const input of flow.inputs) {
    if (Object.hasOwn(result, input.id)) continue;
    if (input.defaults !== undefined && input.defaults !== null) {
      // Defaults were coerced when the flow was parsed; copy JSON values so callers cannot mutate the flow.
      result[input.id] = typeof input.defaults === 'object' ? structuredClone(input.defaults) : input.defaults;
    } else if (input.required) {
      throw new ValidationError(`${field}.${input.id}`, `required input has no value; expected ${input.type}: ${EXPECTED[input.type]}`);
    } else {
      result[input.id] = null;
    }
  }
  return result;
}
