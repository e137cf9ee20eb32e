import { describe, expect, it } from 'vitest';
import type { FlowInput } from '../../../lib/ui/client/api';
import {
  type FormState,
  labelRowProblem,
  presetOf,
  presetText,
  submitBlockers,
  toBackfillRequest,
  toLocalInput,
  validate,
} from '../../../lib/ui/client/backfill-form';

// Dates are built in the local zone, as the datetime-local fields hold them, so the tests pass
// whatever TZ the machine runs in.
const NOW = new Date(2024, 0, 10, 12, 0);
const local = (y: number, m: number, d: number, h = 0, min = 0) => toLocalInput(new Date(y, m - 1, d, h, min));

const formFactory = (overrides: Partial<FormState> = {}): FormState => ({
  start: local(2024, 1, 1),
  end: '',
  inputs: {},
  labels: [],
  reprocess: 'ALL',
  ...overrides,
});
const input = (id: string, type: FlowInput['type'], extra: Partial<FlowInput> = {}): FlowInput => ({ id, type, required: false, ...extra });

describe('backfill-form', () => {
  describe('toLocalInput', () => {
    it('formats a date as a zero-padded datetime-local value in the local zone', () => {
      expect(toLocalInput(new Date(2024, 2, 5, 7, 4, 59))).toBe('2024-03-05T07:04');
    });
  });

  describe('validate', () => {
    it('accepts a start in the past and no end', () => {
      expect(validate(formFactory(), [], NOW)).toEqual({});
    });

    it('accepts a start and end equal to the injected now', () => {
      const at = toLocalInput(NOW);

      expect(validate(formFactory({ start: at, end: at }), [], NOW)).toEqual({});
    });

    it('requires a start', () => {
      expect(validate(formFactory({ start: '' }), [], NOW)).toEqual({ start: 'Start is required' });
    });

    it('rejects a start that is not a date', () => {
      expect(validate(formFactory({ start: 'yesterday' }), [], NOW)).toEqual({ start: 'Not a valid date' });
    });

    it('rejects a start after the injected now, not after the real clock', () => {
      const form = formFactory({ start: local(2024, 1, 10, 12, 1) });

      expect(validate(form, [], NOW)).toEqual({ start: 'Start cannot be in the future' });
      expect(validate(form, [], new Date(2024, 0, 11))).toEqual({});
    });

    it('rejects an end that is not a date, in the future, or before the start', () => {
      expect(validate(formFactory({ end: 'soon' }), [], NOW)).toEqual({ end: 'Not a valid date' });
      expect(validate(formFactory({ end: local(2024, 1, 11) }), [], NOW)).toEqual({ end: 'End cannot be in the future' });
      expect(validate(formFactory({ start: local(2024, 1, 5), end: local(2024, 1, 4, 23, 59) }), [], NOW)).toEqual({
        end: 'End must be on or after start',
      });
    });

    it('requires inputs that are required and have no default, keyed as the server names them', () => {
      const inputs = [input('region', 'STRING', { required: true }), input('retries', 'INT', { required: true, defaults: 2 }), input('note', 'STRING')];

      expect(validate(formFactory(), inputs, NOW)).toEqual({ 'inputs.region': 'Required' });
    });

    it("needs no value for a required input the trigger sets: the trigger's value is what executions get", () => {
      const inputs = [input('region', 'STRING', { required: true }), input('zone', 'STRING', { required: true })];

      expect(validate(formFactory(), inputs, NOW, { region: 'eu-west' })).toEqual({ 'inputs.zone': 'Required' });
    });

    it('checks typed inputs by their declared type', () => {
      const inputs = [input('n', 'INT'), input('x', 'FLOAT'), input('at', 'DATETIME'), input('doc', 'JSON'), input('s', 'STRING')];
      const form = formFactory({ inputs: { n: '1.5', x: 'abc', at: 'noon', doc: '{', s: 'anything' } });

      expect(validate(form, inputs, NOW)).toEqual({
        'inputs.n': 'Expected an integer',
        'inputs.x': 'Expected a number',
        'inputs.at': 'Not a valid date',
        'inputs.doc': 'Not valid JSON',
      });
    });

    it('accepts well-typed inputs, an integer with surrounding spaces included', () => {
      const inputs = [input('n', 'INT'), input('x', 'FLOAT'), input('at', 'DATETIME'), input('doc', 'JSON')];
      const form = formFactory({ inputs: { n: ' -42 ', x: '1e3', at: local(2024, 1, 2, 3, 4), doc: '[1, {"a": true}]' } });

      expect(validate(form, inputs, NOW)).toEqual({});
    });

    it('requires both parts of every label', () => {
      const form = formFactory({
        labels: [
          { key: 'team', value: 'data' },
          { key: ' ', value: '' },
        ],
      });

      expect(validate(form, [], NOW)).toEqual({ 'labels[1].key': 'Key is required', 'labels[1].value': 'Value is required' });
    });
  });

  describe('presetOf', () => {
    it("gives the trigger's value where it sets one, else the flow's default, else nothing", () => {
      const retries = input('retries', 'INT', { defaults: 2 });

      expect(presetOf(retries, { retries: 5 })).toEqual({ value: 5, from: 'trigger' });
      expect(presetOf(retries, { other: 1 })).toEqual({ value: 2, from: 'flow' });
      expect(presetOf(input('region', 'STRING'), {})).toBeUndefined();
    });

    it('keeps a falsy value the trigger sets (false, 0, empty text)', () => {
      expect(presetOf(input('on', 'BOOLEAN', { defaults: true }), { on: false })).toEqual({ value: false, from: 'trigger' });
      expect(presetOf(input('n', 'INT', { defaults: 1 }), { n: 0 })).toEqual({ value: 0, from: 'trigger' });
    });

    it('words the preset as the empty field shows it', () => {
      expect(presetText({ value: 'eu-west', from: 'trigger' })).toBe('trigger: eu-west');
      expect(presetText({ value: 2, from: 'flow' })).toBe('default: 2');
      expect(presetText({ value: { a: [1] }, from: 'flow' })).toBe('default: {"a":[1]}');
    });
  });

  describe('labelRowProblem', () => {
    it('says what an incomplete row lacks, and that it may be removed instead', () => {
      expect(labelRowProblem({ key: '', value: '' })).toBe('Key and value are both needed (or remove this label)');
      expect(labelRowProblem({ key: ' ', value: 'x' })).toBe('A key is needed too (or remove this label)');
      expect(labelRowProblem({ key: 'reason', value: '' })).toBe('A value is needed too (or remove this label)');
      expect(labelRowProblem({ key: 'reason', value: 'outage' })).toBeUndefined();
    });
  });

  describe('submitBlockers', () => {
    it('lists what keeps Execute backfill off, one line a field, in the form order', () => {
      const inputs = [input('region', 'STRING', { required: true }), input('retries', 'INT')];
      const form = formFactory({
        start: '',
        inputs: { retries: 'two' },
        labels: [
          { key: 'team', value: 'data' },
          { key: '', value: '' },
        ],
      });

      expect(submitBlockers(validate(form, inputs, NOW), form)).toEqual([
        'Start is required',
        'Input region is required',
        'Input retries: expected an integer',
        'Label 2: key and value are both needed (or remove this label)',
      ]);
    });

    it('names the field when its message does not', () => {
      const form = formFactory({ start: 'yesterday' });

      expect(submitBlockers(validate(form, [], NOW), form)).toEqual(['Start: not a valid date']);
    });

    it('is empty for a form that can be sent', () => {
      const form = formFactory({ labels: [{ key: 'team', value: 'data' }] });

      expect(submitBlockers(validate(form, [], NOW), form)).toEqual([]);
    });
  });

  describe('toBackfillRequest', () => {
    it('sends local times as UTC instants and an empty end as null', () => {
      const request = toBackfillRequest(formFactory({ start: local(2024, 1, 1, 6, 30) }), []);

      expect(request.start).toBe(new Date(2024, 0, 1, 6, 30).toISOString());
      expect(request.end).toBeNull();
    });

    it('sends the end when one is given', () => {
      const request = toBackfillRequest(formFactory({ end: local(2024, 1, 3, 23, 59) }), []);

      expect(request.end).toBe(new Date(2024, 0, 3, 23, 59).toISOString());
    });

    it('converts filled-in inputs to their declared types and leaves empty ones out', () => {
      const inputs = [
        input('n', 'INT'),
        input('x', 'FLOAT'),
        input('on', 'BOOLEAN'),
        input('off', 'BOOLEAN'),
        input('at', 'DATETIME'),
        input('doc', 'JSON'),
        input('day', 'DATE'),
        input('s', 'STRING'),
        input('unset', 'STRING'),
      ];
      const form = formFactory({
        inputs: {
          n: '42',
          x: '2.5',
          on: 'true',
          off: 'false',
          at: local(2024, 1, 2, 3, 4),
          doc: '{"a":[1]}',
          day: '2024-01-02',
          s: ' kept as typed ',
          unset: '',
        },
      });

      expect(toBackfillRequest(form, inputs).inputs).toEqual({
        n: 42,
        x: 2.5,
        on: true,
        off: false,
        at: new Date(2024, 0, 2, 3, 4).toISOString(),
        doc: { a: [1] },
        day: '2024-01-02',
        s: ' kept as typed ',
      });
    });

    it('sends null inputs when none is filled in, so the flow defaults apply', () => {
      expect(toBackfillRequest(formFactory({ inputs: { region: '' } }), [input('region', 'STRING')]).inputs).toBeNull();
    });

    it('trims labels and passes the reprocess choice through', () => {
      const form = formFactory({ labels: [{ key: ' reason ', value: ' outage\n' }], reprocess: 'FAILED_AND_MISSING' });

      const request = toBackfillRequest(form, []);

      expect(request.labels).toEqual([{ key: 'reason', value: 'outage' }]);
      expect(request.reprocess).toBe('FAILED_AND_MISSING');
    });
  });
});
