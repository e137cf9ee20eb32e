/**
 * Small helpers shared by the flow parsers: shape checks on untyped values and their
 * human-readable description for error messages. Internal to `lib/domain/flow`.
 */
import { Duration } from 'luxon';
import { ValidationError } from './errors';

/**
 * A plain key→value object (what YAML mappings and JSON objects become). Buffers (`!!binary`),
 * Dates and class instances are excluded so they never pass as a map.
 */
export function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Own keys only, so a `__proto__` key from YAML/JSON is seen as the data it is. */
export function ownEntries(map: Record<string, unknown>): [string, unknown][] {
  return Object.keys(map).map((k) => [k, map[k]]);
}

export function hasOwn(map: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(map, key);
}

/** Describes a value's kind for "expected X, got Y" messages (short; never dumps big values). */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'a list';
  if (isPlainMap(value)) return 'a map';
  if (value instanceof Date) return 'a timestamp';
  return `a value of type ${typeof value}`;
}

/**
 * Parses an ISO-8601 duration the way Kestra does (Java `Duration.parse`): only days and
 * time parts, so `P1M`, `P1Y` and `P1W` are rejected even though luxon accepts them, and
 * the duration must be positive (a zero timeout or delay is a mistake, not a setting).
 * Returns milliseconds.
 */
export function parseDuration(value: unknown, path: string): number {
  const example = 'an ISO-8601 duration of days, hours, minutes and seconds such as PT5M, PT1H30M or P1D';
  if (typeof value !== 'string') {
    throw new ValidationError(path, `expected ${example}, got ${describe(value)}`);
  }
  // Java's Duration.parse is case-insensitive; luxon is not.
  const duration = Duration.fromISO(value.trim().toUpperCase());
  if (!duration.isValid) {
    throw new ValidationError(path, `invalid duration ${JSON.stringify(value)}: expected ${example}`);
  }
  const parts = duration.toObject();
  if (parts.years || parts.quarters || parts.months || parts.weeks) {
    throw new ValidationError(path, `invalid duration ${JSON.stringify(value)}: years, months and weeks are not allowed; expected ${example}`);
  }
  const ms = duration.toMillis();
  if (!(ms > 0)) {
    throw new ValidationError(path, `invalid duration ${JSON.stringify(value)}: expected a positive duration such as PT5M`);
  }
  return ms;
}
