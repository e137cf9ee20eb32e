/**
 * The filters a template may use (`value | name(args)`), Pebble core plus Kestra's extensions.
 *
 * A `Map` (not an object literal) holds them so that a template naming `constructor` or `__proto__`
 * as a filter finds nothing. Every filter is pure: no I/O, no clock except `now()` through the runtime.
 */
import { TemplateError } from './errors';
import { checkLocale, formatDate, plusUnit, resolveZone, toZonedInstant, type ZonedInstant } from './dates';
import type { JavaZone } from './java-date-pattern';
import { DEFAULT_NUMBER_PATTERN, formatDecimal } from './number-format';
import type { Args, CallableDef } from './registry-types';
import type { Runtime } from './runtime';
import { isEmptyValue, isPlainObject, javaString, listItems, newMap, ownKeys, readData, setOwn, toJson, toText, typeName } from './values';

const filter = (argNames: readonly string[], apply: CallableDef['apply'], extra?: Partial<CallableDef>): CallableDef => ({
  argNames,
  apply,
  ...extra,
});

/** An optional string argument; `null` when absent. */
function stringArg(args: Args, name: string, owner: string): string | null {
  const v = args.get(name);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new TemplateError(`Argument "${name}" of "${owner}" must be a string, got ${typeName(v)}`);
  return v;
}

/** An optional integer argument; `null` when absent. */
export function integerArg(args: Args, name: string, owner: string): number | null {
  const v = args.get(name);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TemplateError(`Argument "${name}" of "${owner}" must be an integer, got ${typeName(v)}`);
  }
  return v;
}

function requireString(input: unknown, owner: string): string {
  if (typeof input !== 'string') throw new TemplateError(`"${owner}" expects a string, got ${typeName(input)}`);
  return input;
}

function requireList(input: unknown, owner: string): unknown[] {
  if (!Array.isArray(input)) throw new TemplateError(`"${owner}" expects a list, got ${typeName(input)}`);
  return listItems(input);
}

function requireMap(input: unknown, owner: string): Record<string, unknown> {
  if (!isPlainObject(input)) throw new TemplateError(`"${owner}" expects a map, got ${typeName(input)}`);
  return input;
}

/** Arguments shared by Kestra's date filters (`AbstractDate`). */
interface DateArgs {
  format: string;
  zone: JavaZone;
  existingFormat: string | null;
}

/** Reads `format` (default `iso`), `timeZone` (default: the render's zone), `existingFormat`, `locale`. */
export function dateArgs(args: Args, rt: Runtime, owner: string): DateArgs {
  checkLocale(args.get('locale'));
  const timeZone = stringArg(args, 'timeZone', owner);
  return {
    format: stringArg(args, 'format', owner) ?? 'iso',
    zone: timeZone !== null ? resolveZone(timeZone) : rt.defaultZone,
    existingFormat: stringArg(args, 'existingFormat', owner),
  };
}

function instantOf(input: unknown, args: Args, rt: Runtime, owner: string): ZonedInstant {
  const { zone, existingFormat } = dateArgs(args, rt, owner);
  return toZonedInstant(input, zone, existingFormat);
}

const DATE_ARGS = ['format', 'timeZone', 'existingFormat', 'locale'];
const TIMESTAMP_ARGS = ['timeZone', 'existingFormat'];

/** Java's `String.trim()`: strips chars up to U+0020 (a loop: a trailing-run regex backtracks quadratically). */
function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 32) start++;
  while (end > start && s.charCodeAt(end - 1) <= 32) end--;
  return s.slice(start, end);
}

/** Java's `String.split(delimiter, limit)` with a literal delimiter (no regex: no ReDoS). */
function javaSplit(s: string, delimiter: string, limit: number, rt: Runtime): string[] {
  if (delimiter !== '' && !s.includes(delimiter)) return [s];
  if (delimiter === '') rt.checkSize(s.length, 'split');
  let parts = s.split(delimiter);
  rt.checkSize(parts.length, 'split');
  if (limit > 0 && parts.length > limit) {
    parts = [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(delimiter)];
  } else if (limit === 0) {
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  }
  return parts;
}

/** Natural ordering for `sort`: numbers with numbers, strings with strings. */
function naturalCompare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError(`Cannot sort a list mixing ${typeName(a)} and ${typeName(b)}`);
}

/** `URLEncoder.encode(s, UTF_8)`: space becomes `+`, only `A-Za-z0-9.-*_` stay as they are. */
function urlEncode(s: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const ESCAPES: Record<string, [string, string]> = {
  single: ["'", "\\'"],
  double: ['"', '\\"'],
  shell: ["'", "'\\''"],
};

function escapeValue(value: unknown, escapePair: readonly [string, string], rt: Runtime): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) return listItems(value).map((v) => escapeValue(v, escapePair, rt));
  if (isPlainObject(value)) {
    const out = newMap();
    for (const k of ownKeys(value)) {
      rt.tick();
      setOwn(out, k, escapeValue(readData(value, k), escapePair, rt));
    }
    return out;
  }
  const [from, to] = escapePair;
  return rt.checkString(toText(value, rt).replaceAll(from, () => to));
}

/** `replace({'a': 'b'})`: literal replacement; the result size is checked before it is built. */
function replacePairs(input: string, pairs: Record<string, unknown>, rt: Runtime): string {
  let s = input;
  for (const key of ownKeys(pairs)) {
    rt.checkTime();
    const replacement = toText(readData(pairs, key), rt);
    const occurrences = key === '' ? s.length + 1 : s.split(key).length - 1;
    rt.checkLength(s.length + occurrences * (replacement.length - key.length));
    s = s.replaceAll(key, () => replacement);
  }
  return s;
}

/** Registered filters, by name. */
export const FILTERS: ReadonlyMap<string, CallableDef> = new Map<string, CallableDef>([
  // --- Dates (Kestra AbstractDate) ---
  [
    'date',
    filter(DATE_ARGS, (input, args, rt) => {
      if (input === null) return null;
      const { format, zone, existingFormat } = dateArgs(args, rt, 'date');
      return formatDate(toZonedInstant(input, zone, existingFormat), format, zone);
    }),
  ],
  [
    'dateAdd',
    filter(['amount', 'unit', ...DATE_ARGS], (input, args, rt) => {
      if (input === null) return null;
      const amount = integerArg(args, 'amount', 'dateAdd');
      const unit = stringArg(args, 'unit', 'dateAdd');
      if (amount === null || unit === null) throw new TemplateError('"dateAdd" needs an amount and a unit, e.g. dateAdd(-1, \'DAYS\')');
      const { format, zone, existingFormat } = dateArgs(args, rt, 'dateAdd');
      return formatDate(plusUnit(toZonedInstant(input, zone, existingFormat), amount, unit), format, zone);
    }),
  ],
  ['timestamp', filter(TIMESTAMP_ARGS, (input, args, rt) => (input === null ? null : instantOf(input, args, rt, 'timestamp').epochSecond))],
  [
    'timestampMilli',
    filter(TIMESTAMP_ARGS, (input, args, rt) => {
      if (input === null) return null;
      const d = instantOf(input, args, rt, 'timestampMilli');
      return d.epochSecond * 1000 + Math.floor(d.nano / 1e6);
    }),
  ],
  [
    'timestampMicro',
    filter(TIMESTAMP_ARGS, (input, args, rt) => {
      if (input === null) return null;
      const d = instantOf(input, args, rt, 'timestampMicro');
      return String(BigInt(d.epochSecond) * 1_000_000n + BigInt(Math.floor(d.nano / 1000)));
    }),
  ],
  [
    'timestampNano',
    filter(TIMESTAMP_ARGS, (input, args, rt) => {
      if (input === null) return null;
      const d = instantOf(input, args, rt, 'timestampNano');
      return String(BigInt(d.epochSecond) * 1_000_000_000n + BigInt(d.nano));
    }),
  ],

  // --- Strings ---
  ['upper', filter([], (input, _a, rt) => (input === null ? null : toText(input, rt).toUpperCase()))],
  ['lower', filter([], (input, _a, rt) => (input === null ? null : toText(input, rt).toLowerCase()))],
  [
    'capitalize',
    filter([], (input, _a, rt) => {
      if (input === null) return null;
      const s = toText(input, rt);
      return s.charAt(0).toUpperCase() + s.slice(1);
    }),
  ],
  [
    'title',
    filter([], (input, _a, rt) => {
      if (input === null) return null;
      let capitalizeNext = true;
      let out = '';
      for (const c of toText(input, rt)) {
        if (/\s/.test(c)) {
          capitalizeNext = true;
          out += c;
        } else {
          out += capitalizeNext ? c.toUpperCase() : c;
          capitalizeNext = false;
        }
      }
      return out;
    }),
  ],
  ['trim', filter([], (input, _a, rt) => (input === null ? null : javaTrim(toText(input, rt))))],
  [
    'abbreviate',
    filter(['length'], (input, args, rt) => {
      if (input === null) return null;
      const max = integerArg(args, 'length', 'abbreviate');
      if (max === null || max < 0) throw new TemplateError('"abbreviate" needs a non-negative length');
      const s = toText(input, rt);
      if (s.length <= max) return s;
      return max < 3 ? s.slice(0, max) : `${s.slice(0, max - 3)}...`;
    }),
  ],
  [
    'replace',
    filter(['replace_pairs', 'regexp'], (input, args, rt) => {
      if (input === null) return null;
      if (args.get('regexp') === true) {
        throw new TemplateError('"replace" with regexp=true is not supported (regular expressions could run unbounded)');
      }
      return replacePairs(toText(input, rt), requireMap(args.get('replace_pairs'), 'replace'), rt);
    }),
  ],
  [
    'split',
    filter(['delimiter', 'limit'], (input, args, rt) => {
      if (input === null) return null;
      const delimiter = stringArg(args, 'delimiter', 'split');
      if (delimiter === null) throw new TemplateError('"split" needs a delimiter');
      return javaSplit(toText(input, rt), delimiter, integerArg(args, 'limit', 'split') ?? 0, rt);
    }),
  ],
  [
    'escapeChar',
    filter(['type'], (input, args, rt) => {
      const type = stringArg(args, 'type', 'escapeChar');
      if (type === null) throw new TemplateError("The 'escapeChar' filter expects an argument 'type'.");
      const key = type.toLowerCase();
      const escapePair = Object.hasOwn(ESCAPES, key) ? ESCAPES[key] : undefined;
      if (escapePair === undefined) {
        throw new TemplateError("The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double', or 'shell'.");
      }
      return escapeValue(input, escapePair, rt);
    }),
  ],
  ['urlencode', filter([], (input, _a, rt) => (input === null ? null : urlEncode(toText(input, rt))))],
  [
    'urldecode',
    filter([], (input, _a, rt) => {
      if (input === null) return null;
      try {
        return decodeURIComponent(toText(input, rt).replace(/\+/g, ' '));
      } catch {
        throw new TemplateError('"urldecode": malformed URL encoding');
      }
    }),
  ],
  ['base64encode', filter([], (input, _a, rt) => (input === null ? null : Buffer.from(toText(input, rt), 'utf8').toString('base64')))],
  ['base64decode', filter([], (input, _a, rt) => (input === null ? null : Buffer.from(toText(input, rt), 'base64').toString('utf8')))],
  ['startsWith', filter(['value'], (input, args, rt) => input !== null && toText(input, rt).startsWith(toText(args.get('value') ?? null, rt)))],
  ['endsWith', filter(['value'], (input, args, rt) => input !== null && toText(input, rt).endsWith(toText(args.get('value') ?? null, rt)))],
  ...(['substringBefore', 'substringBeforeLast', 'substringAfter', 'substringAfterLast'] as const).map((name): [string, CallableDef] => [
    name,
    filter(['separator'], (input, args, rt) => {
      if (input === null) return null;
      const s = toText(input, rt);
      const sep = stringArg(args, 'separator', name);
      if (sep === null) return name.startsWith('substringBefore') ? s : '';
      const i = name.endsWith('Last') ? s.lastIndexOf(sep) : s.indexOf(sep);
      if (name.startsWith('substringBefore')) return i < 0 ? s : s.slice(0, i);
      return i < 0 ? '' : s.slice(i + sep.length);
    }),
  ]),

  // --- Values and collections ---
  ['default', filter(['default'], (input, args) => (isEmptyValue(input) ? (args.get('default') ?? null) : input), { tolerateUndefinedInput: true })],
  [
    'length',
    filter([], (input) => {
      if (typeof input === 'string' || Array.isArray(input)) return input.length;
      if (isPlainObject(input)) return ownKeys(input).length;
      return 0;
    }),
  ],
  [
    'first',
    filter([], (input) => {
      if (input === null) return null;
      if (typeof input === 'string') return input === '' ? null : input[0];
      const list = requireList(input, 'first');
      return list.length > 0 ? list[0] : null;
    }),
  ],
  [
    'last',
    filter([], (input) => {
      if (input === null) return null;
      if (typeof input === 'string') return input === '' ? null : input[input.length - 1];
      const list = requireList(input, 'last');
      return list.length > 0 ? list[list.length - 1] : null;
    }),
  ],
  [
    'join',
    filter(['separator'], (input, args, rt) => {
      if (input === null) return null;
      const separator = stringArg(args, 'separator', 'join') ?? '';
      let out = '';
      requireList(input, 'join').forEach((item, i) => {
        rt.tick();
        out = rt.checkString(i === 0 ? javaString(item, rt) : out + separator + javaString(item, rt));
      });
      return out;
    }),
  ],
  [
    'slice',
    filter(['fromIndex', 'toIndex'], (input, args) => {
      if (input === null) return null;
      const value = typeof input === 'string' ? input : requireList(input, 'slice');
      const from = integerArg(args, 'fromIndex', 'slice') ?? 0;
      const to = integerArg(args, 'toIndex', 'slice') ?? value.length;
      if (from < 0) throw new TemplateError('"slice": fromIndex must be greater than or equal to 0');
      if (to > value.length) throw new TemplateError('"slice": toIndex must not exceed the input length');
      if (from > to) throw new TemplateError('"slice": fromIndex must be smaller than or equal to toIndex');
      return value.slice(from, to);
    }),
  ],
  [
    'reverse',
    filter([], (input) => {
      if (input === null) return null;
      if (typeof input === 'string') return [...input].reverse().join('');
      return requireList(input, 'reverse').reverse();
    }),
  ],
  ['sort', filter([], (input) => (input === null ? null : requireList(input, 'sort').sort(naturalCompare)))],
  ['rsort', filter([], (input) => (input === null ? null : requireList(input, 'rsort').sort((a, b) => naturalCompare(b, a))))],
  [
    'distinct',
    filter([], (input, _a, rt) => {
      if (input === null) return null;
      const seen = new Set<string>();
      return requireList(input, 'distinct').filter((item) => {
        const key = `${typeName(item)}:${toJson(item, true, rt)}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }),
  ],
  [
    'merge',
    filter(['items'], (input, args, rt) => {
      const items = args.get('items') ?? null;
      if (Array.isArray(input)) {
        const out = [...listItems(input), ...(Array.isArray(items) ? listItems(items) : [items])];
        rt.checkSize(out.length, 'merge');
        return out;
      }
      const base = requireMap(input, 'merge');
      const extra = requireMap(items, 'merge');
      const out = newMap();
      for (const k of ownKeys(base)) setOwn(out, k, readData(base, k));
      for (const k of ownKeys(extra)) setOwn(out, k, readData(extra, k));
      return out;
    }),
  ],
  ['keys', filter([], (input) => (input === null ? null : ownKeys(requireMap(input, 'keys'))))],
  [
    'values',
    filter([], (input) => {
      if (input === null) return null;
      const map = requireMap(input, 'values');
      return ownKeys(map).map((k) => readData(map, k));
    }),
  ],

  // --- Numbers ---
  [
    'abs',
    filter([], (input) => {
      if (typeof input !== 'number') throw new TemplateError(`"abs" expects a number, got ${typeName(input)}`);
      return Math.abs(input);
    }),
  ],
  [
    'number',
    filter(['type'], (input) => {
      if (input === null) return null;
      const s = requireString(input, 'number').trim();
      if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[dDfFlL]?$/.test(s)) {
        throw new TemplateError(`"number": '${s}' is not a valid number`);
      }
      return Number(s.replace(/[dDfFlL]$/, ''));
    }),
  ],
  [
    'numberFormat',
    filter(['format', 'locale'], (input, args) => {
      if (input === null) return null;
      checkLocale(args.get('locale'));
      if (typeof input !== 'number') throw new TemplateError(`"numberFormat" expects a number, got ${typeName(input)}`);
      return formatDecimal(input, stringArg(args, 'format', 'numberFormat') ?? DEFAULT_NUMBER_PATTERN);
    }),
  ],

  // --- JSON ---
  ['json', filter(['includeNulls'], (input, args, rt) => (input === null ? 'null' : toJson(input, args.get('includeNulls') === true, rt)))],
  ['toJson', filter(['includeNulls'], (input, args, rt) => (input === null ? 'null' : toJson(input, args.get('includeNulls') === true, rt)))],
  ['fromJson', filter([], (input) => parseJson(input))],
]);

/** `JSON.parse` without a reviver (no code runs); errors become `TemplateError`. */
export function parseJson(input: unknown): unknown {
  if (input === null) return null;
  const text = requireString(input, 'fromJson');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TemplateError(`Invalid JSON: ${(e as Error).message}`);
  }
}
