/**
 * Rejected and accepted Schedule specs, and the messages an end user sees.
 */
import { describe, expect, it } from 'vitest';
import { compileSchedule, InvalidScheduleError, referenceTicksBetween } from '../../../lib/domain/schedule';
import type { ScheduleSpec } from '../../../lib/domain/schedule';

function rejection(spec: ScheduleSpec): InvalidScheduleError {
  try {
    compileSchedule(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScheduleError);
    return error as InvalidScheduleError;
  }
  throw new Error(`expected ${JSON.stringify(spec)} to be rejected`);
}

describe('field count', () => {
  it('rejects 4 fields, naming the 5 expected', () => {
    const error = rejection({ cron: '*/30 * * *' });
    expect(error.field).toBe('cron');
    expect(error.name).toBe('InvalidScheduleError');
    expect(error.message).toBe('invalid cron expression "*/30 * * *": expected 5 fields (minute hour day-of-month month day-of-week), found 4');
  });

  it('rejects 6 fields without withSeconds and says how to enable seconds', () => {
    const error = rejection({ cron: '0 */30 * * * *' });
    expect(error.field).toBe('cron');
    expect(error.message).toBe(
      'invalid cron expression "0 */30 * * * *": expected 5 fields (minute hour day-of-month month day-of-week), found 6; set withSeconds: true to use a leading seconds field',
    );
  });

  it('rejects 5 fields with withSeconds', () => {
    const error = rejection({ cron: '*/30 * * * *', withSeconds: true });
    expect(error.field).toBe('cron');
    expect(error.message).toBe(
      'invalid cron expression "*/30 * * * *": expected 6 fields (second minute hour day-of-month month day-of-week), found 5 because withSeconds is true',
    );
  });

  it('rejects an empty expression and 7 fields', () => {
    expect(rejection({ cron: '   ' }).message).toContain('expected 5 fields (minute hour day-of-month month day-of-week), found 0');
    expect(rejection({ cron: '0 0 0 * * * *', withSeconds: true }).message).toContain('found 7');
  });
});

describe('field values', () => {
  const cases: [ScheduleSpec, string][] = [
    [{ cron: '61 * * * *' }, 'minute must be 0-59 (got "61")'],
    [{ cron: '0 24 * * *' }, 'hour must be 0-23 (got "24")'],
    [{ cron: '0 0 32 * *' }, 'day-of-month must be 1-31 (got "32")'],
    [{ cron: '0 0 0 * *' }, 'day-of-month must be 1-31 (got "0")'],
    [{ cron: '0 0 * 13 *' }, 'month must be 1-12 or JAN-DEC (got "13")'],
    [{ cron: '0 0 * * 8' }, 'day-of-week must be 0-7 or SUN-SAT (0 and 7 are Sunday) (got "8")'],
    [{ cron: '60 * * * * *', withSeconds: true }, 'second must be 0-59 (got "60")'],
    [{ cron: '0-70 * * * *' }, 'minute must be 0-59 (got "0-70")'],
    [{ cron: '0 9 * * MON-FRY' }, 'day-of-week has an unknown name "FRY"; expected 0-7 or SUN-SAT'],
    [{ cron: '0 9 * FOO *' }, 'month has an unknown name "FOO"; expected 1-12 or JAN-DEC'],
    [{ cron: '30-10 * * * *' }, 'minute range "30-10" is reversed'],
    [{ cron: '*/0 * * * *' }, 'minute "*/0": the step after "/" must be a positive integer'],
    [{ cron: '0 0 30 2 *' }, 'day-of-month "30" never occurs in month "2"'],
    [{ cron: 'H * * * *' }, 'minute "H": random values (H) are not supported'],
  ];
  for (const [spec, expected] of cases) {
    it(`rejects ${spec.cron}`, () => {
      const error = rejection(spec);
      expect(error.field).toBe('cron');
      expect(error.message).toContain(`invalid cron expression "${spec.cron}": `);
      expect(error.message).toContain(expected);
    });
  }

  it('rejects garbage, naming the field', () => {
    const error = rejection({ cron: 'every day at noon please' });
    expect(error.field).toBe('cron');
    expect(error.message).toBe(
      'invalid cron expression "every day at noon please": minute "every" is not valid; expected 0-59, a range (1-5), a list (1,3), a step (*/15) or *',
    );
    expect(rejection({ cron: 'hello' }).message).toContain('found 1');
    expect(rejection({ cron: '0 0 1.5 * *' }).message).toContain('day-of-month "1.5" is not valid');
  });

  it('rejects a cron that is not a string', () => {
    const error = rejection({ cron: 42 as unknown as string });
    expect(error.field).toBe('cron');
    expect(error.message).toBe('invalid cron expression: expected a string such as "0 9 * * 1-5", got number');
  });
});

describe('nicknames', () => {
  it('rejects @reboot, which a schedule cannot honour', () => {
    const error = rejection({ cron: '@reboot' });
    expect(error.field).toBe('cron');
    expect(error.message).toBe(
      'invalid cron expression "@reboot": @reboot is not supported by Schedule triggers; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or 5 fields (minute hour day-of-month month day-of-week)',
    );
  });

  it("rejects cron-parser's extra macros, which Kestra does not know", () => {
    for (const cron of ['@minutely', '@weekdays', '@every_5m']) {
      const error = rejection({ cron });
      expect(error.field).toBe('cron');
      expect(error.message).toContain(`unknown nickname ${cron}; expected one of @yearly`);
    }
  });

  it('accepts every Kestra nickname, with or without seconds', () => {
    const from = Date.parse('2023-12-31T22:00:00Z');
    const to = Date.parse('2024-01-01T02:00:00Z');
    const midnight = Date.parse('2024-01-01T00:00:00Z');
    for (const cron of ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']) {
      for (const withSeconds of [false, true]) {
        const ticks = compileSchedule({ cron, withSeconds }).ticksBetween(from, to, 10);
        // 2024-01-01 is a Monday, so @weekly (Sundays) fires on 2023-12-31.
        if (cron === '@weekly') expect(ticks, cron).toEqual([]);
        else if (cron === '@hourly') expect(ticks, cron).toEqual([-2, -1, 0, 1, 2].map((h) => midnight + h * 3_600_000));
        else expect(ticks, cron).toEqual([midnight]);
      }
    }
  });
});

describe('accepted syntax', () => {
  it('accepts names, 7 for Sunday, ?, L, # and lists, ranges and steps', () => {
    for (const cron of ['0 9 * JAN-MAR MON-FRI', '0 0 * * 7', '0 0 ? * 1', '0 0 L * *', '0 0 * * 5L', '0 0 * * 1#2', '1,2,5-10/2 */3 1-15 * *']) {
      expect(() => compileSchedule({ cron }), cron).not.toThrow();
    }
  });

  it('fills defaults into spec and keeps the expression as written', () => {
    expect(compileSchedule({ cron: ' 0 9 * * 1-5 ' }).spec).toEqual({ cron: ' 0 9 * * 1-5 ', withSeconds: false, timezone: 'UTC' });
    expect(compileSchedule({ cron: '0 0 9 * * *', withSeconds: true, timezone: 'Asia/Kolkata' }).spec).toEqual({
      cron: '0 0 9 * * *',
      withSeconds: true,
      timezone: 'Asia/Kolkata',
    });
  });
});

describe('time zone', () => {
  it('rejects an unknown zone', () => {
    const error = rejection({ cron: '0 9 * * *', timezone: 'Mars/Base' });
    expect(error.field).toBe('timezone');
    expect(error.name).toBe('InvalidScheduleError');
    expect(error.message).toBe('unknown time zone "Mars/Base": expected an IANA time zone id such as "Europe/Paris" or "UTC"');
  });

  it('rejects offsets and empty strings, which are not zone ids', () => {
    for (const timezone of ['+02:00', '', 'local']) {
      const error = rejection({ cron: '0 9 * * *', timezone });
      expect(error.field).toBe('timezone');
      expect(error.message).toBe(`unknown time zone "${timezone}": expected an IANA time zone id such as "Europe/Paris" or "UTC"`);
    }
  });

  it('accepts IANA ids, including fixed ones', () => {
    for (const timezone of ['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'Asia/Kathmandu']) {
      expect(compileSchedule({ cron: '0 9 * * *', timezone }).spec.timezone).toBe(timezone);
    }
    // Etc/GMT+5 is five hours behind UTC (POSIX sign).
    const ticks = compileSchedule({ cron: '0 9 * * *', timezone: 'Etc/GMT+5' }).ticksBetween(0, 86_400_000, 5);
    expect(ticks).toEqual([14 * 3_600_000]);
  });
});

describe('referenceTicksBetween', () => {
  it('validates like compileSchedule', () => {
    expect(() => referenceTicksBetween({ cron: '* * * *' }, 0, 1, 1)).toThrow(InvalidScheduleError);
    expect(() => referenceTicksBetween({ cron: '* * * * *', timezone: 'Mars/Base' }, 0, 1, 1)).toThrow('unknown time zone "Mars/Base"');
  });
});
