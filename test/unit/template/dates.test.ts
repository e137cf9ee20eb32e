import { describe, expect, it } from 'vitest';
import { render, TemplateError } from '../../../lib/domain/template';

/** 2024-03-28T06:30:05.123Z: a Thursday, CET in Paris (DST starts on 2024-03-31). */
const d = new Date('2024-03-28T06:30:05.123Z');
const vars = {
  d,
  withOffset: '2024-03-28T06:30:00+02:00',
  utcString: '2024-03-28T06:30:00Z',
  fraction: '2024-03-28T06:30:00.123456789Z',
  local: '2024-03-28T06:30',
  day: '2024-03-28',
  epoch: 1_711_607_400,
  nothing: null,
};
const fmt = (pattern: string, zone = 'UTC'): string => render(`{{ d | date(${JSON.stringify(pattern)}, timeZone=${JSON.stringify(zone)}) }}`, vars);

describe('Filter: date', () => {
  it('formats common Java patterns', () => {
    expect(fmt('yyyy-MM-dd')).toBe('2024-03-28');
    expect(fmt("yyyy-MM-dd'T'HH:mm:ssXXX")).toBe('2024-03-28T06:30:05Z');
    expect(fmt("yyyy-MM-dd'T'HH:mm:ssXXX", 'Europe/Paris')).toBe('2024-03-28T07:30:05+01:00');
    expect(fmt('EEE, d MMM yyyy')).toBe('Thu, 28 Mar 2024');
    expect(fmt('EEEE d MMMM yy')).toBe('Thursday 28 March 24');
    expect(fmt('HH:mm')).toBe('06:30');
    expect(fmt('h:mm a', 'America/New_York')).toBe('2:30 AM');
    expect(fmt("'at' HH 'o''clock' ''")).toBe("at 06 o'clock '");
  });

  it('follows java.time repeat-count semantics', () => {
    expect(fmt('M MM MMM MMMM MMMMM')).toBe('3 03 Mar March M');
    expect(fmt('d dd D DDD')).toBe('28 28 88 088');
    expect(fmt('E EEE EEEE EEEEE')).toBe('Thu Thu Thursday T');
    expect(fmt('S SSS SSSSSS SSSSSSSSS')).toBe('1 123 123000 123000000');
    expect(fmt('y yy yyyy yyyyy u uuuu')).toBe('2024 24 2024 02024 2024 2024');
    expect(fmt('H h K k a', 'Europe/Paris')).toBe('7 7 7 7 AM');
    expect(fmt('Q QQ QQQ QQQQ G GGGG')).toBe('1 01 Q1 1st quarter AD Anno Domini');
    expect(fmt('w W e')).toBe('13 5 5');
  });

  it('formats offsets and zones (X, x, Z, O, VV, z)', () => {
    expect(fmt('X XX XXX XXXX XXXXX', 'Asia/Kolkata')).toBe('+0530 +0530 +05:30 +0530 +05:30');
    expect(fmt('X XX XXX x xx xxx', 'UTC')).toBe('Z Z Z +00 +0000 +00:00');
    expect(fmt('Z ZZZZ ZZZZZ O OOOO', 'America/New_York')).toBe('-0400 GMT-04:00 -04:00 GMT-4 GMT-04:00');
    expect(fmt('VV z zzzz', 'Europe/Paris')).toBe('Europe/Paris CET Central European Standard Time');
    expect(fmt('VV XXX', '+02:00')).toBe('+02:00 +02:00');
  });

  it('rejects invalid patterns like DateTimeFormatter.ofPattern', () => {
    expect(() => fmt('yyyy-bb')).toThrow(/Unknown pattern letter: b/);
    expect(() => fmt('ddd')).toThrow(/Too many pattern letters: d/);
    expect(() => fmt("yyyy 'open")).toThrow(/incomplete string literal/);
    expect(() => fmt('V')).toThrow(/must be 2/);
    expect(() => fmt('{yyyy}')).toThrow(/reserved character/);
  });

  it('supports the named formats of AbstractDate', () => {
    const f = (name: string, zone = 'UTC'): string => fmt(name, zone);
    expect(f('iso')).toBe('2024-03-28T06:30:05.123000Z');
    expect(f('iso', 'Europe/Paris')).toBe('2024-03-28T07:30:05.123000+01:00');
    expect(f('iso_sec')).toBe('2024-03-28T06:30:05Z');
    expect(f('sql')).toBe('2024-03-28 06:30:05.123000');
    expect(f('sql_seq')).toBe('2024-03-28 06:30:05');
    expect(f('iso_local_date')).toBe('2024-03-28');
    expect(f('iso_local_time')).toBe('06:30:05.123');
    expect(f('iso_local_date_time')).toBe('2024-03-28T06:30:05.123');
    expect(f('iso_offset_date_time', 'Europe/Paris')).toBe('2024-03-28T07:30:05.123+01:00');
    expect(f('iso_zoned_date_time', 'Europe/Paris')).toBe('2024-03-28T07:30:05.123+01:00[Europe/Paris]');
    expect(f('iso_date_time', '+02:00')).toBe('2024-03-28T08:30:05.123+02:00');
    expect(f('iso_date', 'Europe/Paris')).toBe('2024-03-28+01:00');
    expect(f('iso_time')).toBe('06:30:05.123Z');
    expect(f('iso_instant', 'Europe/Paris')).toBe('2024-03-28T06:30:05.123Z');
    expect(f('iso_ordinal_date')).toBe('2024-088Z');
    expect(f('iso_week_date')).toBe('2024-W13-4Z');
    expect(f('rfc_1123_date_time')).toBe('Thu, 28 Mar 2024 06:30:05 GMT');
    expect(f('rfc_1123_date_time', 'Europe/Paris')).toBe('Thu, 28 Mar 2024 07:30:05 +0100');
    expect(f('short')).toBe('3/28/24, 6:30 AM');
    expect(f('medium')).toBe('Mar 28, 2024, 6:30:05 AM');
    expect(f('long')).toBe('March 28, 2024 at 6:30:05 AM UTC');
    expect(f('full')).toBe('Thursday, March 28, 2024 at 6:30:05 AM Coordinated Universal Time');
  });

  it('defaults to iso in the default zone, configurable per render', () => {
    expect(render('{{ d | date }}', vars)).toBe('2024-03-28T06:30:05.123000Z');
    expect(render('{{ d | date }}', vars, { defaultTimeZone: 'Europe/Paris' })).toBe('2024-03-28T07:30:05.123000+01:00');
    expect(render('{{ d | date("HH:mm") }}', vars, { defaultTimeZone: 'Asia/Tokyo' })).toBe('15:30');
  });

  it('takes named arguments, e.g. date("yyyy-MM-dd HH:mm", timeZone="Europe/Paris")', () => {
    expect(render('{{ d | date("yyyy-MM-dd HH:mm", timeZone="Europe/Paris") }}', vars)).toBe('2024-03-28 07:30');
    expect(render('{{ d | date(format="HH:mm", timeZone="America/New_York", locale="en_US") }}', vars)).toBe('02:30');
  });

  it('converts inputs like AbstractDate.convert', () => {
    // ISO string with an offset: the instant is kept, the output zone applies.
    expect(render('{{ withOffset | date }}', vars)).toBe('2024-03-28T04:30:00.000000Z');
    expect(render('{{ utcString | date("iso_sec", timeZone="Europe/Paris") }}', vars)).toBe('2024-03-28T07:30:00+01:00');
    expect(render('{{ fraction | date }}', vars)).toBe('2024-03-28T06:30:00.123456Z');
    // Local date-time and local date: the zone is applied; a date starts at midnight.
    expect(render('{{ local | date("iso_sec", timeZone="Europe/Paris") }}', vars)).toBe('2024-03-28T06:30:00+01:00');
    expect(render('{{ day | date("iso_sec", timeZone="Europe/Paris") }}', vars)).toBe('2024-03-28T00:00:00+01:00');
    // Numbers are epoch seconds.
    expect(render('{{ epoch | date("iso_sec") }}', vars)).toBe('2024-03-28T06:30:00Z');
    // Null stays null.
    expect(render('[{{ nothing | date }}]', vars)).toBe('[]');
  });

  it('parses with existingFormat (a Java pattern)', () => {
    expect(render('{{ "28/03/2024 10:15" | date("yyyy-MM-dd HH:mm", existingFormat="dd/MM/yyyy HH:mm") }}', {})).toBe('2024-03-28 10:15');
    expect(render('{{ "2024-March-5" | date(format="yyyy/MMMM/d", existingFormat="yyyy-MMMM-d") }}', {})).toBe('2024/March/5');
    expect(render('{{ "20240328" | date("EEE", existingFormat="yyyyMMdd") }}', {})).toBe('Thu');
    expect(render('{{ "2024-03-28 10:15 +0200" | date("iso_sec", existingFormat="yyyy-MM-dd HH:mm Z") }}', {})).toBe('2024-03-28T08:15:00Z');
    expect(render('{{ "03/28/24 1:05 PM" | date("HH:mm", existingFormat="MM/dd/yy h:mm a") }}', {})).toBe('13:05');
  });

  it('fails clearly on unparseable input, unknown zones and locales', () => {
    expect(() => render('{{ "not a date" | date }}', {})).toThrow(/could not be parsed/);
    expect(() => render('{{ "2024-03-28 06:30:00" | date }}', {})).toThrow(/could not be parsed/);
    expect(() => render('{{ "2024-02-30" | date }}', {})).toThrow(TemplateError);
    expect(() => render('{{ "28.03.2024" | date(existingFormat="dd/MM/yyyy") }}', {})).toThrow(/could not be parsed/);
    expect(() => render('{{ d | date(timeZone="Mars/Olympus") }}', vars)).toThrow(/Unknown time zone "Mars\/Olympus"/);
    expect(() => render('{{ d | date(locale="fr_FR") }}', vars)).toThrow(/Locale "fr_FR" is not supported/);
    expect(() => render('{{ [1] | date }}', {})).toThrow(/Cannot convert a value of type list/);
    expect(() => render('{{ d | date }}', vars, { defaultTimeZone: 'Nowhere/Land' })).toThrow(TemplateError);
  });
});

describe('Filter: dateAdd', () => {
  it('subtracts a calendar day across the spring DST change in a region zone', () => {
    // Sunday 2024-03-31 12:00 CEST (UTC+2) minus one DAY is Saturday 12:00 CET (UTC+1): 23 hours earlier.
    const sunday = new Date('2024-03-31T10:00:00Z');
    expect(render('{{ t | dateAdd(-1, "DAYS", timeZone="Europe/Paris") }}', { t: sunday })).toBe('2024-03-30T12:00:00.000000+01:00');
    expect(render('{{ t | dateAdd(-24, "HOURS", timeZone="Europe/Paris") }}', { t: sunday })).toBe('2024-03-30T11:00:00.000000+01:00');
    expect(render("{{ '2024-03-30T12:00:00' | dateAdd(1, 'DAYS', 'iso_sec', 'Europe/Paris') }}", {})).toBe('2024-03-31T12:00:00+02:00');
  });

  it('keeps the fixed offset of an ISO string with offset, as Kestra does', () => {
    expect(render("{{ '2024-03-31T12:00:00+02:00' | dateAdd(-1, 'DAYS', timeZone='Europe/Paris') }}", {})).toBe('2024-03-30T11:00:00.000000+01:00');
  });

  it('supports ChronoUnit names', () => {
    const t = (amount: number, unit: string): string => render(`{{ d | dateAdd(${amount}, '${unit}', 'yyyy-MM-dd HH:mm:ss.SSSSSSSSS') }}`, vars);
    expect(t(1, 'NANOS')).toBe('2024-03-28 06:30:05.123000001');
    expect(t(-1, 'MICROS')).toBe('2024-03-28 06:30:05.122999000');
    expect(t(877, 'MILLIS')).toBe('2024-03-28 06:30:06.000000000');
    expect(t(55, 'SECONDS')).toBe('2024-03-28 06:31:00.123000000');
    expect(t(30, 'MINUTES')).toBe('2024-03-28 07:00:05.123000000');
    expect(t(1, 'HALF_DAYS')).toBe('2024-03-28 18:30:05.123000000');
    expect(t(1, 'WEEKS')).toBe('2024-04-04 06:30:05.123000000');
    expect(t(-1, 'MONTHS')).toBe('2024-02-28 06:30:05.123000000');
    expect(t(1, 'YEARS')).toBe('2025-03-28 06:30:05.123000000');
    expect(t(1, 'DECADES')).toBe('2034-03-28 06:30:05.123000000');
    expect(render("{{ '2024-01-31' | dateAdd(1, 'MONTHS', 'yyyy-MM-dd') }}", {})).toBe('2024-02-29');
  });

  it('validates amount and unit', () => {
    expect(() => render("{{ d | dateAdd(1, 'FORTNIGHTS') }}", vars)).toThrow(/Unknown time unit "FORTNIGHTS"/);
    expect(() => render("{{ d | dateAdd(1.5, 'DAYS') }}", vars)).toThrow(/must be an integer/);
    expect(() => render('{{ d | dateAdd(1) }}', vars)).toThrow(/needs an amount and a unit/);
  });

  it('works with now()', () => {
    const now = (): Date => new Date('2024-03-28T06:30:00Z');
    expect(render("{{ now() | dateAdd(-1, 'DAYS', 'yyyy-MM-dd') }}", {}, { now })).toBe('2024-03-27');
  });
});

describe('Filters: timestamp*', () => {
  it('returns epoch seconds, millis, micros and nanos', () => {
    expect(render('{{ utcString | timestamp }}', vars)).toBe('1711607400');
    expect(render('{{ withOffset | timestamp }}', vars)).toBe('1711600200');
    expect(render('{{ d | timestampMilli }}', vars)).toBe('1711607405123');
    expect(render('{{ fraction | timestampMicro }}', vars)).toBe('1711607400123456');
    expect(render('{{ fraction | timestampNano }}', vars)).toBe('1711607400123456789');
    expect(render('{{ local | timestamp(timeZone="Europe/Paris") }}', vars)).toBe('1711603800');
    expect(render('{{ "28/03/2024" | timestamp(existingFormat="dd/MM/yyyy") }}', {})).toBe('1711584000');
  });

  it('returns a number usable in arithmetic', () => {
    expect(render('{{ (utcString | timestamp) + 60 }}', vars)).toBe('1711607460');
  });
});

describe('Function: now', () => {
  const now = (): Date => new Date('2024-07-01T10:00:00.250Z');

  it('formats the injected clock as iso by default', () => {
    expect(render('{{ now() }}', {}, { now })).toBe('2024-07-01T10:00:00.250000Z');
  });

  it('accepts format and timeZone, positional or named', () => {
    expect(render('{{ now(timeZone="Europe/Paris") }}', {}, { now })).toBe('2024-07-01T12:00:00.250000+02:00');
    expect(render('{{ now("yyyy-MM-dd HH:mm z", "Europe/Paris") }}', {}, { now })).toBe('2024-07-01 12:00 CEST');
    expect(render('{{ now(format="HH:mm") }}', {}, { now, defaultTimeZone: 'America/New_York' })).toBe('06:00');
  });

  it('uses the real clock when none is injected', () => {
    const year = Number(render('{{ now("yyyy") }}', {}));
    expect(year).toBe(new Date().getUTCFullYear());
  });
});
