/**
 * Java `DateTimeFormatter` patterns: compiling `ofPattern` strings and formatting with them.
 *
 * Kestra's `date` filters take Java patterns (`yyyy-MM-dd'T'HH:mm:ssXXX`, `EEE, d MMM yyyy`), not
 * moment/luxon tokens, so the letters and their repeat counts follow `DateTimeFormatterBuilder.appendPattern`
 * (java.time, English/US locale). luxon only supplies the calendar fields and the time-zone rules.
 */
import { DateTime, type Zone } from 'luxon';
import { TemplateError } from './errors';

/** A java.time `ZoneId`: either a fixed `ZoneOffset` (`Z`, `+02:00`) or a region (`Europe/Paris`, `UTC`). */
export interface JavaZone {
  /** The id Java would print for `VV` (`Europe/Paris`, `UTC`, `+02:00`, `Z`). */
  id: string;
  zone: Zone;
  /** `true` for a `ZoneOffset`: ISO_ZONED_DATE_TIME then prints no `[zone]` suffix. */
  isOffset: boolean;
}

/** Fields of a zoned date-time, computed once per formatting call. */
export interface DateFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nano: number;
  dayOfYear: number;
  /** 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
  isoWeekYear: number;
  isoWeekNumber: number;
  offsetSeconds: number;
  epochMillis: number;
  zone: JavaZone;
}

/** A compiled pattern element: quoted/plain text or a letter with its repeat count. */
export type PatternPart = { kind: 'literal'; text: string } | { kind: 'field'; letter: string; count: number };

/** English month names (Java's default `Locale.US` text). */
export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** English day names, Monday first like `DayOfWeek`. */
export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const QUARTER_NAMES = ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter'];

/** Largest repeat count `appendPattern` accepts per letter (java.time). */
const MAX_COUNT: Record<string, number> = {
  G: 5,
  u: 19,
  y: 19,
  Y: 19,
  Q: 5,
  q: 5,
  M: 5,
  L: 5,
  w: 2,
  W: 1,
  E: 5,
  e: 5,
  c: 5,
  a: 1,
  h: 2,
  K: 2,
  k: 2,
  H: 2,
  m: 2,
  s: 2,
  S: 9,
  A: 19,
  n: 19,
  N: 19,
  V: 2,
  v: 4,
  z: 4,
  O: 4,
  X: 5,
  x: 5,
  Z: 5,
  D: 3,
  d: 2,
};
/** Valid java.time letters this engine does not implement. */
const UNSUPPORTED_LETTERS = new Set(['B', 'F', 'g', 'p']);

/** Compiles a Java `DateTimeFormatter.ofPattern` string. Throws `TemplateError` like Java's `IllegalArgumentException`. */
export function compilePattern(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  const pushLiteral = (text: string): void => {
    const last = parts[parts.length - 1];
    if (last && last.kind === 'literal') last.text += text;
    else parts.push({ kind: 'literal', text });
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      let j = i + 1;
      while (j < pattern.length && pattern[j] === c) j++;
      const count = j - i;
      if (UNSUPPORTED_LETTERS.has(c)) {
        throw new TemplateError(`Date pattern letter '${c}' is not supported (pattern "${pattern}")`);
      }
      const max = MAX_COUNT[c];
      if (max === undefined) throw new TemplateError(`Unknown pattern letter: ${c} (pattern "${pattern}")`);
      if (count > max) throw new TemplateError(`Too many pattern letters: ${c} (pattern "${pattern}")`);
      if (c === 'V' && count !== 2) throw new TemplateError(`Pattern letter count must be 2: V (pattern "${pattern}")`);
      if ((c === 'O' || c === 'v') && count !== 1 && count !== 4) {
        throw new TemplateError(`Pattern letter count must be 1 or 4: ${c} (pattern "${pattern}")`);
      }
      if (c === 'c' && count === 2) throw new TemplateError(`Invalid pattern "cc" (pattern "${pattern}")`);
      parts.push({ kind: 'field', letter: c, count });
      i = j;
    } else if (c === "'") {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= pattern.length) {
          throw new TemplateError(`Pattern ends with an incomplete string literal: ${pattern}`);
        }
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      // `''` outside a literal is one quote.
      pushLiteral(j === i + 1 ? "'" : text);
      i = j + 1;
    } else if (c === '[' || c === ']') {
      // Optional sections: every field is always available when formatting, so they always print.
      i++;
    } else if (c === '{' || c === '}' || c === '#') {
      throw new TemplateError(`Pattern includes reserved character: '${c}' (pattern "${pattern}")`);
    } else {
      pushLiteral(c);
      i++;
    }
  }
  return parts;
}

/** Computes the calendar fields of an instant in a zone. */
export function computeFields(epochSecond: number, nano: number, zone: JavaZone): DateFields {
  const epochMillis = epochSecond * 1000 + Math.floor(nano / 1e6);
  const dt = DateTime.fromMillis(epochMillis, { zone: zone.zone });
  if (!dt.isValid) throw new TemplateError('Date is out of the supported range');
  return {
    year: dt.year,
    month: dt.month,
    day: dt.day,
    hour: dt.hour,
    minute: dt.minute,
    second: dt.second,
    nano,
    dayOfYear: dt.ordinal,
    isoWeekday: dt.weekday,
    isoWeekYear: dt.weekYear,
    isoWeekNumber: dt.weekNumber,
    offsetSeconds: dt.offset * 60,
    epochMillis,
    zone,
  };
}

/** Formats fields with a compiled pattern. */
export function formatPattern(parts: readonly PatternPart[], f: DateFields): string {
  let out = '';
  for (const part of parts) {
    out += part.kind === 'literal' ? part.text : formatField(part.letter, part.count, f);
  }
  return out;
}

const pad = (value: number, width: number): string => {
  const s = String(Math.abs(value));
  const padded = s.length >= width ? s : '0'.repeat(width - s.length) + s;
  return value < 0 ? `-${padded}` : padded;
};

/** `appendValue(field, count, 19, EXCEEDS_PAD)`: a `+` marks a value wider than the pattern. */
function yearValue(value: number, count: number): string {
  if (count === 2) return pad(((value % 100) + 100) % 100, 2);
  if (count === 1) return String(value);
  const s = pad(value, count);
  return count >= 4 && value > 0 && String(value).length > count ? `+${s}` : s;
}

function text(full: string, count: number): string {
  if (count === 4) return full;
  if (count === 5) return full.charAt(0);
  return full.slice(0, 3);
}

/** `table[index]` where the field's range guarantees the index (month 1-12, ISO weekday 1-7, letter count 1-5). */
function pick(table: readonly string[], index: number): string {
  const value = table[index];
  if (value === undefined) throw new TemplateError(`Date field out of range (index ${index})`);
  return value;
}

/** US week rules (weeks start on Sunday, week 1 contains 1 January), as Java uses for English. */
function usWeek(f: DateFields): { weekYear: number; week: number; weekOfMonth: number; localDay: number } {
  const localDay = (f.isoWeekday % 7) + 1; // Sunday = 1
  const dayUtc = Date.UTC(f.year, f.month - 1, f.day);
  const startOfWeek = dayUtc - (localDay - 1) * 86_400_000;
  const weekYear = new Date(startOfWeek + 6 * 86_400_000).getUTCFullYear();
  const jan1 = Date.UTC(weekYear, 0, 1);
  const firstWeekStart = jan1 - new Date(jan1).getUTCDay() * 86_400_000;
  const week = Math.floor((startOfWeek - firstWeekStart) / (7 * 86_400_000)) + 1;
  const firstOfMonthDay = new Date(Date.UTC(f.year, f.month - 1, 1)).getUTCDay();
  const weekOfMonth = Math.floor((f.day - 1 + firstOfMonthDay) / 7) + 1;
  return { weekYear, week, weekOfMonth, localDay };
}

function formatField(letter: string, count: number, f: DateFields): string {
  switch (letter) {
    case 'G':
      return count === 4 ? (f.year > 0 ? 'Anno Domini' : 'Before Christ') : count === 5 ? (f.year > 0 ? 'A' : 'B') : f.year > 0 ? 'AD' : 'BC';
    case 'u':
      return yearValue(f.year, count);
    case 'y':
      return yearValue(f.year > 0 ? f.year : 1 - f.year, count);
    case 'Y':
      return yearValue(usWeek(f).weekYear, count);
    case 'Q':
    case 'q': {
      const q = Math.floor((f.month - 1) / 3) + 1;
      if (count <= 2) return pad(q, count);
      if (count === 3) return `Q${q}`;
      return count === 4 ? pick(QUARTER_NAMES, q - 1) : String(q);
    }
    case 'M':
    case 'L':
      return count <= 2 ? pad(f.month, count) : text(pick(MONTHS, f.month - 1), count);
    case 'w':
      return pad(usWeek(f).week, count);
    case 'W':
      return String(usWeek(f).weekOfMonth);
    case 'd':
      return pad(f.day, count);
    case 'D':
      return pad(f.dayOfYear, count);
    case 'E':
      return text(pick(WEEKDAYS, f.isoWeekday - 1), count);
    case 'e':
    case 'c':
      return count <= 2 ? pad(usWeek(f).localDay, count) : text(pick(WEEKDAYS, f.isoWeekday - 1), count);
    case 'a':
      return f.hour < 12 ? 'AM' : 'PM';
    case 'h':
      return pad(f.hour % 12 === 0 ? 12 : f.hour % 12, count);
    case 'K':
      return pad(f.hour % 12, count);
    case 'k':
      return pad(f.hour === 0 ? 24 : f.hour, count);
    case 'H':
      return pad(f.hour, count);
    case 'm':
      return pad(f.minute, count);
    case 's':
      return pad(f.second, count);
    case 'S':
      return pad(f.nano, 9).slice(0, count);
    case 'A':
      return pad(((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + Math.floor(f.nano / 1e6), count);
    case 'n':
      return pad(f.nano, count);
    case 'N':
      return pad(((f.hour * 60 + f.minute) * 60 + f.second) * 1e9 + f.nano, count);
    case 'V':
      return f.zone.id;
    case 'z':
      return zoneName(f, count === 4 ? 'long' : 'short');
    case 'v':
      return zoneName(f, count === 4 ? 'longGeneric' : 'shortGeneric');
    case 'O':
      return localizedOffset(f.offsetSeconds, count === 4);
    case 'X':
      return offset(f.offsetSeconds, pick(X_PATTERNS, count - 1), 'Z');
    case 'x':
      return offset(f.offsetSeconds, pick(X_PATTERNS, count - 1), pick(X_ZERO, count - 1));
    case 'Z':
      if (count <= 3) return offset(f.offsetSeconds, '+HHMM', '+0000');
      return count === 4 ? localizedOffset(f.offsetSeconds, true) : offset(f.offsetSeconds, '+HH:MM:ss', 'Z');
    default:
      throw new TemplateError(`Unknown pattern letter: ${letter}`);
  }
}

const X_PATTERNS = ['+HHmm', '+HHMM', '+HH:MM', '+HHMMss', '+HH:MM:ss'];
const X_ZERO = ['+00', '+0000', '+00:00', '+0000', '+00:00'];

/**
 * java.time's `appendOffset(pattern, noOffsetText)`: upper-case `MM`/`SS` always print, lower-case
 * `mm`/`ss` only when non-zero.
 */
export function offset(totalSeconds: number, pattern: string, zeroText: string): string {
  if (totalSeconds === 0) return zeroText;
  const abs = Math.abs(totalSeconds);
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  const seconds = abs % 60;
  const colon = pattern.includes(':') ? ':' : '';
  let out = (totalSeconds < 0 ? '-' : '+') + pad(hours, 2);
  const minutePart = pattern.includes('MM') ? 'always' : pattern.includes('mm') ? 'optional' : 'never';
  const secondPart = pattern.includes('SS') ? 'always' : pattern.includes('ss') ? 'optional' : 'never';
  const showSeconds = secondPart === 'always' || (secondPart === 'optional' && seconds !== 0);
  if (minutePart === 'always' || (minutePart === 'optional' && (minutes !== 0 || showSeconds)) || showSeconds) {
    out += colon + pad(minutes, 2);
  }
  if (showSeconds) out += colon + pad(seconds, 2);
  return out;
}

/** Java's ISO offset id: `Z`, `+02:00`, or `+05:30:15`. */
export function offsetId(totalSeconds: number): string {
  return offset(totalSeconds, '+HH:MM:ss', 'Z');
}

/** `O` / `OOOO` (and `ZZZZ`): `GMT`, `GMT+2`, `GMT+02:00`. */
function localizedOffset(totalSeconds: number, full: boolean): string {
  if (totalSeconds === 0) return 'GMT';
  const abs = Math.abs(totalSeconds);
  const sign = totalSeconds < 0 ? '-' : '+';
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  const seconds = abs % 60;
  if (full) return `GMT${sign}${pad(hours, 2)}:${pad(minutes, 2)}${seconds ? `:${pad(seconds, 2)}` : ''}`;
  return `GMT${sign}${hours}${minutes || seconds ? `:${pad(minutes, 2)}` : ''}${seconds ? `:${pad(seconds, 2)}` : ''}`;
}

type ZoneNameStyle = 'short' | 'long' | 'shortGeneric' | 'longGeneric';
const zoneNameFormats = new Map<string, Intl.DateTimeFormat | null>();

function zoneNameFormat(locale: string, zoneId: string, style: ZoneNameStyle): Intl.DateTimeFormat | null {
  const key = `${locale}|${zoneId}|${style}`;
  let fmt = zoneNameFormats.get(key);
  if (fmt === undefined) {
    try {
      fmt = new Intl.DateTimeFormat(locale, { timeZone: zoneId, timeZoneName: style });
    } catch {
      fmt = null;
    }
    // The key space is bounded by the zones and styles in use, but keep it small anyway.
    if (zoneNameFormats.size > 500) zoneNameFormats.clear();
    zoneNameFormats.set(key, fmt);
  }
  return fmt;
}

/**
 * Zone names (`z`, `zzzz`, `v`, `vvvv`). Java prints a `ZoneOffset` as its id; for regions the
 * names come from the platform's CLDR data: en-US first, en-GB when en-US only knows `GMT+1`
 * (Java says `CET` for Europe/Paris).
 */
function zoneName(f: DateFields, style: ZoneNameStyle): string {
  if (f.zone.isOffset) return f.zone.id;
  const date = new Date(f.epochMillis);
  const read = (locale: string): string | undefined =>
    zoneNameFormat(locale, f.zone.id, style)
      ?.formatToParts(date)
      .find((p) => p.type === 'timeZoneName')?.value;
  const us = read('en-US');
  if (us === undefined) return f.zone.id;
  if (style === 'short' && /^GMT[+-]/.test(us)) {
    const gb = read('en-GB');
    if (gb !== undefined && !/^GMT[+-]/.test(gb)) return gb;
  }
  return us;
}
