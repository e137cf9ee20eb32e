/**
 * compileSchedule().ticksBetween must return exactly what cron-parser (referenceTicksBetween)
 * returns, across crons, zones, offset changes in both directions, year ends, inclusive bounds
 * and limits. Window sizes keep cron-parser (17-50 µs a tick) to a few seconds in total.
 */
import { describe, expect, it } from 'vitest';
import { compileSchedule, formatInZone, referenceTicksBetween } from '../../../lib/domain/schedule';
import type { ScheduleSpec } from '../../../lib/domain/schedule';
import { DAY, defined, expectedTicks, HOUR, iso, localInstant, MINUTE, offsetOf } from './oracle';

/** Offset changes (first instant of the new offset) per zone; none for UTC and Asia/Kolkata. */
const ZONES: Record<string, string[]> = {
  UTC: [],
  'Asia/Kolkata': [],
  'Europe/Paris': ['2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z'],
  'America/New_York': ['2024-03-10T07:00:00Z', '2024-11-03T06:00:00Z'],
  // +10:30 ↔ +11:00 at 02:00 local, a 30-minute change.
  'Australia/Lord_Howe': ['2024-04-06T15:00:00Z', '2024-10-05T15:30:00Z'],
  // Brazil dropped DST in 2019; its last changes skipped and repeated local midnight.
  'America/Sao_Paulo': ['2018-11-04T03:00:00Z', '2019-02-17T02:00:00Z'],
  // +12:45 ↔ +13:45 at 02:45 / 03:45 local.
  'Pacific/Chatham': ['2024-04-06T14:00:00Z', '2024-09-28T14:00:00Z'],
};

type Density = 'seconds' | 'minutes' | 'hourly' | 'daily' | 'sparse';

const CRONS: { spec: Omit<ScheduleSpec, 'timezone'>; density: Density }[] = [
  { spec: { cron: '* * * * *' }, density: 'minutes' },
  { spec: { cron: '*/15 * * * * *', withSeconds: true }, density: 'seconds' },
  { spec: { cron: '*/30 * * * *' }, density: 'hourly' },
  { spec: { cron: '15,45 */2 * * *' }, density: 'hourly' },
  { spec: { cron: '@hourly' }, density: 'hourly' },
  { spec: { cron: '0 9 * * 1-5' }, density: 'daily' },
  { spec: { cron: '30 2 * * *' }, density: 'daily' },
  { spec: { cron: '0 1 * * *' }, density: 'daily' },
  { spec: { cron: '30 1 * * *' }, density: 'daily' },
  { spec: { cron: '@daily' }, density: 'daily' },
  { spec: { cron: '@midnight' }, density: 'daily' },
  { spec: { cron: '0 0 1 * *' }, density: 'sparse' },
  { spec: { cron: '0 0 * * 0' }, density: 'sparse' },
  { spec: { cron: '0 0 * * 7' }, density: 'sparse' },
  { spec: { cron: '0 0 13 * 5' }, density: 'sparse' },
  { spec: { cron: '@weekly' }, density: 'sparse' },
  { spec: { cron: '@monthly' }, density: 'sparse' },
  { spec: { cron: '@yearly' }, density: 'sparse' },
  { spec: { cron: '@annually' }, density: 'sparse' },
  { spec: { cron: '0 30 1 * * *', withSeconds: true }, density: 'daily' },
];

/** Half-width of the window put around each offset change and each year end. */
const HALF_WIDTH: Record<Density, number> = { seconds: 40 * MINUTE, minutes: 2 * HOUR, hourly: DAY, daily: 4 * DAY, sparse: 20 * DAY };

/**
 * Lord Howe falls back from 02:00 +11:00 to 01:30 +10:30; for these crons cron-parser then loops
 * to its limit (about a second) and reports no further tick. Their windows stop before the
 * looping hour and restart after the change; the whole change is checked in "offset changes,
 * spelled out" below.
 */
const LORD_HOWE_FALL_BACK = Date.parse('2024-04-06T15:00:00Z');
const CRON_PARSER_GIVES_UP = new Set(['0 1 * * *', '15,45 */2 * * *', '@hourly']);

function label(spec: ScheduleSpec): string {
  return `${spec.cron}${spec.withSeconds ? ' (withSeconds)' : ''} in ${spec.timezone}`;
}

/** Windows [from, to] around each change and around the local year end. */
function windowsFor(spec: ScheduleSpec, density: Density): [number, number][] {
  const timezone = spec.timezone!;
  const half = HALF_WIDTH[density];
  const changes = defined(ZONES[timezone], `the offset changes of ${timezone}`).map((t) => Date.parse(t));
  const year = timezone === 'America/Sao_Paulo' ? 2018 : 2024;
  const yearEnd = localInstant(timezone, `${year + 1}-01-01T00:00`);
  return [...changes, yearEnd].flatMap((t): [number, number][] => {
    // Odd offsets so windows do not start on a round local time.
    const from = t - half + 7 * MINUTE + 1234;
    if (t === LORD_HOWE_FALL_BACK && CRON_PARSER_GIVES_UP.has(spec.cron)) {
      return [
        [from, t - HOUR - 1],
        [t, t + half],
      ];
    }
    return [[from, t + half]];
  });
}

describe('zone fixtures', () => {
  it('place each listed offset change where the zone really changes offset', () => {
    for (const [timezone, changes] of Object.entries(ZONES)) {
      for (const change of changes.map((t) => Date.parse(t))) {
        expect(offsetOf(timezone, change - 1000), `${timezone} ${new Date(change).toISOString()}`).not.toBe(offsetOf(timezone, change));
      }
    }
  });
});

describe('ticksBetween equals cron-parser', () => {
  for (const timezone of Object.keys(ZONES)) {
    describe(timezone, () => {
      for (const { spec: partial, density } of CRONS) {
        const spec: ScheduleSpec = { ...partial, timezone };
        it(`${label(spec)}`, () => {
          const schedule = compileSchedule(spec);
          for (const [from, to] of windowsFor(spec, density)) {
            const expected = expectedTicks(spec, from, to);
            const actual = schedule.ticksBetween(from, to, Number.MAX_SAFE_INTEGER);
            expect(iso(actual), `${label(spec)} from ${formatInZone(from, timezone)}`).toEqual(iso(expected));
            expect(schedule.countBetween(from, to, Number.MAX_SAFE_INTEGER)).toBe(expected.length);
            if (expected.length < 2) continue;

            // Both bounds inclusive: a window starting and ending exactly on ticks keeps both.
            const i = Math.floor(expected.length / 3);
            const j = Math.min(expected.length - 1, i + 12);
            const first = defined(expected[i], 'tick i');
            const last = defined(expected[j], 'tick j');
            const slice = expectedTicks(spec, first, last);
            expect(slice[0]).toBe(first);
            expect(slice[slice.length - 1]).toBe(last);
            expect(iso(schedule.ticksBetween(first, last, 1000))).toEqual(iso(slice));
            expect(iso(schedule.ticksBetween(first + 1, last - 1, 1000))).toEqual(iso(expectedTicks(spec, first + 1, last - 1)));

            // A window starting just before an offset change, inside cron-parser's territory.
            const mid = (from + to) / 2;
            const near = expectedTicks(spec, mid - 47 * MINUTE, mid + 30 * MINUTE);
            expect(iso(schedule.ticksBetween(mid - 47 * MINUTE, mid + 30 * MINUTE, 1000))).toEqual(iso(near));

            // The limit keeps the first ticks.
            expect(schedule.ticksBetween(from, to, 7)).toEqual(referenceTicksBetween(spec, from, to, 7));
          }
        });
      }
    });
  }
});

/**
 * Newest first (a backfill with `order: NEWEST_FIRST`): the same ticks as the oracle's, reversed,
 * and, taken in batches whose upper bound moves below the last tick taken (as dispatch's cursor
 * does), every tick exactly once.
 */
describe('ticksBetweenNewestFirst equals cron-parser, reversed', () => {
  for (const timezone of Object.keys(ZONES)) {
    describe(timezone, () => {
      for (const { spec: partial, density } of CRONS) {
        const spec: ScheduleSpec = { ...partial, timezone };
        it(`${label(spec)}`, () => {
          const schedule = compileSchedule(spec);
          for (const [from, to] of windowsFor(spec, density)) {
            const expected = expectedTicks(spec, from, to).reverse();
            const where = `${label(spec)} from ${formatInZone(from, timezone)}`;
            expect(iso(schedule.ticksBetweenNewestFirst(from, to, Number.MAX_SAFE_INTEGER)), where).toEqual(iso(expected));
            // The limit keeps the latest ticks.
            expect(iso(schedule.ticksBetweenNewestFirst(from, to, 7)), where).toEqual(iso(expected.slice(0, 7)));

            const batches: number[] = [];
            let cursor = to;
            for (;;) {
              const batch = schedule.ticksBetweenNewestFirst(from, cursor, 5);
              batches.push(...batch);
              const last = batch.at(-1);
              if (last === undefined || batch.length < 5) break;
              cursor = last - 1;
            }
            expect(iso(batches), `${where}, in batches`).toEqual(iso(expected));
          }
        });
      }
    });
  }

  it('keeps both bounds, and answers nothing for an empty window or limit', () => {
    const everyMinute = compileSchedule({ cron: '* * * * *', timezone: 'Europe/Paris' });
    const tick = Date.parse('2024-06-01T10:00:00Z');
    expect(everyMinute.ticksBetweenNewestFirst(tick, tick + 2 * MINUTE, 10)).toEqual([tick + 2 * MINUTE, tick + MINUTE, tick]);
    expect(everyMinute.ticksBetweenNewestFirst(tick + 1, tick + MINUTE - 1, 10)).toEqual([]);
    expect(everyMinute.ticksBetweenNewestFirst(tick + HOUR, tick, 10)).toEqual([]);
    expect(everyMinute.ticksBetweenNewestFirst(tick, tick + HOUR, 0)).toEqual([]);
    expect(() => everyMinute.ticksBetweenNewestFirst(Number.NaN, tick, 10)).toThrow(RangeError);
  });

  it('walks a whole year of sparse schedules backwards as cron-parser walks it forwards', () => {
    for (const cron of ['0 0 1 * *', '0 0 13 * 5', '@weekly', '30 2 * * *', '0 9 * * 1-5', '0 0 L * *', '0 6 * * 1#2']) {
      for (const timezone of ['Europe/Paris', 'America/New_York']) {
        const spec = { cron, timezone };
        const from = localInstant(timezone, '2024-01-01T00:00');
        const to = localInstant(timezone, '2025-01-01T00:00');
        const expected = referenceTicksBetween(spec, from, to, 1000).reverse();
        expect(iso(compileSchedule(spec).ticksBetweenNewestFirst(from, to, 1000)), `${cron} in ${timezone}`).toEqual(iso(expected));
      }
    }
  });
});

describe('ticksBetween over a whole year', () => {
  for (const cron of ['0 0 1 * *', '0 0 13 * 5', '@weekly', '30 2 * * *', '0 9 * * 1-5']) {
    it(`${cron} in Europe/Paris and America/New_York`, () => {
      for (const timezone of ['Europe/Paris', 'America/New_York']) {
        const spec = { cron, timezone };
        const from = localInstant(timezone, '2024-01-01T00:00');
        const to = localInstant(timezone, '2025-01-01T00:00');
        const expected = referenceTicksBetween(spec, from, to, 1000);
        expect(iso(compileSchedule(spec).ticksBetween(from, to, 1000)), timezone).toEqual(iso(expected));
      }
    });
  }
});

describe('ticksBetween edge cases', () => {
  const everyMinute = compileSchedule({ cron: '* * * * *', timezone: 'Europe/Paris' });
  const tick = Date.parse('2024-06-01T10:00:00Z');

  it('returns a single tick when start and end are that tick', () => {
    expect(everyMinute.ticksBetween(tick, tick, 10)).toEqual([tick]);
    expect(referenceTicksBetween(everyMinute.spec, tick, tick, 10)).toEqual([tick]);
  });

  it('returns nothing for a window between two ticks', () => {
    expect(everyMinute.ticksBetween(tick + 1, tick + MINUTE - 1, 10)).toEqual([]);
    expect(referenceTicksBetween(everyMinute.spec, tick + 1, tick + MINUTE - 1, 10)).toEqual([]);
  });

  it('returns nothing when start is after end', () => {
    expect(everyMinute.ticksBetween(tick + HOUR, tick, 10)).toEqual([]);
    expect(referenceTicksBetween(everyMinute.spec, tick + HOUR, tick, 10)).toEqual([]);
  });

  it('returns nothing for a zero or negative limit', () => {
    expect(everyMinute.ticksBetween(tick, tick + HOUR, 0)).toEqual([]);
    expect(everyMinute.ticksBetween(tick, tick + HOUR, -3)).toEqual([]);
  });

  it('stops at the limit', () => {
    expect(everyMinute.ticksBetween(tick, tick + HOUR, 3)).toEqual([tick, tick + MINUTE, tick + 2 * MINUTE]);
  });

  it('rounds fractional bounds inwards', () => {
    expect(everyMinute.ticksBetween(tick - 0.5, tick + 0.5, 10)).toEqual([tick]);
    expect(everyMinute.ticksBetween(tick + 0.5, tick + MINUTE - 0.5, 10)).toEqual([]);
  });

  it('rejects NaN bounds', () => {
    expect(() => everyMinute.ticksBetween(Number.NaN, tick, 10)).toThrow(RangeError);
  });

  it('finds nothing in a window without the day (Feb 29 between leap years)', () => {
    const spec = { cron: '0 0 29 2 *', timezone: 'Europe/Paris' };
    const from = Date.parse('2024-03-01T00:00:00Z');
    const to = Date.parse('2028-02-28T00:00:00Z');
    expect(compileSchedule(spec).ticksBetween(from, to, 10)).toEqual([]);
    expect(referenceTicksBetween(spec, from, to, 10)).toEqual([]);
  });

  it('honours L, nL and # like cron-parser', () => {
    for (const cron of ['0 0 L * *', '0 12 * * 5L', '0 6 * * 1#2', '0 0 L 2 *', '0 8 1,15 * 1#1']) {
      const spec = { cron, timezone: 'America/New_York' };
      const from = Date.parse('2023-11-20T00:00:00Z');
      const to = Date.parse('2025-03-10T00:00:00Z');
      expect(iso(compileSchedule(spec).ticksBetween(from, to, 1000)), cron).toEqual(iso(referenceTicksBetween(spec, from, to, 1000)));
    }
  });
});

describe('offset changes, spelled out', () => {
  const between = (spec: ScheduleSpec, from: string, to: string) =>
    compileSchedule(spec)
      .ticksBetween(Date.parse(from), Date.parse(to), 100)
      .map((t) => formatInZone(t, spec.timezone!));

  it('shifts a tick inside the spring-forward gap by the gap (java.time), and fires once on the overlap', () => {
    const spec = { cron: '30 2 * * *', timezone: 'Europe/Paris' };
    expect(between(spec, '2024-03-30T00:00:00Z', '2024-04-01T12:00:00Z')).toEqual([
      '2024-03-30T02:30:00+01:00',
      '2024-03-31T03:30:00+02:00',
      '2024-04-01T02:30:00+02:00',
    ]);
    expect(between(spec, '2024-10-26T00:00:00Z', '2024-10-28T12:00:00Z')).toEqual([
      '2024-10-26T02:30:00+02:00',
      '2024-10-27T02:30:00+02:00',
      '2024-10-28T02:30:00+01:00',
    ]);
  });

  it("keeps firing after Lord Howe's half-hour fall-back, where cron-parser gives up", () => {
    const spec = { cron: '0 1 * * *', timezone: 'Australia/Lord_Howe' };
    const from = Date.parse('2024-04-05T00:00:00Z');
    const to = Date.parse('2024-04-09T00:00:00Z');
    // cron-parser 5.10 loops to its limit after the 2024-04-07 tick and reports nothing more.
    expect(referenceTicksBetween(spec, from, to, 100).map((t) => formatInZone(t, spec.timezone))).toEqual([
      '2024-04-06T01:00:00+11:00',
      '2024-04-07T01:00:00+11:00',
    ]);
    expect(
      compileSchedule(spec)
        .ticksBetween(from, to, 100)
        .map((t) => formatInZone(t, spec.timezone)),
    ).toEqual(['2024-04-06T01:00:00+11:00', '2024-04-07T01:00:00+11:00', '2024-04-08T01:00:00+10:30', '2024-04-09T01:00:00+10:30']);
  });

  it("fires around Lord Howe's fall-back as java.time would where cron-parser gives up", () => {
    const window = ['2024-04-06T12:00:00Z', '2024-04-06T17:00:00Z'] as const;
    // 01:00-01:30 local exists once (+11:00); 01:30-02:00 twice.
    expect(between({ cron: '@hourly', timezone: 'Australia/Lord_Howe' }, ...window)).toEqual([
      '2024-04-06T23:00:00+11:00',
      '2024-04-07T00:00:00+11:00',
      '2024-04-07T01:00:00+11:00',
      '2024-04-07T02:00:00+10:30',
      '2024-04-07T03:00:00+10:30',
    ]);
    expect(between({ cron: '15,45 */2 * * *', timezone: 'Australia/Lord_Howe' }, ...window)).toEqual([
      '2024-04-07T00:15:00+11:00',
      '2024-04-07T00:45:00+11:00',
      '2024-04-07T02:15:00+10:30',
      '2024-04-07T02:45:00+10:30',
    ]);
    // Where cron-parser does not loop, its answer stands (the repeated half hour is skipped here).
    const quarterly = { cron: '*/15 * * * *', timezone: 'Australia/Lord_Howe' };
    const expected = referenceTicksBetween(quarterly, Date.parse(window[0]), Date.parse(window[1]), 100);
    expect(between(quarterly, ...window)).toEqual(expected.map((t) => formatInZone(t, quarterly.timezone)));
    expect(between(quarterly, '2024-04-06T14:40:00Z', '2024-04-06T15:50:00Z')).toEqual([
      '2024-04-07T01:45:00+11:00',
      '2024-04-07T02:00:00+10:30',
      '2024-04-07T02:15:00+10:30',
    ]);
  });

  it('resolves a repeated midnight as cron-parser does, which depends on the schedule (America/Havana)', () => {
    // Havana falls back from 01:00 to 00:00 on 2024-11-03 (a Sunday).
    const window = ['2024-11-02T00:00:00Z', '2024-11-04T12:00:00Z'] as const;
    for (const cron of ['@daily', '@weekly', '0 0 * * 0', '0 0,12 * * *', '*/20 0-1 * * *']) {
      const spec = { cron, timezone: 'America/Havana' };
      const expected = referenceTicksBetween(spec, Date.parse(window[0]), Date.parse(window[1]), 100);
      expect(between(spec, ...window), cron).toEqual(expected.map((t) => formatInZone(t, 'America/Havana')));
    }
    expect(between({ cron: '@daily', timezone: 'America/Havana' }, ...window)).toContain('2024-11-03T00:00:00-05:00');
    expect(between({ cron: '@weekly', timezone: 'America/Havana' }, ...window)).toEqual(['2024-11-03T00:00:00-04:00']);
  });

  it('moves a midnight that does not exist to the first instant of the day (America/Santiago)', () => {
    const spec = { cron: '0 0 * * *', timezone: 'America/Santiago' };
    const window = ['2024-09-06T12:00:00Z', '2024-09-09T12:00:00Z'] as const;
    expect(between(spec, ...window)).toEqual(['2024-09-07T00:00:00-04:00', '2024-09-08T01:00:00-03:00', '2024-09-09T00:00:00-03:00']);
    const expected = referenceTicksBetween(spec, Date.parse(window[0]), Date.parse(window[1]), 100);
    expect(between(spec, ...window)).toEqual(expected.map((t) => formatInZone(t, spec.timezone)));
  });
});
