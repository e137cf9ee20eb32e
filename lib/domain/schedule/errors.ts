/**
 * The error thrown for a Schedule trigger definition this service cannot run.
 *
 * `field` names the offending trigger property so callers (flow parsing, the API) can point at it
 * without parsing the message; the message itself is written for an end user.
 */
export class InvalidScheduleError extends Error {
  /** The trigger property at fault. */
  readonly field: 'cron' | 'timezone';

  constructor(field: 'cron' | 'timezone', message: string) {
    super(message);
    this.name = 'InvalidScheduleError';
    this.field = field;
  }
}
