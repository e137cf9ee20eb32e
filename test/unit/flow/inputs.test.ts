import { describe, expect, it } from 'vitest';
import { coerceInputValue, isTemplate, resolveInputs } from '../../../lib/domain/flow/inputs';
import type { FlowInput } from '../../../lib/domain/flow/model';
import { expectValidationError } from './helpers';

const flow: { inputs: FlowInput[] } = {
  inputs: [
    { id: 'region', type: 'STRING', required: true },
    { id: 'batch', type: 'INT', required: true, defaults: 10 },
    { id: 'ratio', type: 'FLOAT', required: false },
    { id: 'dry', type: 'BOOLEAN', required: false, defaults: false },
    { id: 'at', type: 'DATETIME', required: false },
    { id: 'day', type: 'DATE', required: false },
    { id: 'cfg', type: 'JSON', required: false, defaults: { a: [1] } },
  ],
};

describe('coerceInputValue', () => {
  it.each([
    ['STRING', 'x', 'x'],
    ['INT', 42, 42],
    ['INT', '-7', -7],
    ['FLOAT', 1.5, 1.5],
    ['FLOAT', '2.25', 2.25],
    ['FLOAT', 3, 3],
    ['BOOLEAN', true, true],
    ['BOOLEAN', 'false', false],
    ['BOOLEAN', 'TRUE', true],
    ['DATETIME', '2024-03-28T06:30:00.000Z', '2024-03-28T06:30:00Z'],
    ['DATETIME', '2024-03-28T08:30:00+02:00', '2024-03-28T06:30:00Z'],
    ['DATETIME', '2024-03-28T06:30:00.250Z', '2024-03-28T06:30:00.250Z'],
    ['DATE', '2024-02-29', '2024-02-29'],
    ['JSON', { a: 1 }, { a: 1 }],
    ['JSON', [1, 'b'], [1, 'b']],
    ['JSON', '{"a": [1, 2]}', { a: [1, 2] }],
    ['JSON', 5, 5],
  ] as const)('%s accepts %j', (type, value, expected) => {
    expect(coerceInputValue(type, value, 'inputs.x')).toEqual(expected);
  });

  it.each([
    ['STRING', 5, 'expected STRING'],
    ['INT', 1.5, 'expected INT: an integer'],
    ['INT', '12abc', 'expected INT'],
    ['FLOAT', 'abc', 'expected FLOAT: a number'],
    ['FLOAT', '', 'expected FLOAT'],
    ['BOOLEAN', 'yes', 'expected BOOLEAN'],
    ['BOOLEAN', 1, 'expected BOOLEAN'],
    ['DATETIME', '2024-03-28T06:30:00', 'expected DATETIME: an ISO-8601 date-time with an offset'],
    ['DATETIME', '2024-03-28', 'expected DATETIME'],
    ['DATETIME', '2024-13-28T06:30:00Z', 'expected DATETIME'],
    ['DATE', '2024-02-30', 'expected DATE: a date formatted yyyy-MM-dd'],
    ['DATE', '28/03/2024', 'expected DATE'],
    ['JSON', '{not json', 'expected JSON'],
  ] as const)('%s rejects %j', (type, value, fragment) => {
    expectValidationError(() => coerceInputValue(type, value, 'backfill.inputs.x'), 'backfill.inputs.x', fragment);
  });

  it('leaves Pebble templates untouched whatever the type', () => {
    expect(isTemplate('{{ trigger.date }}')).toBe(true);
    expect(isTemplate('{% if x %}1{% endif %}')).toBe(true);
    expect(isTemplate('plain')).toBe(false);
    expect(coerceInputValue('INT', '{{ 1 + 1 }}', 'p')).toBe('{{ 1 + 1 }}');
    expect(coerceInputValue('DATETIME', "{{ trigger.date | date('yyyy') }}", 'p')).toBe("{{ trigger.date | date('yyyy') }}");
  });
});

describe('resolveInputs', () => {
  it('coerces provided values, applies defaults and sets missing optional inputs to null', () => {
    const result = resolveInputs(flow, { region: 'eu', ratio: '0.5', at: '2024-03-28T07:30:00+01:00' }, 'inputs');
    expect(result).toEqual({
      region: 'eu',
      batch: 10,
      ratio: 0.5,
      dry: false,
      at: '2024-03-28T06:30:00Z',
      day: null,
      cfg: { a: [1] },
    });
  });

  it('does not let callers mutate a JSON default held by the flow', () => {
    const result = resolveInputs(flow, { region: 'eu' }, 'inputs');
    (result.cfg as { a: number[] }).a.push(2);
    expect(flow.inputs[6]?.defaults).toEqual({ a: [1] });
  });

  it('provided values override defaults; null counts as not provided', () => {
    expect(resolveInputs(flow, { region: 'eu', batch: '3', dry: null }, 'inputs')).toMatchObject({ batch: 3, dry: false });
  });

  it('rejects a required input with no value and no default', () => {
    expectValidationError(() => resolveInputs(flow, {}, 'inputs'), 'inputs.region', 'required input has no value', 'STRING');
    expectValidationError(() => resolveInputs(flow, null, 'backfill.inputs'), 'backfill.inputs.region', 'required input has no value');
  });

  it('rejects unknown ids, listing the flow inputs', () => {
    expectValidationError(
      () => resolveInputs(flow, { region: 'eu', regoin: 'x' }, 'backfill.inputs'),
      'backfill.inputs.regoin',
      'unknown input "regoin"',
      'region, batch, ratio, dry, at, day, cfg',
    );
    expectValidationError(() => resolveInputs({ inputs: [] }, { a: 1 }, 'backfill.inputs'), 'backfill.inputs.a', 'the flow declares no inputs');
  });

  it('rejects wrong types naming the input and the expected type', () => {
    expectValidationError(() => resolveInputs(flow, { region: 'eu', batch: 'ten' }, 'backfill.inputs'), 'backfill.inputs.batch', 'expected INT');
  });

  it('rejects a non-map', () => {
    expectValidationError(() => resolveInputs(flow, ['eu'], 'backfill.inputs'), 'backfill.inputs', 'expected a map of input id to value');
  });

  it('partial: validates only what is provided, keeps templates, no defaults or required check', () => {
    expect(resolveInputs(flow, { batch: '{{ 2 * 3 }}', dry: 'true' }, 'triggers[0].inputs', { partial: true })).toEqual({
      batch: '{{ 2 * 3 }}',
      dry: true,
    });
    expect(resolveInputs(flow, undefined, 'backfill.inputs', { partial: true })).toEqual({});
    expectValidationError(() => resolveInputs(flow, { ratio: 'high' }, 'backfill.inputs', { partial: true }), 'backfill.inputs.ratio', 'expected FLOAT');
  });
});
