import { describe, expect, it } from 'vitest';
import { parseBody, setDisabledByTriggersBody, triggerRefBody, triggerRefsBody, updateTriggerBody } from '../../../lib/api/schemas';
import { ValidationError } from '../../../lib/domain/flow/errors';

const ids = { namespace: 'dev', flowId: 'f', triggerId: 't' };

function messageFor(schema: Parameters<typeof parseBody>[0], body: unknown): string | undefined {
  try {
    parseBody(schema, body);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).message;
  }
}

describe('updateTriggerBody (PUT /triggers)', () => {
  it('is a backfill when it has one, whatever `disabled` says', () => {
    const command = parseBody(updateTriggerBody, { ...ids, disabled: true, backfill: { start: '2024-03-28T06:30:00Z' } });
    expect(command).toEqual({
      action: 'CREATE_BACKFILL',
      request: {
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
      },
    });
  });

  it('switches the trigger without one', () => {
    expect(parseBody(updateTriggerBody, { ...ids, disabled: true })).toEqual({ action: 'SET_DISABLED', ref: ids, disabled: true });
    expect(parseBody(updateTriggerBody, { ...ids, backfill: null, disabled: false, nextExecutionDate: 'x' })).toEqual({
      action: 'SET_DISABLED',
      ref: ids,
      disabled: false,
    });
  });

  it.each([
    [ids, 'backfill: expected an object with at least "start" (or "disabled": true/false to switch the trigger)'],
    [{ ...ids, backfill: null }, 'backfill: expected an object with at least "start" (or "disabled": true/false to switch the trigger)'],
    [{ ...ids, disabled: 'yes' }, 'disabled: expected true or false, got "yes"'],
    [{ ...ids, disabled: null }, 'disabled: expected true or false, got null'],
    [{ ...ids, disabled: [] }, 'disabled: expected true or false, got []'],
    [{ ...ids, triggerId: '', disabled: true }, 'triggerId: expected a non-empty string, got the string ""'],
    [{ ...ids, backfill: 5 }, 'backfill: expected an object with at least "start", got the number 5'],
    [{ ...ids, backfill: { start: 'yesterday' } }, 'backfill.start: "yesterday" is not an ISO-8601 date-time with an offset, e.g. "2024-03-28T06:30:00.000Z"'],
    [{ ...ids, backfill: { start: '2024-03-28T06:30:00Z' }, disabled: 'yes' }, 'disabled: expected true or false, got "yes"'],
    [true, 'body: expected a JSON object, got the boolean true'],
  ])('refuses %j: %s', (body, message) => {
    expect(messageFor(updateTriggerBody, body)).toBe(message);
  });
});

describe('trigger references', () => {
  it('reads the ids and drops the rest of the Trigger JSON', () => {
    expect(parseBody(triggerRefBody, { ...ids, backfill: { paused: true }, disabled: false })).toEqual(ids);
    expect(parseBody(triggerRefsBody, [ids, { ...ids, triggerId: 'u' }])).toEqual([ids, { ...ids, triggerId: 'u' }]);
    expect(parseBody(setDisabledByTriggersBody, { triggers: [ids], disabled: false })).toEqual({ triggers: [ids], disabled: false });
  });

  it.each([
    [triggerRefBody, [1], 'body: expected a JSON object, got a list'],
    [triggerRefBody, { namespace: 'dev' }, 'flowId: expected a non-empty string, got nothing'],
    [triggerRefsBody, {}, 'body: expected a JSON array of {namespace, flowId, triggerId}'],
    [triggerRefsBody, [ids, {}], '[1].namespace: expected a non-empty string, got nothing'],
    [triggerRefsBody, [5], '[0]: expected a JSON object, got the number 5'],
    [setDisabledByTriggersBody, { disabled: true }, 'triggers: expected a non-empty array of {namespace, flowId, triggerId}'],
    [setDisabledByTriggersBody, { triggers: [], disabled: true }, 'triggers: expected a non-empty array of {namespace, flowId, triggerId}'],
    [setDisabledByTriggersBody, { triggers: 'x', disabled: true }, 'triggers: expected a non-empty array of {namespace, flowId, triggerId}'],
    [setDisabledByTriggersBody, { triggers: [ids] }, 'disabled: expected true or false, got null'],
    [setDisabledByTriggersBody, { triggers: [ids], disabled: 'yes' }, 'disabled: expected true or false, got "yes"'],
    [setDisabledByTriggersBody, { triggers: [ids, { namespace: 'x' }], disabled: true }, 'triggers[1].flowId: expected a non-empty string, got nothing'],
    [setDisabledByTriggersBody, [], 'body: expected a JSON object, got a list'],
  ] as const)('refuses %#: %s', (schema, body, message) => {
    expect(messageFor(schema, body)).toBe(message);
  });
});
