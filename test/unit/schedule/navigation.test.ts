/**
 * next / previous / countBetween against cron-parser's ticks.
 */
import { describe, expect, it } from 'vitest';
import { compileSchedule, formatInZone, referenceTicksBetween } from '../../../lib/domain/schedule';
import type { ScheduleSpec } from '../../../lib/domain/schedule';
import { DAY, defined, expectedTicks, HOUR, localInstant, MINUTE } from './oracle';

/** Each with a window length that holds a few ticks to a few hundred (cron-parser is slow). */
const SPECS: { spec: ScheduleSpec; span: number }[] = [
  { spec: { cron: '*/30 * * * *', timezone: 'Europe/Paris' }, span: DAY },
  { spec: { cron: '30 2 * * *', timezone: 'Europe/Paris' }, span: 3 * DAY },
  { spec: { cron: '0 9 * * 1-5', timezone: 'America/New_York' }, span: 4 * DAY },
  { spec: { cron: '15,45 */2 * * *', timezone: 'Australia/Lord_Howe' }, span: DAY },
  { spec: { cron: '0 0 13 * 5', timezone: 'Pacific/Chatham' }, span: 16 * DAY },
  { spec: { cron: '@weekly', timezone: 'Asia/Kolkata' }, span: 15 * DAY },
  { spec: { cron: '*/15 * * * * *', withSeconds: true, timezone: 'America/Sao_Paulo' }, span: 40 * MINUTE },
  { spec: { cron: '0 0 * * *', timezone: 'America/Sao_Paulo' }, span: 3 * DAY },
];

/** Probe instants: on both sides of offset changes, on ticks and between them. */
const PROBES = [
  '2018-11-03T23:59:59.500Z',
  '2018-11-04T02:30:00Z',
  '2018-11-04T03:00:00Z',
  '2024-03-10T06:30:00Z',
  '2024-03-31T00:45:00Z',
  '2024-03-31T01:30:00Z',
  '2024-10-05T15:00:00Z',
  '2024-10-27T00:30:00Z',
  '2024-10-27T01:00:00Z',
  '2024-12-31T23:30:00Z',
].map((t) => Date.parse(t));

describe('next', () => {
  for (const { spec, span } of SPECS) {
    it(`is the first tick strictly after the instant: ${spec.cron} in ${spec.timezone}`, () => {
      const schedule = compileSchedule(spec);
      for (const probe of PROBES) {
        const expected = defined(expectedTicks(spec, probe + 1, probe + span, 1)[0], 'a tick within the span');
        expect(schedule.next(probe), formatInZone(probe, spec.timezone!)).toBe(expected);
        // From a tick, the following tick.
        const [following] = expectedTicks(spec, expected + 1, expected + span, 1);
        expect(schedule.next(expected)).toBe(following);
      }
    });
  }

  it('looks years ahead for a rare date, and gives up after about ten years', () => {
    const leapDay = compileSchedule({ cron: '0 0 29 2 *', timezone: 'Europe/Paris' });
    expect(formatInZone(leapDay.next(Date.parse('2024-03-01T00:00:00Z'))!, 'Europe/Paris')).toBe('2028-02-29T00:00:00+01:00');
    // Day-of-month OR day-of-week: 29 February or any Monday of February.
    const either = compileSchedule({ cron: '0 0 29 2 1', timezone: 'UTC' });
    expect(either.next(Date.parse('2024-03-01T00:00:00Z'))).toBe(Date.parse('2025-02-03T00:00:00Z'));
    // The 5th Monday of February happens only when 1 February is a Monday in a leap year.
    const fifthMonday = compileSchedule({ cron: '0 0 * 2 1#5', timezone: 'UTC' });
    expect(fifthMonday.next(Date.parse('2035-03-01T00:00:00Z'))).toBe(Date.parse('2044-02-29T00:00:00Z'));
    expect(fifthMonday.next(Date.parse('2016-03-01T00:00:00Z'))).toBeNull();
  });

  it('returns null when nothing fires within ten years', () => {
    const fifthMonday = compileSchedule({ cron: '0 0 * 2 1#5', timezone: 'UTC' });
    expect(fifthMonday.next(Date.parse('2016-03-01T00:00:00Z') - 20 * 365 * DAY)).toBeNull();
  });
});

describe('previous', () => {
  for (const { spec, span } of SPECS) {
    it(`is the last tick strictly before the instant: ${spec.cron} in ${spec.timezone}`, () => {
      const schedule = compileSchedule(spec);
      for (const probe of PROBES) {
        const before = expectedTicks(spec, probe - span, probe - 1);
        const expected = defined(before.at(-1), 'a tick within the span');
        expect(schedule.previous(probe), formatInZone(probe, spec.timezone!)).toBe(expected);
        // From a tick, the one before it.
        expect(schedule.previous(expected)).toBe(before.at(-2));
      }
    });
  }

  it('steps back over years to a rare date and returns null past ten years', () => {
    const leapDay = compileSchedule({ cron: '0 0 29 2 *', timezone: 'America/New_York' });
    expect(formatInZone(leapDay.previous(Date.parse('2028-02-28T00:00:00Z'))!, 'America/New_York')).toBe('2024-02-29T00:00:00-05:00');
    const fifthMonday = compileSchedule({ cron: '0 0 * 2 1#5', timezone: 'UTC' });
    expect(fifthMonday.previous(Date.parse('2025-01-01T00:00:00Z'))).toBe(Date.parse('2016-02-29T00:00:00Z'));
    expect(fifthMonday.previous(Date.parse('2040-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('countBetween', () => {
  for (const { spec, span } of SPECS) {
    it(`equals the number of ticks: ${spec.cron} in ${spec.timezone}`, () => {
      const schedule = compileSchedule(spec);
      for (const probe of PROBES) {
        const from = probe - span + 17 * MINUTE;
        const to = probe + span;
        const ticks = expectedTicks(spec, from, to);
        expect(schedule.countBetween(from, to, 1_000_000), formatInZone(probe, spec.timezone!)).toBe(ticks.length);
        const first = defined(ticks[0], 'a first tick');
        const last = defined(ticks.at(-1), 'a last tick');
        expect(schedule.countBetween(first, last, 1_000_000)).toBe(ticks.length);
        expect(schedule.countBetween(first + 1, last - 1, 1_000_000)).toBe(ticks.length - 2);
      }
    });
  }

  it('stops at the cap', () => {
    const schedule = compileSchedule({ cron: '*/30 * * * *', timezone: 'Europe/Paris' });
    const from = Date.parse('2024-03-28T06:30:00Z');
    const to = Date.parse('2026-11-24T00:00:00Z');
    expect(schedule.countBetween(from, to, 10)).toBe(10);
    expect(schedule.countBetween(from, to, 0)).toBe(0);
    expect(schedule.countBetween(from, from + HOUR, 10)).toBe(3);
    expect(schedule.countBetween(to, from, 10)).toBe(0);
  });

  it('counts 2.5 years of half-hourly ticks as the ticks themselves', () => {
    for (const timezone of ['UTC', 'Europe/Paris']) {
      const schedule = compileSchedule({ cron: '*/30 * * * *', timezone });
      const from = Date.parse('2024-03-28T06:30:00Z');
      const to = Date.parse('2026-11-24T00:00:00Z');
      const ticks = schedule.ticksBetween(from, to, Number.MAX_SAFE_INTEGER);
      expect(schedule.countBetween(from, to, Number.MAX_SAFE_INTEGER)).toBe(ticks.length);
      // Every elapsed half hour is a tick in either zone: cron-parser keeps both occurrences of
      // a repeated hour, and a skipped hour takes no elapsed time.
      expect(ticks.length).toBe((to - from) / (30 * MINUTE) + 1);
    }
  });

  it('counts a year of per-minute ticks', () => {
    for (const timezone of ['UTC', 'Europe/Paris', 'Australia/Lord_Howe']) {
      const schedule = compileSchedule({ cron: '* * * * *', timezone });
      const from = localInstant(timezone, '2024-01-01T00:00');
      const to = localInstant(timezone, '2025-01-01T00:00') - 1;
      // Every elapsed minute is a tick, whatever the zone does to the wall clock.
      expect(schedule.countBetween(from, to, Number.MAX_SAFE_INTEGER), timezone).toBe((to + 1 - from) / MINUTE);
      expect(schedule.countBetween(from, to, 500_000)).toBe(500_000);
    }
  });

  it('counts a weekday schedule over a year', () => {
    const spec = { cron: '0 9 * * 1-5', timezone: 'America/New_York' };
    const from = localInstant('America/New_York', '2024-01-01T00:00');
    const to = localInstant('America/New_York', '2025-01-01T00:00');
    // 2024 has 262 weekdays.
    expect(compileSchedule(spec).countBetween(from, to, 1000)).toBe(262);
    expect(referenceTicksBetween(spec, from, to, 1000)).toHaveLength(262);
  });
});
