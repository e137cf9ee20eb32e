import { describe, expect, it } from 'vitest';
import { type RateSample, etaOf, firstRateSample, rateOf, withRateSample } from '../../../lib/domain/backfill-rate';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (seconds: number, ended: number): RateSample => ({ atMs: T0 + seconds * 1000, ended });

describe('withRateSample', () => {
  it('takes a sample when none is there, or the newest is a minute old, in whole seconds', () => {
    expect(withRateSample([], T0 + 1_500, 3)).toEqual([at(1, 3)]);
    expect(withRateSample([at(0, 0)], T0 + 59_999, 5)).toBeUndefined();
    expect(withRateSample([at(0, 0)], T0 + 60_000, 5)).toEqual([at(0, 0), at(60, 5)]);
  });

  it('keeps the six newest', () => {
    const six = [0, 60, 120, 180, 240, 300].map((s) => at(s, s));
    expect(withRateSample(six, T0 + 360_000, 360)).toEqual([...six.slice(1), at(360, 360)]);
  });

  it('starts a backfill with nothing ended at its creation', () => {
    expect(firstRateSample(T0 + 250)).toEqual([at(0, 0)]);
  });
});

describe('rateOf', () => {
  it('has no basis before a sample is 30 s old', () => {
    expect(rateOf([], T0, 10)).toBeNull();
    expect(rateOf([at(0, 0)], T0 + 29_999, 10)).toBeNull();
    expect(rateOf([at(0, 0)], T0 + 30_000, 10)).toBe(20);
  });

  it('counts from the oldest sample of the last five minutes, in executions per minute', () => {
    const samples = [at(0, 0), at(60, 100), at(120, 130), at(400, 200)];
    // At 420 s: 0 s is past the window, 120 s is the oldest within it (400 s is too recent to be a basis alone).
    expect(rateOf(samples, T0 + 420_000, 280)).toBeCloseTo(((280 - 130) / 300) * 60);
  });

  it('counts from the newest sample past the window when none falls within it', () => {
    expect(rateOf([at(0, 0), at(60, 10)], T0 + 600_000, 100)).toBeCloseTo(((100 - 10) / 540) * 60);
  });

  it('never goes below 0', () => {
    expect(rateOf([at(0, 50)], T0 + 60_000, 40)).toBe(0);
  });
});

describe('etaOf', () => {
  it('is when the executions left would have ended at the rate, or null without one', () => {
    expect(etaOf(10, 25, T0)).toBe('2026-12-01T10:02:30.000Z');
    expect(etaOf(3, 1, T0)).toBe('2026-12-01T10:00:20.000Z');
    expect(etaOf(null, 25, T0)).toBeNull();
    expect(etaOf(0, 25, T0)).toBeNull();
    expect(etaOf(0, 0, T0)).toBe('2026-12-01T10:00:00.000Z');
  });
});
