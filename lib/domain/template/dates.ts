/**
 * Kestra's date helpers (`AbstractDate` and the `date`, `dateAdd`, `timestamp*` filters and `now()`).
 *
 * A date is carried as epoch seconds + nanoseconds + the zone it was read in, like a
 * `ZonedDateTime`: `dateAdd` works in that zone (so `DAYS` follows DST in a region zone, but not in
 * a fixed offset parsed from `…+02:00`, exactly as in Kestra), and formatting converts the instant
 * to the output zone (`timeZone` argument, else the default zone).
 */
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import { TemplateError } from './errors';
import {
  compilePattern,
  computeFields,
  formatPattern,
  offset as formatOffset,
  offsetId,
  type DateFields,
  type JavaZone,
  type PatternPart,
} from './java-date-pattern';
import { parseOffset, parseWithPattern, type ParsedFields } from './java-date-parse';
import { typeName } from './values';

/** A point in time plus the zone it is expressed in (java.time's `ZonedDateTime`). */
export interface ZonedInstant {
  epochSecond: number;
  /** 0 … 999,999,999. */
  nano: number;
  zone: JavaZone;
}

const UTC_ZONE: JavaZone = { id: 'UTC', zone: FixedOffsetZone.utcInstance, isOffset: false };
const zoneCache = new Map<string, JavaZone>();

/** `ZoneId.of(id)`: `Z`, `+02:00`, `UTC`, `GMT+2`, `Europe/Paris`. Throws `TemplateError` for an unknown zone. */
export function resolveZone(id: string): JavaZone {
  const cached = zoneCache.get(id);
  if (cached) return cached;
  const zone = parseZone(id);
  if (zoneCache.size > 500) zoneCache.clear();
  zoneCache.set(id, zone);
  return zone;
}

function parseZone(id: string): JavaZone {
  if (id === 'UTC' || id === 'GMT' || id === 'UT') return { ...UTC_ZONE, id };
  if (id === 'Z' || /^[+-]\d/.test(id)) {
    const seconds = parseOffset(id);
    return { id: offsetId(seconds), zone: FixedOffsetZone.instance(seconds / 60), isOffset: true };
  }
  const prefixed = /^(UTC|GMT|UT)([+-].*)$/.exec(id);
  if (prefixed) {
    const seconds = parseOffset(prefixed[2]!); // both groups are mandatory
    const suffix = seconds === 0 ? '' : offsetId(seconds);
    return { id: `${prefixed[1]}${suffix}`, zone: FixedOffsetZone.instance(seconds / 60), isOffset: false };
  }
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(id) && IANAZone.isValidZone(id)) {
    return { id, zone: IANAZone.create(id), isOffset: false };
  }
  throw new TemplateError(`Unknown time zone "${id}"`);
}

/** Kestra's named formats: `iso`, `sql`… (Java patterns) and the `DateTimeFormatter` constants. */
const NAMED_PATTERNS: Record<string, string> = {
  iso: "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
  iso_sec: "yyyy-MM-dd'T'HH:mm:ssXXX",
  sql: 'yyyy-MM-dd HH:mm:ss.SSSSSS',
  sql_seq: 'yyyy-MM-dd HH:mm:ss',
  // `ofLocalizedDateTime(style)` in the English (US) locale.
  full: "EEEE, MMMM d, y 'at' h:mm:ss a zzzz",
  long: "MMMM d, y 'at' h:mm:ss a z",
  medium: 'MMM d, y, h:mm:ss a',
  short: 'M/d/yy, h:mm a',
};

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** ISO year: 4 digits, `+` beyond 9999, `-` before year 0. */
const isoYear = (year: number): string => (year > 9999 ? `+${year}` : year < 0 ? `-${pad(-year, 4)}` : pad(year, 4));

const isoDate = (f: DateFields): string => `${isoYear(f.year)}-${pad(f.month, 2)}-${pad(f.day, 2)}`;

/** `ISO_LOCAL_TIME`: seconds always, the fraction only as long as needed. */
const isoTime = (f: DateFields): string => {
  const base = `${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}`;
  return f.nano === 0 ? base : `${base}.${pad(f.nano, 9).replace(/0+$/, '')}`;
};

const zoneSuffix = (f: DateFields): string => (f.zone.isOffset ? '' : `[${f.zone.id}]`);

const NAMED_FORMATTERS: Record<string, (f: DateFields) => string> = {
  iso_local_date: isoDate,
  iso_local_time: isoTime,
  iso_local_date_time: (f) => `${isoDate(f)}T${isoTime(f)}`,
  iso_offset_date_time: (f) => `${isoDate(f)}T${isoTime(f)}${offsetId(f.offsetSeconds)}`,
  iso_date_time: (f) => `${isoDate(f)}T${isoTime(f)}${offsetId(f.offsetSeconds)}${zoneSuffix(f)}`,
  iso_zoned_date_time: (f) => `${isoDate(f)}T${isoTime(f)}${offsetId(f.offsetSeconds)}${zoneSuffix(f)}`,
  iso_date: (f) => `${isoDate(f)}${offsetId(f.offsetSeconds)}`,
  iso_time: (f) => `${isoTime(f)}${offsetId(f.offsetSeconds)}`,
  iso_offset_time: (f) => `${isoTime(f)}${offsetId(f.offsetSeconds)}`,
  iso_ordinal_date: (f) => `${isoYear(f.year)}-${pad(f.dayOfYear, 3)}${offsetId(f.offsetSeconds)}`,
  iso_week_date: (f) => `${isoYear(f.isoWeekYear)}-W${pad(f.isoWeekNumber, 2)}-${f.isoWeekday}${offsetId(f.offsetSeconds)}`,
  iso_instant: (f) => {
    const utc = computeFields(Math.floor(f.epochMillis / 1000), f.nano, UTC_ZONE);
    const fraction = f.nano === 0 ? '' : `.${pad(f.nano, 9).replace(/(000)+$/, '')}`;
    return `${isoDate(utc)}T${pad(utc.hour, 2)}:${pad(utc.minute, 2)}:${pad(utc.second, 2)}${fraction}Z`;
  },
  rfc_1123_date_time: (f) =>
    `${formatPattern(compiled('EEE, d MMM yyyy HH:mm:ss'), f)} ${f.offsetSeconds === 0 ? 'GMT' : formatOffset(f.offsetSeconds, '+HHMM', '+0000')}`,
};

const patternCache = new Map<string, PatternPart[]>();

/** Compiled Java pattern, cached: the same few formats are used over and over. */
function compiled(pattern: string): PatternPart[] {
  let parts = patternCache.get(pattern);
  if (!parts) {
    parts = compilePattern(pattern);
    if (patternCache.size > 500) patternCache.clear();
    patternCache.set(pattern, parts);
  }
  return parts;
}

/** Formats an instant in `zone` with a named format or a Java pattern. */
export function formatDate(value: ZonedInstant, format: string, zone: JavaZone): string {
  const fields = computeFields(value.epochSecond, value.nano, zone);
  const named = ownEntry(NAMED_FORMATTERS, format);
  if (named) return named(fields);
  return formatPattern(compiled(ownEntry(NAMED_PATTERNS, format) ?? format), fields);
}

/** The parser for `existingFormat`: a named Java pattern or a raw one. */
function existingFormatParts(format: string): PatternPart[] {
  if (Object.hasOwn(NAMED_FORMATTERS, format)) {
    throw new TemplateError(`existingFormat "${format}" is not supported; use a Java pattern`);
  }
  return compiled(ownEntry(NAMED_PATTERNS, format) ?? format);
}

/** `table[key]` for the table's own keys only (never `constructor` and the like from the prototype). */
function ownEntry<V>(table: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * `AbstractDate.convert`: `Date` and epoch seconds are read in `zone`; strings are parsed as an ISO
 * zoned date-time, then a local date-time (in `zone`), then a local date (start of day in `zone`).
 */
export function toZonedInstant(value: unknown, zone: JavaZone, existingFormat: string | null): ZonedInstant {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TemplateError('Invalid date');
    const epochSecond = Math.floor(ms / 1000);
    return { epochSecond, nano: (ms - epochSecond * 1000) * 1e6, zone };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TemplateError(`Cannot convert ${value} to a date`);
    const epochSecond = Math.floor(value);
    return { epochSecond, nano: Math.round((value - epochSecond) * 1e9), zone };
  }
  if (typeof value !== 'string') {
    throw new TemplateError(`Cannot convert a value of type ${typeName(value)} to a date`);
  }
  const fields = existingFormat !== null ? parseWithPattern(value, existingFormatParts(existingFormat), existingFormat) : parseIso(value);
  return resolveParsed(fields, zone, value);
}

const ISO_RE =
  /^([+-]?\d{4,9})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?(?:\[([^\]]{1,64})\])?)?$/;

/** `ZonedDateTime.parse`, `LocalDateTime.parse`, `LocalDate.parse` with the ISO formats. */
function parseIso(text: string): ParsedFields {
  const m = ISO_RE.exec(text);
  if (!m) throw new TemplateError(`Text '${text}' could not be parsed as an ISO date or date-time`);
  const out: ParsedFields = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (m[4] !== undefined) {
    out.hour = Number(m[4]);
    out.minute = Number(m[5]);
    out.second = m[6] !== undefined ? Number(m[6]) : 0;
    out.nano = m[7] !== undefined ? Number(m[7].padEnd(9, '0')) : 0;
    if (m[8] !== undefined) out.offsetSeconds = parseOffset(m[8]);
    if (m[9] !== undefined) out.zoneId = m[9];
  } else if (/[Tt]|\[/.test(text)) {
    throw new TemplateError(`Text '${text}' could not be parsed as an ISO date or date-time`);
  }
  return out;
}

function resolveParsed(p: ParsedFields, zone: JavaZone, text: string): ZonedInstant {
  const fail = (why: string): never => {
    throw new TemplateError(`Text '${text}' could not be parsed: ${why}`);
  };
  if (p.year === undefined) return fail('no year');
  let month = p.month;
  let day = p.day;
  if ((month === undefined || day === undefined) && p.dayOfYear !== undefined) {
    const d = DateTime.fromObject({ year: p.year, ordinal: p.dayOfYear }, { zone: 'utc' });
    if (!d.isValid) return fail('invalid day of year');
    month = d.month;
    day = d.day;
  }
  if (month === undefined || day === undefined) return fail('no month or day');
  const hasTime = p.hour !== undefined;
  const local = {
    year: p.year,
    month,
    day,
    hour: hasTime ? p.hour : 0,
    minute: hasTime ? (p.minute ?? 0) : 0,
    second: hasTime ? (p.second ?? 0) : 0,
  };
  const nano = hasTime ? (p.nano ?? 0) : 0;
  const check = DateTime.fromObject(local, { zone: 'utc' });
  if (!check.isValid) return fail(check.invalidExplanation ?? 'invalid date');
  if (hasTime && (p.offsetSeconds !== undefined || p.zoneId !== undefined)) {
    const ownZone = p.zoneId !== undefined ? resolveZone(p.zoneId) : resolveZone(offsetId(p.offsetSeconds ?? 0));
    // The offset in the text fixes the instant; a bracketed zone only names the zone.
    const epochSecond = p.offsetSeconds !== undefined ? check.toSeconds() - p.offsetSeconds : DateTime.fromObject(local, { zone: ownZone.zone }).toSeconds();
    return { epochSecond: Math.floor(epochSecond), nano, zone: ownZone };
  }
  // Local date-time (or date at start of day): the zone is applied, DST gaps shift forward as in java.time.
  const dt = DateTime.fromObject(local, { zone: zone.zone });
  if (!dt.isValid) return fail(dt.invalidExplanation ?? 'invalid date');
  return { epochSecond: Math.floor(dt.toSeconds()), nano, zone };
}

const SUB_SECOND_NANOS: Record<string, bigint> = { NANOS: 1n, MICROS: 1_000n, MILLIS: 1_000_000n };
const EXACT_SECONDS: Record<string, number> = { SECONDS: 1, MINUTES: 60, HOURS: 3600, HALF_DAYS: 43_200 };
const CALENDAR_UNITS: Record<string, { unit: 'days' | 'weeks' | 'months' | 'years'; factor: number }> = {
  DAYS: { unit: 'days', factor: 1 },
  WEEKS: { unit: 'weeks', factor: 1 },
  MONTHS: { unit: 'months', factor: 1 },
  YEARS: { unit: 'years', factor: 1 },
  DECADES: { unit: 'years', factor: 10 },
  CENTURIES: { unit: 'years', factor: 100 },
  MILLENNIA: { unit: 'years', factor: 1000 },
};
const UNIT_NAMES = [...Object.keys(SUB_SECOND_NANOS), ...Object.keys(EXACT_SECONDS), ...Object.keys(CALENDAR_UNITS)];

/**
 * `ZonedDateTime.plus(amount, ChronoUnit)`: units up to `HALF_DAYS` are exact durations; `DAYS` and
 * larger move the local date-time and re-resolve the offset (DST-aware in region zones).
 */
export function plusUnit(value: ZonedInstant, amount: number, unit: string): ZonedInstant {
  const nanosPerUnit = ownEntry(SUB_SECOND_NANOS, unit);
  if (nanosPerUnit !== undefined) {
    const total = BigInt(value.epochSecond) * 1_000_000_000n + BigInt(value.nano) + BigInt(amount) * nanosPerUnit;
    let seconds = total / 1_000_000_000n;
    let nano = total % 1_000_000_000n;
    if (nano < 0n) {
      nano += 1_000_000_000n;
      seconds -= 1n;
    }
    return { epochSecond: Number(seconds), nano: Number(nano), zone: value.zone };
  }
  const secondsPerUnit = ownEntry(EXACT_SECONDS, unit);
  if (secondsPerUnit !== undefined) {
    return { ...value, epochSecond: value.epochSecond + amount * secondsPerUnit };
  }
  const calendarUnit = ownEntry(CALENDAR_UNITS, unit);
  if (calendarUnit !== undefined) {
    const { unit: luxonUnit, factor } = calendarUnit;
    const start = DateTime.fromMillis(value.epochSecond * 1000, { zone: value.zone.zone });
    const moved = start.plus({ [luxonUnit]: amount * factor });
    if (!moved.isValid) throw new TemplateError('Date is out of the supported range');
    return { ...value, epochSecond: Math.floor(moved.toSeconds()) };
  }
  throw new TemplateError(`Unknown time unit "${unit}"; expected one of ${UNIT_NAMES.join(', ')}`);
}

/** The `locale` argument: only English is implemented, so anything else fails loudly. */
export function checkLocale(locale: unknown): void {
  if (locale === null || locale === undefined) return;
  if (typeof locale !== 'string' || !/^en([_-][A-Za-z]{2})?$/i.test(locale)) {
    throw new TemplateError(`Locale "${String(locale)}" is not supported; only English locales are`);
  }
}
