/**
 * Normalises caller-supplied instants: whole milliseconds, inside the range Date and Intl accept.
 */
import { MAX_INSTANT_MS } from './zone-offsets';

/** [from, to] rounded inwards to whole ms and clamped to the representable range. */
export function instantWindow(fromMs: number, toMs: number): { from: number; to: number } {
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) {
    throw new RangeError(`schedule window bounds must be numbers, got ${fromMs} and ${toMs}`);
  }
  return {
    from: Math.max(Math.ceil(fromMs), -MAX_INSTANT_MS),
    to: Math.min(Math.floor(toMs), MAX_INSTANT_MS),
  };
}

/** A non-negative whole limit; NaN counts as 0. */
export function wholeLimit(limit: number): number {
  return limit > 0 ? Math.floor(limit) : 0;
}
