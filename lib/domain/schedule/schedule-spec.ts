/**
 * Defaults and validation of a {@link ScheduleSpec}, shared by the fast schedule and the
 * cron-parser reference so both read exactly the same expression.
 */
import { parseCron } from './cron-expression';
import type { ParsedCron } from './cron-expression';
import { InvalidScheduleError } from './errors';
import type { ScheduleSpec } from './types';
import { assertTimeZone } from './zone-offsets';

export interface ValidatedSpec {
  readonly spec: Readonly<Required<ScheduleSpec>>;
  readonly cron: ParsedCron;
}

/** @throws InvalidScheduleError naming the faulty property. */
export function validateSpec(spec: ScheduleSpec): ValidatedSpec {
  const withSeconds = spec.withSeconds ?? false;
  if (typeof withSeconds !== 'boolean') {
    throw new InvalidScheduleError('cron', `withSeconds must be true or false, got ${JSON.stringify(withSeconds)}`);
  }
  const cron = parseCron(spec.cron, withSeconds);
  const timezone = spec.timezone ?? 'UTC';
  assertTimeZone(timezone);
  return { spec: Object.freeze({ cron: spec.cron, withSeconds, timezone }), cron };
}
