/**
 * formatInZone renders instants the way Kestra's Jackson renders ZonedDateTime trigger dates.
 */
import { describe, expect, it } from 'vitest';
import { compileSchedule, formatInZone, InvalidScheduleError } from '../../../lib/domain/schedule';
import { defined } from './oracle';

describe('formatInZone', () => {
  it('writes UTC with a Z and always shows seconds', () => {
    expect(formatInZone(Date.parse('2024-03-28T06:30:00Z'), 'UTC')).toBe('2024-03-28T06:30:00Z');
    expect(formatInZone(Date.parse('2024-12-31T23:59:59Z'), 'UTC')).toBe('2024-12-31T23:59:59Z');
  });

  it('writes a negative offset', () => {
    expect(formatInZone(Date.parse('2022-04-01T13:12:00Z'), 'America/New_York')).toBe('2022-04-01T09:12:00-04:00');
    expect(formatInZone(Date.parse('2022-01-01T03:00:00Z'), 'America/New_York')).toBe('2021-12-31T22:00:00-05:00');
  });

  it('writes a positive half-hour and three-quarter-hour offset', () => {
    expect(formatInZone(Date.parse('2024-06-15T00:00:00Z'), 'Asia/Kolkata')).toBe('2024-06-15T05:30:00+05:30');
    expect(formatInZone(Date.parse('2024-06-15T00:00:00Z'), 'Asia/Kathmandu')).toBe('2024-06-15T05:45:00+05:45');
  });

  it('writes the offset in force at that instant across a DST change', () => {
    expect(formatInZone(Date.parse('2024-03-31T00:59:59Z'), 'Europe/Paris')).toBe('2024-03-31T01:59:59+01:00');
    expect(formatInZone(Date.parse('2024-03-31T01:00:00Z'), 'Europe/Paris')).toBe('2024-03-31T03:00:00+02:00');
    // The spring-forward tick of '30 2 * * *', shifted by the gap.
    const [shifted] = compileSchedule({ cron: '30 2 * * *', timezone: 'Europe/Paris' }).ticksBetween(
      Date.parse('2024-03-30T23:00:00Z'),
      Date.parse('2024-03-31T23:00:00Z'),
      1,
    );
    expect(formatInZone(defined(shifted, 'the spring-forward tick'), 'Europe/Paris')).toBe('2024-03-31T03:30:00+02:00');
    // The repeated hour in autumn, both occurrences.
    expect(formatInZone(Date.parse('2024-10-27T00:30:00Z'), 'Europe/Paris')).toBe('2024-10-27T02:30:00+02:00');
    expect(formatInZone(Date.parse('2024-10-27T01:30:00Z'), 'Europe/Paris')).toBe('2024-10-27T02:30:00+01:00');
  });

  it('writes Z for a zero offset in a zone that is not UTC, as java.time does', () => {
    expect(formatInZone(Date.parse('2024-01-15T12:00:00Z'), 'Europe/London')).toBe('2024-01-15T12:00:00Z');
    expect(formatInZone(Date.parse('2024-07-15T12:00:00Z'), 'Europe/London')).toBe('2024-07-15T13:00:00+01:00');
  });

  it('shows milliseconds only when there are some', () => {
    expect(formatInZone(Date.parse('2024-03-28T06:30:00.123Z'), 'UTC')).toBe('2024-03-28T06:30:00.123Z');
    expect(formatInZone(Date.parse('2024-03-28T06:30:00.050Z'), 'Asia/Kolkata')).toBe('2024-03-28T12:00:00.050+05:30');
  });

  it('writes seconds of historical offsets', () => {
    // Europe/Paris used Paris Mean Time (+00:09:21) until 1911.
    expect(formatInZone(Date.UTC(1900, 0, 1), 'Europe/Paris')).toBe('1900-01-01T00:09:21+00:09:21');
  });

  it('rejects an unknown zone', () => {
    expect(() => formatInZone(0, 'Mars/Base')).toThrow(InvalidScheduleError);
    expect(() => formatInZone(Number.NaN, 'UTC')).toThrow(RangeError);
  });
});
