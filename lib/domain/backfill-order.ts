import type { LedgerPage } from './ledger';
import { type CompiledSchedule, formatInZone } from './schedule';

/**
 * In which order a backfill runs its window's ticks (beyond Kestra, which always runs them oldest
 * first; Airflow's `run_backwards`):
 * - OLDEST_FIRST: from the window's start on (Kestra's behaviour, the default);
 * - NEWEST_FIRST: from the window's end back, so the latest ticks, often the ones wanted first, run
 *   first. Dispatch sends batches newest first and, within a batch, newest first; with
 *   `maxConcurrency` 1 the executions start strictly from the newest tick to the oldest.
 */
export const BACKFILL_ORDERS = ['OLDEST_FIRST', 'NEWEST_FIRST'] as const;
export type BackfillOrder = (typeof BACKFILL_ORDERS)[number];

/**
 * Where a backfill's dispatch stands. `cursorMs` bounds the ticks not dispatched yet: from below
 * (inclusive) oldest first, from above (inclusive) newest first, so the ticks left are always
 * [cursorMs, end] or [start, cursorMs], and a batch moves the cursor past its last tick.
 */
export interface DispatchPosition {
  start: string;
  end: string;
  cursorMs: number;
  order: BackfillOrder;
}

/** The backfill's cursor before any tick is dispatched. */
export function initialCursorMs(order: BackfillOrder, startMs: number, endMs: number): number {
  return order === 'NEWEST_FIRST' ? endMs : startMs;
}

/** The ticks not dispatched yet, as an inclusive range, or undefined once every tick is. */
export function undispatchedRange(position: DispatchPosition): { fromMs: number; toMs: number } | undefined {
  const startMs = Date.parse(position.start);
  const endMs = Date.parse(position.end);
  const range = position.order === 'NEWEST_FIRST' ? { fromMs: startMs, toMs: position.cursorMs } : { fromMs: position.cursorMs, toMs: endMs };
  return range.fromMs <= range.toMs ? range : undefined;
}

/** A backfill's next batch, in its order, and where it leaves the cursor. */
export interface NextBatch {
  /** At most `limit` ticks, in the order they are dispatched (their ledger page's slots). */
  ticks: number[];
  cursorMs: number;
  /** Kestra's `currentDate`: the next tick to dispatch, or the window's far bound (`end`, or `start` newest first) once none is left. */
  currentDate: string;
}

/**
 * The next `limit` ticks of `range` (the backfill's `undispatchedRange`) in the backfill's order. A
 * batch shorter than `limit` holds every tick left, so the cursor moves past the window's far bound.
 */
export function nextBatch(
  schedule: CompiledSchedule,
  position: Pick<DispatchPosition, 'start' | 'end' | 'order'>,
  range: { fromMs: number; toMs: number },
  limit: number,
  timezone: string,
): NextBatch {
  const newestFirst = position.order === 'NEWEST_FIRST';
  const ticks = newestFirst ? schedule.ticksBetweenNewestFirst(range.fromMs, range.toMs, limit) : schedule.ticksBetween(range.fromMs, range.toMs, limit);
  const lastTick = ticks.at(-1);
  if (lastTick === undefined || ticks.length < limit) {
    return { ticks, cursorMs: newestFirst ? range.fromMs - 1 : range.toMs + 1, currentDate: newestFirst ? position.start : position.end };
  }
  // The tick the next batch starts with, found as that batch will look for it.
  const nextTick = newestFirst ? (schedule.ticksBetweenNewestFirst(range.fromMs, lastTick - 1, 1)[0] ?? null) : schedule.next(lastTick);
  const inWindow = nextTick !== null && nextTick >= range.fromMs && nextTick <= range.toMs;
  return {
    ticks,
    cursorMs: newestFirst ? lastTick - 1 : lastTick + 1,
    currentDate: inWindow ? formatInZone(nextTick, timezone) : newestFirst ? position.start : position.end,
  };
}

/**
 * The tick the backfill's next batch starts with (its ledger page is named after it), in the
 * backfill's order; undefined once every tick is dispatched.
 */
export function nextBatchStart(schedule: CompiledSchedule, position: DispatchPosition): number | undefined {
  const range = undispatchedRange(position);
  if (!range) return undefined;
  const [first] =
    position.order === 'NEWEST_FIRST' ? schedule.ticksBetweenNewestFirst(range.fromMs, range.toMs, 1) : schedule.ticksBetween(range.fromMs, range.toMs, 1);
  return first;
}

/** The lowest and highest of `ticks` (a batch in either order), or undefined for none. */
export function tickSpan(ticks: readonly number[]): { fromMs: number; toMs: number } | undefined {
  if (!ticks.length) return undefined;
  return { fromMs: Math.min(...ticks), toMs: Math.max(...ticks) };
}

/**
 * Ledger pages in the order their batches were dispatched (a page's first tick is its oldest, or its
 * newest newest first), for whatever sends their slots again: held slots, lost messages.
 */
export function pagesInOrder<T extends Pick<LedgerPage, 'ticks'>>(pages: readonly T[], order: BackfillOrder): T[] {
  const sign = order === 'NEWEST_FIRST' ? -1 : 1;
  return [...pages].sort((a, b) => sign * ((a.ticks[0] ?? 0) - (b.ticks[0] ?? 0)));
}
