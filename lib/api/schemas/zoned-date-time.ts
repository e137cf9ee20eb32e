import { z } from 'zod';
import { describe } from '../../domain/flow/values';

/** ISO-8601 date-time with an offset or `Z`, optionally followed by a bracketed zone id as java.time prints it. */
const ZONED_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})(?:\[[A-Za-z0-9_+\-/]+\])?$/;
const EARLIEST = Date.UTC(1970, 0, 1);
const EXPECTED = 'an ISO-8601 date-time with an offset, e.g. "2024-03-28T06:30:00.000Z"';

/** The reason `text` (matching ZONED_DATE_TIME) names no instant we accept, or its instant. */
function toInstant(text: string): { ms: number } | { problem: string } {
  const match = ZONED_DATE_TIME.exec(text)!;
  const [, y, mo, d, h, mi, sec = '0', frac = '0'] = match;
  const offset = match[8]!; // a mandatory group, so set on a match
  const month = Number(mo);
  const day = Number(d);
  const local = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec), Number(frac.padEnd(3, '0').slice(0, 3)));
  if (month < 1 || month > 12 || new Date(local).getUTCDate() !== day || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    return { problem: 'is not a valid calendar date-time' };
  }
  let offsetMs = 0;
  if (offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 18 || om > 59) return { problem: 'has an offset out of range (±18:00)' };
    offsetMs = sign * (oh * 60 + om) * 60_000;
  }
  const ms = local - offsetMs;
  if (ms < EARLIEST) return { problem: 'is before 1970-01-01T00:00:00Z' };
  return { ms };
}

/**
 * A date-time the way Kestra's `ZonedDateTime` fields accept them: an offset (or `Z`) is required,
 * seconds and fractions are optional, a `[Zone/Id]` suffix is allowed; calendar-valid; from 1970.
 * Parses to the instant as a `Date`.
 */
export const zonedDateTime = z
  .string({ error: (issue) => `expected ${EXPECTED}, got ${describe(issue.input)}` })
  .regex(ZONED_DATE_TIME, { error: (issue) => `"${issue.input as string}" is not ${EXPECTED}` })
  .meta({
    description: 'An ISO-8601 date-time with an offset (Z or ±hh:mm); seconds, fractions and a [Zone/Id] suffix are optional; from 1970-01-01T00:00:00Z.',
    examples: ['2024-03-28T06:30:00.000Z', '2024-03-28T07:30:00+01:00[Europe/Paris]'],
  })
  .transform((text, ctx): Date => {
    const instant = toInstant(text);
    if ('ms' in instant) return new Date(instant.ms);
    ctx.issues.push({ code: 'custom', input: text, message: `"${text}" ${instant.problem}` });
    return z.NEVER;
  });
