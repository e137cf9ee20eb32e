import { describe, expect, it } from 'vitest';
import type { FlowInput } from '../../../lib/ui/client/api';
import {
  type FormState,
  emptyForm,
  fieldOfPath,
  labelRowProblem,
  presetOf,
  presetText,
  submitBlockers,
  toBackfillRequest,
  toLocalInput,
  toleratedText,
  validate,
} from '../../../lib/ui/client/backfill-form';

// Dates are built in the local zone, as the datetime-local fields hold them, so the tests pass
// whatever TZ the machine runs in.
const NOW = new Date(2024, 0, 10, 12, 0);
const local = (y: number, m: number, d: number, h = 0, min = 0) => toLocalInput(new Date(y, m - 1, d, h, min));

const formFactory = (overrides: Partial<FormState> = {}): FormState => ({
  ...emptyForm(),
  start: local(2024, 1, 1),
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

    it("sends Kestra's defaults and leaves out the controls left empty: oldest first, the revision pinned, no bound, policy or webhook", () => {
      const request = toBackfillRequest(formFactory(), []);

      expect(request.order).toBe('OLDEST_FIRST');
      expect(request.latestRevision).toBe(false);
      expect(request).not.toHaveProperty('maxConcurrency');
      expect(request).not.toHaveProperty('failurePolicy');
      expect(request).not.toHaveProperty('notify');
    });

    it('sends the concurrency, order, failure policy, webhook and latest revision as the API names them', () => {
      const form = formFactory({
        maxConcurrency: '3',
        order: 'NEWEST_FIRST',
        failureAction: 'CANCEL',
        maxFailures: '2',
        maxFailurePercent: '12.5',
        webhook: ' https://hooks.example.com/T0/B1/secret ',
        latestRevision: true,
      });

      expect(toBackfillRequest(form, [])).toMatchObject({
        maxConcurrency: 3,
        order: 'NEWEST_FIRST',
        failurePolicy: { maxFailures: 2, maxFailurePercent: 12.5, action: 'CANCEL' },
        notify: { webhook: 'https://hooks.example.com/T0/B1/secret' },
        latestRevision: true,
      });
    });

    it('sends only the thresholds given, and no policy at all when none is chosen whatever the thresholds hold', () => {
      expect(toBackfillRequest(formFactory({ failureAction: 'PAUSE', maxFailures: '0' }), []).failurePolicy).toEqual({ maxFailures: 0, action: 'PAUSE' });
      expect(toBackfillRequest(formFactory({ failureAction: 'PAUSE', maxFailurePercent: '5' }), []).failurePolicy).toEqual({
        maxFailurePercent: 5,
        action: 'PAUSE',
      });
      expect(toBackfillRequest(formFactory({ failureAction: 'NONE', maxFailures: '4' }), [])).not.toHaveProperty('failurePolicy');
    });
  });

  describe('the controls beyond Kestra', () => {
    it('takes an empty concurrency (the service limit) or a whole number of 1 or more; the upper bound is left to the server', () => {
      expect(validate(formFactory({ maxConcurrency: '' }), [], NOW)).toEqual({});
      expect(validate(formFactory({ maxConcurrency: '1' }), [], NOW)).toEqual({});
      expect(validate(formFactory({ maxConcurrency: '100000' }), [], NOW)).toEqual({});
      for (const bad of ['0', '-2', '2.5', 'ten']) {
        expect(validate(formFactory({ maxConcurrency: bad }), [], NOW), bad).toEqual({ maxConcurrency: 'Expected a whole number of 1 or more' });
      }
    });

    it('wants a threshold once a failure action is chosen, each in its range, and checks nothing without one', () => {
      expect(validate(formFactory({ failureAction: 'NONE', maxFailures: 'x' }), [], NOW)).toEqual({});
      expect(validate(formFactory({ failureAction: 'PAUSE' }), [], NOW)).toEqual({ failurePolicy: 'Give a number of failures, a percentage or both' });
      expect(validate(formFactory({ failureAction: 'PAUSE', maxFailures: '0' }), [], NOW)).toEqual({});
      expect(validate(formFactory({ failureAction: 'CANCEL', maxFailurePercent: '100' }), [], NOW)).toEqual({});
      expect(validate(formFactory({ failureAction: 'CANCEL', maxFailures: '-1', maxFailurePercent: '100.5' }), [], NOW)).toEqual({
        'failurePolicy.maxFailures': 'Expected a whole number of 0 or more',
        'failurePolicy.maxFailurePercent': 'Expected a number from 0 to 100',
      });
    });

    it('lists what keeps the button off among the controls, after the other fields', () => {
      const form = formFactory({ maxConcurrency: '0', failureAction: 'PAUSE' });

      expect(submitBlockers(validate(form, [], NOW), form)).toEqual([
        'Concurrency: expected a whole number of 1 or more',
        'Failure policy: give a number of failures, a percentage or both',
      ]);
    });

    it("says the dry run's tolerated figure with the action: the policy trips once failures exceed it", () => {
      expect(toleratedText({ tolerated: 3, action: 'PAUSE' })).toBe('Pauses after more than 3 executions FAIL');
      expect(toleratedText({ tolerated: 1, action: 'CANCEL' })).toBe('Is cancelled after more than 1 execution FAIL');
      expect(toleratedText({ tolerated: 0, action: 'PAUSE' })).toBe('Pauses at the first execution that FAILs');
      expect(toleratedText({ tolerated: 12000, action: 'PAUSE' })).toBe('Pauses after more than 12,000 executions FAIL');
    });

    it('finds the field a server error names, and none for what the dialog has no field for', () => {
      expect(fieldOfPath('backfill.maxConcurrency')).toBe('maxConcurrency');
      expect(fieldOfPath('backfill.notify.webhook')).toBe('notify.webhook');
      expect(fieldOfPath('backfill.notify')).toBe('notify.webhook');
      expect(fieldOfPath('backfill.failurePolicy.maxFailurePercent')).toBe('failurePolicy.maxFailurePercent');
      expect(fieldOfPath('backfill.failurePolicy.action')).toBe('failurePolicy');
      expect(fieldOfPath('backfill.failurePolicy')).toBe('failurePolicy');
      expect(fieldOfPath('backfill.start')).toBe('start');
      expect(fieldOfPath('backfill.inputs.region')).toBe('inputs.region');
      expect(fieldOfPath('backfill.labels[2].value')).toBe('labels[2].value');
      expect(fieldOfPath('backfill.inputs')).toBeUndefined();
      expect(fieldOfPath('namespace')).toBeUndefined();
      expect(fieldOfPath(undefined)).toBeUndefined();
    });
  });
});
