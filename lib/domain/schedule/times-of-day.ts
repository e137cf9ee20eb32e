/**
 * The times of day a cron expression fires at, as sorted milliseconds since local midnight.
 *
 * On a day without an offset change every tick is `midnight + one of these`, so enumerating or
 * counting a day is a slice of this array.
 */
import type { CronFieldCollection } from 'cron-parser';

/** Ascending ms-of-day offsets (at most 86,400 of them, for every second). */
export function timesOfDay(fields: CronFieldCollection): Int32Array {
  const hours = numbers(fields.hour.values);
  const minutes = numbers(fields.minute.values);
  const seconds = numbers(fields.second.values);
  const times = new Int32Array(hours.length * minutes.length * seconds.length);
  let index = 0;
  for (const hour of hours) {
    for (const minute of minutes) {
      for (const second of seconds) times[index++] = ((hour * 60 + minute) * 60 + second) * 1000;
    }
  }
  return times;
}

/** Sorted, de-duplicated numeric values of a field. */
function numbers(values: readonly (number | string)[]): number[] {
  return [...new Set(values.filter((v): v is number => typeof v === 'number'))].sort((a, b) => a - b);
}

/** Index of the first element >= value. */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1; // low <= middle < high <= sorted.length
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Index of the first element > value. */
export function upperBound(sorted: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1; // low <= middle < high <= sorted.length
    if (sorted[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
