import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { createBackfillBody, parseBody, type triggerRefBody, updateBackfillBody, zonedDateTime } from '../../../lib/api/schemas';
import type { BackfillRequest } from '../../../lib/domain/backfill';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { ValidationError } from '../../../lib/domain/flow/errors';

const ids = { namespace: 'dev', flowId: 'f', triggerId: 'schedule' };
const parse = (backfill: unknown): BackfillRequest => parseBody(createBackfillBody, { ...ids, backfill });

/** The message a client would read for `body`, or `undefined` if it parses. */
function messageFor(body: unknown): string | undefined {
  try {
    parseBody(createBackfillBody, body);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).message;
  }
}

const ISO = 'an ISO-8601 date-time with an offset, e.g. "2024-03-28T06:30:00.000Z"';

describe('zonedDateTime', () => {
  it.each([
    ['2024-03-28T06:30:00.000Z', '2024-03-28T06:30:00.000Z'],
    ['2024-03-28T06:30:00Z', '2024-03-28T06:30:00.000Z'],
    ['2024-03-28T07:30:00+01:00', '2024-03-28T06:30:00.000Z'],
    ['2024-03-28T01:30-0500', '2024-03-28T06:30:00.000Z'],
    ['2024-03-28T07:30:00.123456789+01:00[Europe/Paris]', '2024-03-28T06:30:00.123Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(zonedDateTime.parse(text).toISOString()).toBe(iso);
  });

  it.each([
    ['2024-03-28', `"2024-03-28" is not ${ISO}`],
    ['2024-03-28T06:30:00', `"2024-03-28T06:30:00" is not ${ISO}`],
    ['now', `"now" is not ${ISO}`],
    ['', `"" is not ${ISO}`],
    ['2024-13-01T00:00:00Z', '"2024-13-01T00:00:00Z" is not a valid calendar date-time'],
    ['2024-02-30T00:00:00Z', '"2024-02-30T00:00:00Z" is not a valid calendar date-time'],
    ['2024-03-28T24:00:00Z', '"2024-03-28T24:00:00Z" is not a valid calendar date-time'],
    ['2024-03-28T06:30:60Z', '"2024-03-28T06:30:60Z" is not a valid calendar date-time'],
    ['2024-03-28T06:30:00+19:00', '"2024-03-28T06:30:00+19:00" has an offset out of range (±18:00)'],
    ['2024-03-28T06:30:00+05:60', '"2024-03-28T06:30:00+05:60" has an offset out of range (±18:00)'],
    ['1969-12-31T23:00:00Z', '"1969-12-31T23:00:00Z" is before 1970-01-01T00:00:00Z'],
    ['1970-01-01T00:30:00+01:00', '"1970-01-01T00:30:00+01:00" is before 1970-01-01T00:00:00Z'],
  ])('refuses %s naming the field', (text, expected) => {
    expect(messageFor({ ...ids, backfill: { start: text } })).toBe(`backfill.start: ${expected}`);
  });

  it('refuses non-strings, saying what came', () => {
    expect(messageFor({ ...ids, backfill: { start: '2024-03-28T06:30:00Z', end: 1711607400000 } })).toBe(
      `backfill.end: expected ${ISO}, got the number 1711607400000`,
    );
    expect(messageFor({ ...ids, backfill: {} })).toBe(`backfill.start: expected ${ISO}, got nothing`);
  });
});

describe('createBackfillBody (the preview body, and PUT /triggers with a backfill)', () => {
  it('outputs exactly the commands the use cases take (checked by tsc)', () => {
    expectTypeOf<z.output<typeof createBackfillBody>>().toEqualTypeOf<BackfillRequest>();
    expectTypeOf<z.output<typeof triggerRefBody>>().toEqualTypeOf<TriggerRef>();
  });

  it('becomes the BackfillRequest the use cases take, with defaults filled in', () => {
    expect(parse({ start: '2024-03-28T07:30:00+01:00' })).toEqual({
      ...ids,
      start: new Date('2024-03-28T06:30:00Z'),
      end: null,
      inputs: null,
      labels: [],
      reprocess: 'ALL',
      order: 'OLDEST_FIRST',
      maxConcurrency: null,
      notify: null,
      latestRevision: false,
      failurePolicy: null,
    });
    expect(
      parse({
        start: '2024-03-28T06:30:00Z',
        end: '2024-03-29T00:00:00Z',
        inputs: { region: 'eu' },
        labels: { reason: 'outage', n: 3 },
        reprocess: 'MISSING',
        order: 'NEWEST_FIRST',
        maxConcurrency: 4,
        latestRevision: true,
        failurePolicy: { maxFailurePercent: 12.5, action: 'CANCEL' },
        notify: { webhook: 'https://hooks.example.com/x?token=t' },
      }),
    ).toEqual({
      ...ids,
      start: new Date('2024-03-28T06:30:00Z'),
      end: new Date('2024-03-29T00:00:00Z'),
      inputs: { region: 'eu' },
      labels: [
        { key: 'reason', value: 'outage' },
        { key: 'n', value: '3' },
      ],
      reprocess: 'MISSING',
      order: 'NEWEST_FIRST',
      maxConcurrency: 4,
      latestRevision: true,
      failurePolicy: { maxFailurePercent: 12.5, action: 'CANCEL' },
      notify: { webhook: 'https://hooks.example.com/x?token=t' },
    });
  });

  it("reads null like absent, and ignores the other fields of Kestra's Trigger JSON", () => {
    const request = parseBody(createBackfillBody, {
      ...ids,
      nextExecutionDate: '2024-03-29T00:00:00Z',
      disabled: false,
      backfill: { start: '2024-03-28T06:30:00Z', end: null, inputs: null, labels: null, reprocess: null, order: null, failurePolicy: null },
    });
    expect(request).toEqual({
      ...ids,
      start: new Date('2024-03-28T06:30:00Z'),
      end: null,
      inputs: null,
      labels: [],
      reprocess: 'ALL',
      order: 'OLDEST_FIRST',
      maxConcurrency: null,
      notify: null,
      latestRevision: false,
      failurePolicy: null,
    });
  });

  it.each([
    [[1, 2], 'body: expected a JSON object, got a list'],
    [null, 'body: expected a JSON object, got nothing'],
    ['str', 'body: expected a JSON object, got the string "str"'],
    [{ flowId: 'f', triggerId: 't', backfill: { start: '2024-01-01T00:00:00Z' } }, 'namespace: expected a non-empty string, got nothing'],
    [{ ...ids, flowId: 5 }, 'flowId: expected a non-empty string, got the number 5'],
    [{ ...ids, triggerId: '  ' }, 'triggerId: expected a non-empty string, got the string "  "'],
    [ids, 'backfill: expected an object with at least "start", got nothing'],
    [{ ...ids, backfill: [] }, 'backfill: expected an object with at least "start", got a list'],
    [{ ...ids, backfill: { start: '2024-01-01T00:00:00Z', inputs: [1] } }, 'backfill.inputs: expected an object mapping input ids to values, got a list'],
    [
      { ...ids, backfill: { start: '2024-01-01T00:00:00Z', inputs: 'x' } },
      'backfill.inputs: expected an object mapping input ids to values, got the string "x"',
    ],
    [
      { ...ids, backfill: { start: '2024-01-01T00:00:00Z', reprocess: 'SOME' } },
      'backfill.reprocess: expected one of ALL, FAILED_AND_MISSING, MISSING, got the string "SOME"',
    ],
    [
      { ...ids, backfill: { start: '2024-01-01T00:00:00Z', reprocess: 5 } },
      'backfill.reprocess: expected one of ALL, FAILED_AND_MISSING, MISSING, got the number 5',
    ],
    [
      { ...ids, backfill: { start: '2024-01-01T00:00:00Z', order: 'BACKWARDS' } },
      'backfill.order: expected one of OLDEST_FIRST, NEWEST_FIRST, got the string "BACKWARDS"',
    ],
    [{ ...ids, backfill: { start: '2024-01-01T00:00:00Z', order: true } }, 'backfill.order: expected one of OLDEST_FIRST, NEWEST_FIRST, got the boolean true'],
  ])('refuses %j: %s', (body, message) => {
    expect(messageFor(body)).toBe(message);
  });

  it.each([
    [[{ key: 'system.from', value: 'x' }], 'backfill.labels[0].key: System labels can only be set by Kestra itself, offending label: system.from=x'],
    [
      { Reason: 'x' },
      'backfill.labels.Reason: invalid label key "Reason": expected a lowercase letter first, then letters, digits, ".", "_" or "-" (pattern ^[\\p{Ll}][\\p{L}0-9._-]*$)',
    ],
    [[{ key: 'reason', value: '' }], 'backfill.labels[0].value: label "reason" has an empty value; expected a non-empty string'],
    [
      [
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
      ],
      'backfill.labels[1].key: duplicate label key "a" (already set by backfill.labels[0].key); expected each key once',
    ],
    [[{ key: 'a', value: '1', extra: 1 }], 'backfill.labels[0].extra: unknown label property "extra"; expected only "key" and "value"'],
    [[5], 'backfill.labels[0]: expected a label as {key, value}, got the number 5'],
    [{ a: {} }, 'backfill.labels.a: Unsupported type for key "a": expected a string, number or boolean, got a map'],
    [{ '': 'x' }, 'backfill.labels.: label key is empty; expected a non-empty key'],
    ['x', 'backfill.labels: expected labels as a list of {key, value} or a map of key to value, got the string "x"'],
  ])("refuses the labels %j with the flow parser's rules and words", (labels, message) => {
    expect(messageFor({ ...ids, backfill: { start: '2024-01-01T00:00:00Z', labels } })).toBe(message);
  });

  it('names the first offending field in the order of the request', () => {
    expect(messageFor({ backfill: { start: 'bad' } })).toMatch(/^namespace: /);
    expect(messageFor({ ...ids, backfill: { start: 'bad', end: 'bad', labels: 5 } })).toMatch(/^backfill\.start: /);
    expect(messageFor({ ...ids, backfill: { start: '2024-01-01T00:00:00Z', inputs: 5, reprocess: 'X', labels: 5 } })).toMatch(/^backfill\.inputs: /);
    expect(messageFor({ ...ids, backfill: { start: '2024-01-01T00:00:00Z', reprocess: 'X', labels: 5 } })).toMatch(/^backfill\.reprocess: /);
  });

  it('sets the error path to the field, as the UI shows errors next to it', () => {
    try {
      parse({
        start: '2024-01-01T00:00:00Z',
        labels: [
          { key: 'ok', value: 'x' },
          { key: 'Bad', value: 'y' },
        ],
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ path: 'backfill.labels[1].key', expected: expect.stringContaining('invalid label key "Bad"') });
    }
  });
});

describe('backfill.maxConcurrency', () => {
  it('is null (the service limit) when absent or null, and kept when a positive integer', () => {
    expect(parse({ start: '2024-03-28T06:30:00Z' }).maxConcurrency).toBeNull();
    expect(parse({ start: '2024-03-28T06:30:00Z', maxConcurrency: null }).maxConcurrency).toBeNull();
    expect(parse({ start: '2024-03-28T06:30:00Z', maxConcurrency: 2 }).maxConcurrency).toBe(2);
  });

  it.each([0, -1, 1.5, '2', true])('refuses %j naming the field', (value) => {
    expect(messageFor({ ...ids, backfill: { start: '2024-03-28T06:30:00Z', maxConcurrency: value } })).toMatch(
      /^backfill\.maxConcurrency: expected a positive integer, got /,
    );
  });
});

describe('backfill.latestRevision', () => {
  it("is false (the backfill pins the flow's revision) when absent or null, and kept when a boolean", () => {
    expect(parse({ start: '2024-03-28T06:30:00Z' }).latestRevision).toBe(false);
    expect(parse({ start: '2024-03-28T06:30:00Z', latestRevision: null }).latestRevision).toBe(false);
    expect(parse({ start: '2024-03-28T06:30:00Z', latestRevision: true }).latestRevision).toBe(true);
    expect(parse({ start: '2024-03-28T06:30:00Z', latestRevision: false }).latestRevision).toBe(false);
  });

  it.each(['true', 1, {}])('refuses %j naming the field', (value) => {
    expect(messageFor({ ...ids, backfill: { start: '2024-03-28T06:30:00Z', latestRevision: value } })).toMatch(
      /^backfill\.latestRevision: expected true or false, got /,
    );
  });
});

describe('backfill.failurePolicy', () => {
  const policyOf = (failurePolicy: unknown) => parse({ start: '2024-03-28T06:30:00Z', failurePolicy }).failurePolicy;

  it('is null (none) when absent or null, and keeps the thresholds given and the action', () => {
    expect(parse({ start: '2024-03-28T06:30:00Z' }).failurePolicy).toBeNull();
    expect(policyOf(null)).toBeNull();
    expect(policyOf({ maxFailures: 0, action: 'PAUSE' })).toEqual({ maxFailures: 0, action: 'PAUSE' });
    expect(policyOf({ maxFailures: 5, maxFailurePercent: 100, action: 'CANCEL' })).toEqual({ maxFailures: 5, maxFailurePercent: 100, action: 'CANCEL' });
  });

  it.each([
    [{ action: 'PAUSE' }, 'backfill.failurePolicy: expected "maxFailures", "maxFailurePercent" or both: the failures tolerated before the action applies'],
    [{ maxFailures: 3 }, 'backfill.failurePolicy.action: expected one of PAUSE, CANCEL, got nothing'],
    [{ maxFailures: 3, action: 'STOP' }, 'backfill.failurePolicy.action: expected one of PAUSE, CANCEL, got the string "STOP"'],
    [{ maxFailures: -1, action: 'PAUSE' }, 'backfill.failurePolicy.maxFailures: expected an integer of 0 or more, got the number -1'],
    [{ maxFailures: 1.5, action: 'PAUSE' }, 'backfill.failurePolicy.maxFailures: expected an integer of 0 or more, got the number 1.5'],
    [{ maxFailures: '3', action: 'PAUSE' }, 'backfill.failurePolicy.maxFailures: expected an integer of 0 or more, got the string "3"'],
    [{ maxFailurePercent: 101, action: 'PAUSE' }, 'backfill.failurePolicy.maxFailurePercent: expected a number from 0 to 100, got the number 101'],
    [{ maxFailurePercent: -0.5, action: 'PAUSE' }, 'backfill.failurePolicy.maxFailurePercent: expected a number from 0 to 100, got the number -0.5'],
    [5, 'backfill.failurePolicy: expected an object with "maxFailures" or "maxFailurePercent", and "action", got the number 5'],
  ])('refuses %j naming the field', (failurePolicy, message) => {
    expect(messageFor({ ...ids, backfill: { start: '2024-03-28T06:30:00Z', failurePolicy } })).toBe(message);
  });
});

describe('updateBackfillBody', () => {
  const update = (body: unknown) => parseBody(updateBackfillBody, body);

  it('reads the trigger and the new maxConcurrency', () => {
    expect(update({ ...ids, backfill: { maxConcurrency: 6 } })).toEqual({ ref: ids, maxConcurrency: 6 });
  });

  it.each([
    [{ ...ids }, /^backfill: expected an object with "maxConcurrency", got /],
    [{ ...ids, backfill: {} }, /^backfill\.maxConcurrency: expected a positive integer, got /],
    [{ ...ids, backfill: { maxConcurrency: 0 } }, /^backfill\.maxConcurrency: expected a positive integer, got the number 0$/],
    [{ flowId: 'f', triggerId: 'schedule', backfill: { maxConcurrency: 2 } }, /^namespace: /],
  ])('refuses %j naming the field', (body, expected) => {
    expect(() => update(body)).toThrow(expected);
  });
});
