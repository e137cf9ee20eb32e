/**
 * Which calendar days a cron expression fires on, as one bit mask per month.
 *
 * The day rule is cron-parser's (`CronExpression#matchDayOfMonth`), replicated rather than
 * re-imagined: when both day-of-month and day-of-week are restricted a day matches if either
 * does; `L` (last day), `nL` (last weekday n of the month) and `n#k` (k-th weekday n) are
 * honoured; "restricted" means the raw field is not `*` or `?`, even if it lists every value.
 * Days depend on the calendar only, never on the zone, so masks are computed once per month.
 */
import type { CronFieldCollection } from 'cron-parser';
import { daysFromCivil, daysInMonth, weekdayOfDay } from './civil-calendar';

/** Bounds the per-schedule mask cache; a few hundred years of months. */
const MAX_CACHED_MONTHS = 4096;

export class MonthMasks {
  private readonly months: boolean[];
  private readonly cache = new Map<number, number>();
  private readonly matchesDay: (year: number, month: number, day: number, weekday: number) => boolean;

  constructor(fields: CronFieldCollection) {
    this.months = Array.from({ length: 13 }, (_, month) => (fields.month.values as number[]).includes(month));
    this.matchesDay = dayRule(fields);
  }

  /** Bit d-1 is set when day d of the month fires (before looking at times of day). */
  maskOf(year: number, month: number): number {
    const key = year * 12 + month;
    let mask = this.cache.get(key);
    if (mask !== undefined) return mask;
    mask = 0;
    if (this.months[month]) {
      const firstWeekday = weekdayOfDay(daysFromCivil(year, month, 1));
      const length = daysInMonth(year, month);
      for (let day = 1; day <= length; day++) {
        if (this.matchesDay(year, month, day, (firstWeekday + day - 1) % 7)) mask |= 1 << (day - 1);
      }
    }
    if (this.cache.size >= MAX_CACHED_MONTHS) this.cache.clear();
    this.cache.set(key, mask);
    return mask;
  }
}

function dayRule(fields: CronFieldCollection) {
  const dayOfMonth = fields.dayOfMonth;
  const dayOfWeek = fields.dayOfWeek;
  // cron-parser's typings are literal unions ('L', '1L'…); plain numbers and strings suffice here.
  const monthDayValues: readonly (number | string)[] = dayOfMonth.values;
  const weekdayValues: readonly (number | string)[] = dayOfWeek.values;
  const monthDays = new Set(monthDayValues.filter((v): v is number => typeof v === 'number'));
  const weekdays = new Set(weekdayValues.filter((v): v is number => typeof v === 'number'));
  // cron-parser reads the weekday of an `nL` entry from its first character, for every entry.
  const lastWeekdays = new Set(weekdayValues.map((v) => parseInt(String(v).charAt(0), 10) % 7));
  const nth = dayOfWeek.nthDay;
  const domRestricted = !dayOfMonth.isWildcard;
  const dowRestricted = !dayOfWeek.isWildcard;

  return (year: number, month: number, day: number, weekday: number): boolean => {
    const length = daysInMonth(year, month);
    const matchedDom = monthDays.has(day) || (dayOfMonth.hasLastChar && day === length);
    const matchedDow =
      (weekdays.has(weekday) && (nth <= 0 || Math.ceil(day / 7) === nth)) || (dayOfWeek.hasLastChar && day > length - 7 && lastWeekdays.has(weekday));
    if (domRestricted && dowRestricted) return matchedDom || matchedDow;
    if (!dowRestricted) return matchedDom;
    return matchedDow;
  };
}
