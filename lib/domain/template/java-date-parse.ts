/**
 * Parsing dates with a Java `DateTimeFormatter` pattern (the `existingFormat` argument).
 *
 * The pattern is turned into an anchored regular expression built only from fixed, linear
 * sub-expressions (digit runs, name lists, escaped literals), so a template cannot supply a
 * pathological regex. Resolution follows `AbstractDate.convert`: zoned if the text has an offset or
 * zone id, else local date-time, else local date at the start of the day.
 */
import { TemplateError } from './errors';
import { MONTHS, WEEKDAYS, type PatternPart } from './java-date-pattern';

/** What a pattern extracted from a text; the caller resolves it to an instant. */
export interface ParsedFields {
  year?: number;
  month?: number;
  day?: number;
  dayOfYear?: number;
  hour?: number;
  clockHourOfAmPm?: number;
  hourOfAmPm?: number;
  clockHourOfDay?: number;
  pm?: boolean;
  minute?: number;
  second?: number;
  nano?: number;
  offsetSeconds?: number;
  zoneId?: string;
}

type Setter = (value: string, out: ParsedFields) => void;

interface CompiledParser {
  regex: RegExp;
  setters: Setter[];
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const names = (list: string[]): string => list.map(escapeRegex).join('|');
const SHORT_MONTHS = MONTHS.map((m) => m.slice(0, 3));
const SHORT_DAYS = WEEKDAYS.map((d) => d.slice(0, 3));

const int = (v: string): number => Number.parseInt(v, 10);

function monthFromName(v: string): number {
  const lower = v.toLowerCase();
  const i = MONTHS.findIndex((m) => m.toLowerCase() === lower || m.slice(0, 3).toLowerCase() === lower);
  return i + 1;
}

/** `+02`, `+0200`, `+02:00`, `+02:00:30`, `Z`, `GMT+2`, `UTC` → seconds east of UTC. */
export function parseOffset(v: string): number {
  const s = v.replace(/^(GMT|UTC|UT)/i, '');
  if (s === '' || s === 'Z' || s === 'z') return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(s);
  if (!m) throw new TemplateError(`Invalid offset "${v}"`);
  const [, sign, hours, minutes, seconds] = m;
  const hourCount = int(hours!); // the sign and hour groups are mandatory
  const total = hourCount * 3600 + (minutes ? int(minutes) * 60 : 0) + (seconds ? int(seconds) : 0);
  if (hourCount > 18 || total > 18 * 3600) throw new TemplateError(`Offset out of range: "${v}"`);
  return sign === '-' ? -total : total;
}

function numeric(count: number, min1: number, max: number): string {
  return count === 1 ? `(\\d{${min1},${max}})` : `(\\d{${count}})`;
}

function fieldParser(letter: string, count: number, pattern: string): [string, Setter] {
  switch (letter) {
    case 'u':
    case 'y':
      if (count === 2) return ['(\\d{2})', (v, o) => (o.year = 2000 + int(v))];
      return [`([+-]?\\d{${count >= 4 ? count : 1},10})`, (v, o) => (o.year = int(v))];
    case 'M':
    case 'L':
      if (count <= 2) return [numeric(count, 1, 2), (v, o) => (o.month = int(v))];
      if (count === 3) return [`(${names(SHORT_MONTHS)})`, (v, o) => (o.month = monthFromName(v))];
      if (count === 4) return [`(${names(MONTHS)})`, (v, o) => (o.month = monthFromName(v))];
      break;
    case 'd':
      return [numeric(count, 1, 2), (v, o) => (o.day = int(v))];
    case 'D':
      return [count === 1 ? '(\\d{1,3})' : count === 2 ? '(\\d{2,3})' : '(\\d{3})', (v, o) => (o.dayOfYear = int(v))];
    case 'H':
      return [numeric(count, 1, 2), (v, o) => (o.hour = int(v))];
    case 'k':
      return [numeric(count, 1, 2), (v, o) => (o.clockHourOfDay = int(v))];
    case 'h':
      return [numeric(count, 1, 2), (v, o) => (o.clockHourOfAmPm = int(v))];
    case 'K':
      return [numeric(count, 1, 2), (v, o) => (o.hourOfAmPm = int(v))];
    case 'm':
      return [numeric(count, 1, 2), (v, o) => (o.minute = int(v))];
    case 's':
      return [numeric(count, 1, 2), (v, o) => (o.second = int(v))];
    case 'S':
      return [`(\\d{${count}})`, (v, o) => (o.nano = int(v.padEnd(9, '0')))];
    case 'n':
      return ['(\\d{1,9})', (v, o) => (o.nano = int(v))];
    case 'a':
      return ['(AM|PM)', (v, o) => (o.pm = v.toUpperCase() === 'PM')];
    case 'E':
      return [`(${names(WEEKDAYS)}|${names(SHORT_DAYS)})`, () => undefined];
    case 'e':
    case 'c':
      if (count <= 2) return ['(\\d{1,2})', () => undefined];
      return [`(${names(WEEKDAYS)}|${names(SHORT_DAYS)})`, () => undefined];
    case 'G':
      return ['(Anno Domini|Before Christ|AD|BC|A|B)', () => undefined];
    case 'X':
      return ['(Z|[+-]\\d{2}(?::?\\d{2}(?::?\\d{2})?)?)', (v, o) => (o.offsetSeconds = parseOffset(v))];
    case 'x':
      return ['([+-]\\d{2}(?::?\\d{2}(?::?\\d{2})?)?)', (v, o) => (o.offsetSeconds = parseOffset(v))];
    case 'Z':
      if (count === 4) return ['(GMT(?:[+-]\\d{1,2}(?::\\d{2}(?::\\d{2})?)?)?)', (v, o) => (o.offsetSeconds = parseOffset(v))];
      return ['(Z|[+-]\\d{2}(?::?\\d{2}(?::?\\d{2})?)?)', (v, o) => (o.offsetSeconds = parseOffset(v))];
    case 'O':
      return ['(GMT(?:[+-]\\d{1,2}(?::\\d{2}(?::\\d{2})?)?)?)', (v, o) => (o.offsetSeconds = parseOffset(v))];
    case 'V':
      return ['([A-Za-z][A-Za-z0-9_+\\-/]*)', (v, o) => (o.zoneId = v)];
    case 'z':
      // Short names are ambiguous (IST, CST); only the unambiguous universal ones are accepted.
      return [
        '(UTC|GMT|UT|Z)',
        (v, o) => {
          o.zoneId = v.toUpperCase() === 'Z' ? 'Z' : v.toUpperCase();
        },
      ];
    default:
      break;
  }
  throw new TemplateError(`Date pattern letter '${letter}' cannot be used to parse (existingFormat "${pattern}")`);
}

const compiledParsers = new Map<string, CompiledParser>();
const MAX_VARIABLE_FIELDS = 8;
const MAX_FIELDS = 24;
/** Longest text a pattern is matched against; dates are short. */
const MAX_TEXT_LENGTH = 256;

function compileParser(parts: readonly PatternPart[], pattern: string): CompiledParser {
  const cached = compiledParsers.get(pattern);
  if (cached) return cached;
  let source = '^';
  const setters: Setter[] = [];
  let variableWidth = 0;
  for (const part of parts) {
    if (part.kind === 'literal') {
      source += escapeRegex(part.text);
    } else {
      const [re, setter] = fieldParser(part.letter, part.count, pattern);
      if (/\{\d+,\d+\}/.test(re)) variableWidth++;
      source += re;
      setters.push(setter);
    }
  }
  // Adjacent variable-width fields backtrack combinatorially; real date patterns have a handful.
  if (variableWidth > MAX_VARIABLE_FIELDS || setters.length > MAX_FIELDS) {
    throw new TemplateError(`existingFormat "${pattern}" has too many fields to parse`);
  }
  const parser = { regex: new RegExp(`${source}$`, 'i'), setters };
  if (compiledParsers.size > 200) compiledParsers.clear();
  compiledParsers.set(pattern, parser);
  return parser;
}

/** Extracts fields from `text` with a compiled Java pattern, or throws like `DateTimeParseException`. */
export function parseWithPattern(text: string, parts: readonly PatternPart[], pattern: string): ParsedFields {
  const { regex, setters } = compileParser(parts, pattern);
  if (text.length > MAX_TEXT_LENGTH) throw new TemplateError(`Text is too long to be a date: '${text.slice(0, 40)}…'`);
  const match = regex.exec(text);
  if (!match) throw new TemplateError(`Text '${text}' could not be parsed with the pattern "${pattern}"`);
  const out: ParsedFields = {};
  // One capturing group per field and none optional, so a match fills group i + 1 for every setter.
  for (const [i, set] of setters.entries()) set(match[i + 1]!, out);
  if (out.hour === undefined) {
    if (out.clockHourOfDay !== undefined) out.hour = out.clockHourOfDay === 24 ? 0 : out.clockHourOfDay;
    else if (out.pm !== undefined && out.clockHourOfAmPm !== undefined) out.hour = (out.clockHourOfAmPm % 12) + (out.pm ? 12 : 0);
    else if (out.pm !== undefined && out.hourOfAmPm !== undefined) out.hour = out.hourOfAmPm + (out.pm ? 12 : 0);
  }
  return out;
}
