/**
 * Test helpers: the cron-parser oracle and local-time conversions that do not go through the
 * code under test.
 */
import { CronExpressionParser } from 'cron-parser';
import { referenceTicksBetween } from '../../../lib/domain/schedule';
import type { ScheduleSpec } from '../../../lib/domain/schedule';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();

/** UTC offset (ms) of `timezone` at `ms`, read from Intl directly. */
export function offsetOf(timezone: string, ms: number): number {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
    formats.set(timezone, format);
  }
  const name = format.format(ms).split('GMT')[1];
  if (!name) return 0;
  const [, sign, hours, minutes] = /([+-])(\d\d):(\d\d)/.exec(name)!;
  return (sign === '-' ? -1 : 1) * (Number(hours) * HOUR + Number(minutes) * MINUTE);
}

/** The instant of an unambiguous local wall time such as '2025-01-01T00:00' in `timezone`. */
export function localInstant(timezone: string, local: string): number {
  const asUtc = Date.parse(`${local}Z`);
  const guess = asUtc - offsetOf(timezone, asUtc);
  return asUtc - offsetOf(timezone, guess);
}

/** First instant after `ms` at which `timezone` changes offset, if one comes within two days. */
function nextOffsetChange(timezone: string, ms: number): number | null {
  const initial = offsetOf(timezone, ms);
  let high = ms;
  while (offsetOf(timezone, high) === initial) {
    high += 15 * MINUTE;
    if (high - ms > 2 * DAY) return null;
  }
  let low = high - 15 * MINUTE;
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetOf(timezone, middle) === initial) low = middle;
    else high = middle;
  }
  return high;
}

/** True when cron-parser's search from `afterMs` ends in its loop limit before reaching `untilMs`. */
function cronParserGivesUp(spec: ScheduleSpec, afterMs: number, untilMs: number): boolean {
  // cron-parser knows the nicknames, except Kestra's @midnight.
  const cron = spec.cron === '@midnight' ? '@daily' : spec.cron;
  const expression = cron.startsWith('@') || spec.withSeconds ? cron : `0 ${cron}`;
  const iterator = CronExpressionParser.parse(expression, { currentDate: afterMs, endDate: untilMs, tz: spec.timezone ?? 'UTC' });
  try {
    iterator.next();
    return false;
  } catch (error) {
    return /loop limit/.test((error as Error).message);
  }
}

/**
 * The expected ticks in [fromMs, toMs]: `referenceTicksBetween` (cron-parser), except that where
 * cron-parser gives up for good (its loop limit, on Australia/Lord_Howe's half-hour fall-back),
 * cron-parser's own ticks resume just after the offset change, as compileSchedule documents.
 */
export function expectedTicks(spec: ScheduleSpec, fromMs: number, toMs: number, limit = Infinity): number[] {
  const ticks = referenceTicksBetween(spec, fromMs, toMs, limit);
  if (ticks.length >= limit || fromMs > toMs) return ticks;
  const last = ticks.at(-1) ?? fromMs - 1;
  if (!cronParserGivesUp(spec, last, toMs)) return ticks;
  const resume = nextOffsetChange(spec.timezone ?? 'UTC', last);
  if (resume === null) return ticks;
  return [...ticks, ...expectedTicks(spec, resume, toMs, limit - ticks.length)];
}

/** ISO strings for readable failure messages. */
/** The value, or a thrown error (a failed test) when it is undefined: for ticks a window must contain. */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Expected ${what}, found none`);
  return value;
}

export function iso(ticks: readonly number[]): string[] {
  return ticks.map((t) => new Date(t).toISOString());
}
