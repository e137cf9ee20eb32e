/**
 * The functions a template may call (`name(args)`): Kestra's `now`, `fromJson`/`json` and Pebble's
 * `range`, `min`, `max`. Anything else (`read`, `secret`, `source`, `include`…) is unknown.
 */
import { TemplateError } from './errors';
import { formatDate, toZonedInstant } from './dates';
import { dateArgs, integerArg, parseJson } from './filters';
import type { CallableDef } from './registry-types';
import type { Runtime } from './runtime';
import { typeName } from './values';

/** Pebble's `RangeFunction` (also behind `a..b`): inclusive, numbers or single characters. */
export function range(start: unknown, end: unknown, step: number, rt: Runtime): unknown[] {
  if (step === 0) throw new TemplateError('range: the increment must not be 0');
  if (typeof start === 'string' && typeof end === 'string' && start.length === 1 && end.length === 1) {
    return range(start.charCodeAt(0), end.charCodeAt(0), step, rt).map((c) => String.fromCharCode(c as number));
  }
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isInteger(start) || !Number.isInteger(end)) {
    throw new TemplateError(`range: bounds must be integers or single characters, got ${typeName(start)} and ${typeName(end)}`);
  }
  const size = rangeSize(start, end, step);
  rt.checkSize(size, 'The range');
  const out = new Array<number>(size);
  for (let i = 0; i < size; i++) out[i] = start + i * step;
  return out;
}

/** Number of elements of an inclusive integer range. */
export function rangeSize(start: number, end: number, step: number): number {
  if ((step > 0 && end < start) || (step < 0 && end > start)) return 0;
  return Math.floor((end - start) / step) + 1;
}

function extreme(args: ReadonlyMap<string, unknown>, pick: (a: number, b: number) => boolean, name: string): unknown {
  let best: number | null = null;
  for (const value of args.values()) {
    if (typeof value !== 'number') throw new TemplateError(`"${name}" expects numbers, got ${typeName(value)}`);
    if (best === null || pick(value, best)) best = value;
  }
  return best;
}

const fromJson: CallableDef = { argNames: ['json'], apply: (_i, args) => parseJson(args.get('json') ?? null) };

/** Registered functions, by name. */
export const FUNCTIONS: ReadonlyMap<string, CallableDef> = new Map<string, CallableDef>([
  [
    'now',
    {
      argNames: ['format', 'timeZone', 'locale'],
      readsClock: true,
      apply: (_input, args, rt) => {
        const { format, zone } = dateArgs(args, rt, 'now');
        return formatDate(toZonedInstant(rt.now(), zone, null), format, zone);
      },
    },
  ],
  ['fromJson', fromJson],
  // Kestra's deprecated `json(string)` function parses, like `fromJson`.
  ['json', fromJson],
  [
    'range',
    {
      argNames: ['start', 'end', 'increment'],
      apply: (_input, args, rt) => range(args.get('start') ?? null, args.get('end') ?? null, integerArg(args, 'increment', 'range') ?? 1, rt),
    },
  ],
  ['min', { argNames: null, apply: (_input, args) => extreme(args, (a, b) => a < b, 'min') }],
  ['max', { argNames: null, apply: (_input, args) => extreme(args, (a, b) => a > b, 'max') }],
]);
