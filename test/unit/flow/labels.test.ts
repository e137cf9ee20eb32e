import { describe, expect, it } from 'vitest';
import { parseLabels } from '../../../lib/domain/flow/labels';
import { expectValidationError } from './helpers';

describe('parseLabels', () => {
  it('returns [] for null and undefined', () => {
    expect(parseLabels(null, 'labels')).toEqual([]);
    expect(parseLabels(undefined, 'labels')).toEqual([]);
  });

  it('accepts a list of {key, value} (the seed backfill request)', () => {
    expect(parseLabels([{ key: 'reason', value: 'outage' }], 'backfill.labels')).toEqual([{ key: 'reason', value: 'outage' }]);
  });

  it('accepts a map and converts numbers and booleans to strings, keeping order', () => {
    expect(parseLabels({ team: 'data', attempt: 3, urgent: true, 'café.zone_1-a': 'x' }, 'labels')).toEqual([
      { key: 'team', value: 'data' },
      { key: 'attempt', value: '3' },
      { key: 'urgent', value: 'true' },
      { key: 'café.zone_1-a', value: 'x' },
    ]);
  });

  it('rejects map values of other types, naming the key', () => {
    expectValidationError(() => parseLabels({ team: { a: 1 } }, 'labels'), 'labels.team', 'Unsupported type for key "team"', 'string, number or boolean');
    expectValidationError(() => parseLabels({ team: null }, 'labels'), 'labels.team', 'Unsupported type for key');
  });

  it("rejects system labels with Kestra's message, in list and map form", () => {
    expectValidationError(
      () => parseLabels([{ key: 'system.correlationId', value: 'y' }], 'backfill.labels'),
      'backfill.labels[0].key',
      'System labels can only be set by Kestra itself, offending label: system.correlationId=y',
    );
    expectValidationError(() => parseLabels({ 'system.x': 'y' }, 'labels'), 'labels.system.x', 'offending label: system.x=y');
  });

  it('rejects keys not matching the pattern', () => {
    expectValidationError(() => parseLabels({ Reason: 'x' }, 'labels'), 'labels.Reason', 'invalid label key "Reason"', 'lowercase letter first');
    expectValidationError(() => parseLabels([{ key: 'a b', value: 'x' }], 'backfill.labels'), 'backfill.labels[0].key', 'invalid label key "a b"');
    expectValidationError(() => parseLabels([{ key: '1abc', value: 'x' }], 'l'), 'l[0].key', 'lowercase letter first');
  });

  it('rejects empty keys and values', () => {
    expectValidationError(() => parseLabels([{ key: '', value: 'x' }], 'backfill.labels'), 'backfill.labels[0].key', 'expected a non-empty key');
    expectValidationError(() => parseLabels([{ key: 'reason', value: '' }], 'backfill.labels'), 'backfill.labels[0].value', 'expected a non-empty string');
    expectValidationError(() => parseLabels({ reason: '' }, 'labels'), 'labels.reason', 'non-empty string');
  });

  it('rejects duplicate keys at the second occurrence', () => {
    expectValidationError(
      () =>
        parseLabels(
          [
            { key: 'a', value: '1' },
            { key: 'b', value: '2' },
            { key: 'a', value: '3' },
          ],
          'backfill.labels',
        ),
      'backfill.labels[2].key',
      'duplicate label key "a"',
      'backfill.labels[0].key',
    );
  });

  it('rejects malformed list elements and other shapes', () => {
    expectValidationError(() => parseLabels(['a=b'], 'labels'), 'labels[0]', 'expected a label as {key, value}');
    expectValidationError(() => parseLabels([{ value: 'x' }], 'labels'), 'labels[0].key', 'expected a non-empty string label key');
    expectValidationError(() => parseLabels([{ key: 'a' }], 'labels'), 'labels[0].value', 'expected a string, number or boolean');
    expectValidationError(() => parseLabels([{ key: 'a', value: 'b', extra: 1 }], 'labels'), 'labels[0].extra', 'expected only "key" and "value"');
    expectValidationError(() => parseLabels('team=data', 'labels'), 'labels', 'list of {key, value} or a map');
  });
});
