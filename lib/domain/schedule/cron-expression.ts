/**
 * Validation of Kestra cron expressions, on top of cron-parser.
 *
 * cron-parser is lenient where Kestra (cron-utils) is strict: it pads a 4-field expression with
 * defaults, knows macros Kestra does not (`@minutely`, `@weekdays`…) and supports Jenkins' random
 * `H`. Those are rejected here, and its terse errors are reworded for an end user, naming the
 * field and the range that was expected.
 */
import { CronExpressionParser } from 'cron-parser';
import type { CronFieldCollection } from 'cron-parser';
import { InvalidScheduleError } from './errors';

/** A validated expression in the six-field form cron-parser reads, with its parsed fields. */
export interface ParsedCron {
  /** Seconds first; a five-field expression gets a `0` seconds field. */
  readonly sixFields: string;
  readonly fields: CronFieldCollection;
}

/** Kestra's nicknames (cron-utils' supported set), as five-field expressions. */
const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const NICKNAME_LIST = Object.keys(NICKNAMES).join(', ');

/** In six-field order (seconds first). */
const FIELD_NAMES = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;

const FIELD_RANGES = ['0-59', '0-59', '0-23', '1-31', '1-12 or JAN-DEC', '0-7 or SUN-SAT (0 and 7 are Sunday)'];

const FIVE_FIELDS = 'minute hour day-of-month month day-of-week';
const SIX_FIELDS = `second ${FIVE_FIELDS}`;

const MONTH_FIELD = 4;
const DAY_OF_WEEK_FIELD = 5;

/**
 * Validates `cron` and returns it in cron-parser's six-field form.
 * @throws InvalidScheduleError (field `cron`) with a message naming what was expected.
 */
export function parseCron(cron: unknown, withSeconds: boolean): ParsedCron {
  if (typeof cron !== 'string') {
    throw new InvalidScheduleError('cron', `invalid cron expression: expected a string such as "0 9 * * 1-5", got ${cron === null ? 'null' : typeof cron}`);
  }
  const invalid = (detail: string) => new InvalidScheduleError('cron', `invalid cron expression "${cron}": ${detail}`);
  const trimmed = cron.trim();

  let expression = trimmed;
  if (trimmed.startsWith('@')) {
    const mapped = Object.hasOwn(NICKNAMES, trimmed) ? NICKNAMES[trimmed] : undefined;
    if (mapped === undefined) {
      const what = trimmed === '@reboot' ? '@reboot is not supported by Schedule triggers' : `unknown nickname ${trimmed}`;
      throw invalid(`${what}; expected one of ${NICKNAME_LIST} or ${withSeconds ? 6 : 5} fields (${withSeconds ? SIX_FIELDS : FIVE_FIELDS})`);
    }
    expression = withSeconds ? `0 ${mapped}` : mapped;
  }

  const atoms = expression === '' ? [] : expression.split(/\s+/);
  const expected = withSeconds ? 6 : 5;
  if (atoms.length !== expected) {
    let hint = '';
    if (!withSeconds && atoms.length === 6) hint = '; set withSeconds: true to use a leading seconds field';
    if (withSeconds && atoms.length === 5) hint = ' because withSeconds is true';
    throw invalid(`expected ${expected} fields (${withSeconds ? SIX_FIELDS : FIVE_FIELDS}), found ${atoms.length}${hint}`);
  }
  const six = withSeconds ? atoms : ['0', ...atoms];

  // Checking each field alone lets the message name the field cron-parser choked on.
  six.forEach((atom, index) => {
    const problem = fieldProblem(atom, index);
    if (problem !== null) throw invalid(problem);
  });

  const sixFields = six.join(' ');
  try {
    return { sixFields, fields: CronExpressionParser.parse(sixFields).fields };
  } catch (error) {
    const message = errorMessage(error);
    if (/Invalid explicit day of month definition/.test(message)) {
      throw invalid(`day-of-month "${six[3]}" never occurs in month "${six[4]}"; expected a day that exists in at least one of those months`);
    }
    throw invalid(message);
  }
}

/** What is wrong with one field on its own, or null when cron-parser accepts it. */
function fieldProblem(atom: string, index: number): string | null {
  const name = FIELD_NAMES[index];
  const range = FIELD_RANGES[index];
  if (name === undefined || range === undefined) throw new RangeError(`No cron field at index ${index}`);
  // Month and day names are letters; any other letter H is Jenkins' random hash.
  const withoutNames = index === MONTH_FIELD || index === DAY_OF_WEEK_FIELD ? atom.replace(/[a-z]{3}/gi, '') : atom;
  if (/h/i.test(withoutNames)) {
    return `${name} "${atom}": random values (H) are not supported`;
  }
  const probe = ['0', '*', '*', '*', '*', '*'];
  probe[index] = atom;
  try {
    CronExpressionParser.parse(probe.join(' '));
    return null;
  } catch (error) {
    return describeFieldError(errorMessage(error), name, range, atom);
  }
}

function describeFieldError(message: string, name: string, range: string, atom: string): string {
  if (/^Constraint error, got (value|range) /.test(message)) {
    return `${name} must be ${range} (got "${atom}")`;
  }
  const alias = /cannot resolve alias "(\w+)"/.exec(message)?.[1];
  if (alias) {
    return `${name} has an unknown name "${alias.toUpperCase()}"; expected ${range}`;
  }
  if (/^Invalid characters/.test(message)) {
    return `${name} "${atom}" is not valid; expected ${range}, a range (1-5), a list (1,3), a step (*/15) or *`;
  }
  const reversed = /^Invalid range: (\d+)-(\d+), min/.exec(message);
  if (reversed) {
    return `${name} range "${reversed[1]}-${reversed[2]}" is reversed; the start must not be after the end`;
  }
  if (/cannot repeat at every/.test(message)) {
    return `${name} "${atom}": the step after "/" must be a positive integer`;
  }
  return `${name} "${atom}" is not valid (${message.replace(/^Constraint error, /, '')})`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
