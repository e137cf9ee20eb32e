import { describe, expect, it } from 'vitest';
import { formatIsoDuration, humanDuration, parseIsoDuration } from '../../../lib/ui/client/duration';

describe('duration', () => {
  describe('parseIsoDuration', () => {
    it('reads what java.time.Duration writes (as Kestra serialises durations)', () => {
      expect(parseIsoDuration('PT0S')).toBe(0);
      expect(parseIsoDuration('PT16.28S')).toBe(16_280);
      expect(parseIsoDuration('PT2M5S')).toBe(125_000);
      expect(parseIsoDuration('PT1H3M')).toBe(3_780_000);
      expect(parseIsoDuration('PT49H')).toBe(49 * 3_600_000);
      expect(parseIsoDuration('P1DT2H')).toBe(26 * 3_600_000);
      expect(parseIsoDuration('P2D')).toBe(48 * 3_600_000);
    });

    it('refuses what it does not read: empty parts, negatives, years, months, weeks, garbage', () => {
      for (const iso of ['', 'P', 'PT', 'P1DT', 'PT-1S', '-PT1S', 'P1Y', 'P1M', 'P1W', 'PT1.S', '16.28', 'PT1S ']) {
        expect(parseIsoDuration(iso), iso).toBeUndefined();
      }
    });
  });

  describe('humanDuration', () => {
    it('shows milliseconds under a second', () => {
      expect(humanDuration(0)).toBe('0 s');
      expect(humanDuration(250)).toBe('250 ms');
      expect(humanDuration(999.4)).toBe('999 ms');
    });

    it('shows tenths of a second under a minute, without a trailing .0', () => {
      expect(humanDuration(999.6)).toBe('1 s');
      expect(humanDuration(16_280)).toBe('16.3 s');
      expect(humanDuration(5_000)).toBe('5 s');
      expect(humanDuration(59_940)).toBe('59.9 s');
    });

    it('shows minutes and seconds under an hour, rounding before it picks the size', () => {
      expect(humanDuration(59_960)).toBe('1 min');
      expect(humanDuration(125_000)).toBe('2 min 5 s');
      expect(humanDuration(125_400)).toBe('2 min 5 s');
      expect(humanDuration(3_599_000)).toBe('59 min 59 s');
      expect(humanDuration(3_599_600)).toBe('1 h');
    });

    it('shows hours and minutes under a day, then days and hours', () => {
      expect(humanDuration(3_780_000)).toBe('1 h 3 min');
      expect(humanDuration(3_780_000 + 29_000)).toBe('1 h 3 min');
      expect(humanDuration(23 * 3_600_000 + 59 * 60_000)).toBe('23 h 59 min');
      expect(humanDuration(24 * 3_600_000 - 20_000)).toBe('1 d');
      expect(humanDuration(49 * 3_600_000)).toBe('2 d 1 h');
    });
  });

  describe('formatIsoDuration', () => {
    it('turns the raw ISO of the API into words', () => {
      expect(formatIsoDuration('PT16.28S')).toBe('16.3 s');
      expect(formatIsoDuration('PT2M5S')).toBe('2 min 5 s');
      expect(formatIsoDuration('PT1H3M')).toBe('1 h 3 min');
      expect(formatIsoDuration('PT0.25S')).toBe('250 ms');
    });

    it('shows a duration it cannot read as written rather than hiding it', () => {
      expect(formatIsoDuration('P1Y')).toBe('P1Y');
    });
  });
});
