import { describe, expect, it } from 'vitest';
import { describeTrip, failurePolicyTrip, toleratedFailures } from '../../../lib/domain/failure-policy';

const AT = new Date('2026-03-01T12:00:00Z');

describe('toleratedFailures', () => {
  it('is maxFailures, or the percentage of the window rounded down, or the lower of both', () => {
    expect(toleratedFailures({ maxFailures: 3, action: 'PAUSE' }, 1000)).toBe(3);
    expect(toleratedFailures({ maxFailurePercent: 10, action: 'PAUSE' }, 25)).toBe(2);
    expect(toleratedFailures({ maxFailurePercent: 10, maxFailures: 1, action: 'PAUSE' }, 25)).toBe(1);
    expect(toleratedFailures({ maxFailurePercent: 10, maxFailures: 7, action: 'PAUSE' }, 25)).toBe(2);
  });

  it('does not lose a whole share to binary fractions', () => {
    // 0.29 × 100 is 28.999… in floating point.
    expect(toleratedFailures({ maxFailurePercent: 0.29, action: 'PAUSE' }, 10_000)).toBe(29);
    expect(toleratedFailures({ maxFailurePercent: 7.3, action: 'PAUSE' }, 1000)).toBe(73);
  });
});

describe('failurePolicyTrip', () => {
  it('trips only once the failures exceed what is tolerated', () => {
    expect(failurePolicyTrip({ maxFailures: 2, action: 'PAUSE' }, 10, 2, AT)).toBeUndefined();
    expect(failurePolicyTrip({ maxFailures: 2, action: 'PAUSE' }, 10, 3, AT)).toEqual({
      kind: 'FAILURE_POLICY',
      failed: 3,
      threshold: 2,
      at: AT.toISOString(),
    });
    expect(failurePolicyTrip({ maxFailures: 0, action: 'CANCEL' }, 10, 1, AT)).toMatchObject({ threshold: 0 });
    expect(failurePolicyTrip({ maxFailurePercent: 100, action: 'CANCEL' }, 10, 10, AT)).toBeUndefined();
  });

  it('says it in words', () => {
    expect(describeTrip({ kind: 'FAILURE_POLICY', failed: 1, threshold: 0, at: '' })).toBe('1 execution FAILED, more than the 0 its failure policy tolerates');
    expect(describeTrip({ kind: 'FAILURE_POLICY', failed: 4, threshold: 3, at: '' })).toBe('4 executions FAILED, more than the 3 its failure policy tolerates');
  });
});
