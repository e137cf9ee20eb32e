/**
 * The fast schedule: cron ticks by calendar arithmetic instead of cron-parser's search.
 *
 * cron-parser costs 17-50 µs a tick because every step goes through luxon. Here the fields are
 * expanded once (times of day as a sorted array, matching days as a bit mask per month), and the
 * zone's timeline is cut into steady stretches, where a tick is `local midnight - offset + time
 * of day`, and short windows around offset changes, which are delegated to cron-parser so DST
 * gaps and overlaps follow exactly its (java.time-compatible) rules.
 */
import { civilFromDays, DAY_MS, daysInMonth } from './civil-calendar';
import { MonthMasks } from './day-matcher';
import { instantWindow, wholeLimit } from './instant-window';
import { validateSpec } from './schedule-spec';
import { lowerBound, timesOfDay, upperBound } from './times-of-day';
import { transitionTicks } from './transition-ticks';
import type { CompiledSchedule, ScheduleSpec } from './types';
import { MAX_INSTANT_MS, zoneOffsets } from './zone-offsets';
import { zoneTimeline } from './zone-timeline';
import type { TransitionPiece, ZoneTimeline } from './zone-timeline';

/** How far `next` and `previous` look, as Kestra's Schedule does (±10 years). */
const SEARCH_HORIZON_MS = 3653 * DAY_MS;

const LAST_MS_OF_DAY = DAY_MS - 1;

/** Bounds the memory of cached transition-piece ticks per schedule (8 bytes each). */
const MAX_CACHED_WINDOW_TICKS = 50_000;

/** Called for each firing local day with the ms-of-day range [low, high] to consider. */
type DayVisitor = (dayStartLocalMs: number, low: number, high: number) => boolean;

/**
 * Validates `spec` and prepares its tick arithmetic.
 * @throws InvalidScheduleError naming the faulty property (`cron` or `timezone`).
 */
export function compileSchedule(spec: ScheduleSpec): CompiledSchedule {
  const { spec: normalized, cron } = validateSpec(spec);
  return new FastSchedule(normalized, cron.sixFields, timesOfDay(cron.fields), new MonthMasks(cron.fields));
}

class FastSchedule implements CompiledSchedule {
  private readonly timeline: ZoneTimeline;
  /** All ticks of recently used transition pieces, oldest first. */
  private readonly pieceTicks = new Map<TransitionPiece, number[]>();
  private cachedTicks = 0;

  constructor(
    readonly spec: Readonly<Required<ScheduleSpec>>,
    private readonly sixFields: string,
    private readonly times: Int32Array,
    private readonly masks: MonthMasks,
  ) {
    this.timeline = zoneTimeline(zoneOffsets(spec.timezone));
  }

  ticksBetween(fromMs: number, toMs: number, limit: number): number[] {
    const { from, to } = instantWindow(fromMs, toMs);
    const max = wholeLimit(limit);
    const ticks: number[] = [];
    let cursor = from;
    while (cursor <= to && ticks.length < max) {
      const piece = this.timeline.pieceAt(cursor);
      const end = Math.min(piece.end - 1, to);
      if (piece.kind === 'steady') {
        this.collectSteady(cursor, end, piece.offsetMs, ticks, max);
      } else if (this.mayFireIn(piece, cursor, end)) {
        // A one-tick `next` does not pay for the whole piece; larger reads do, once.
        for (const tick of this.transitionTicks(piece, cursor - 1, end, max - ticks.length, max > 1)) ticks.push(tick);
      }
      cursor = end + 1;
    }
    return ticks;
  }

  ticksBetweenNewestFirst(fromMs: number, toMs: number, limit: number): number[] {
    const { from, to } = instantWindow(fromMs, toMs);
    const max = wholeLimit(limit);
    const ticks: number[] = [];
    let cursor = to;
    while (cursor >= from && ticks.length < max) {
      const piece = this.timeline.pieceAt(cursor);
      const start = Math.max(piece.start, from);
      if (piece.kind === 'steady') {
        this.collectSteadyBackwards(start, cursor, piece.offsetMs, ticks, max);
      } else if (this.mayFireIn(piece, start, cursor)) {
        // The piece's ticks as the ascending enumeration of [from, to] finds them (run from the
        // piece's start, or from `from` inside it), then taken from the newest.
        const ascending = this.transitionTicks(piece, start - 1, cursor, Infinity, true);
        for (let i = ascending.length - 1; i >= 0 && ticks.length < max; i--) ticks.push(ascending[i]!); // i < length
      }
      cursor = start - 1;
    }
    return ticks;
  }

  next(afterMs: number): number | null {
    const from = Math.floor(afterMs) + 1;
    const [tick] = this.ticksBetween(from, from + SEARCH_HORIZON_MS, 1);
    return tick ?? null;
  }

  previous(beforeMs: number): number | null {
    if (Number.isNaN(beforeMs)) throw new RangeError(`previous() needs a number, got ${beforeMs}`);
    let cursor = Math.min(Math.ceil(beforeMs) - 1, MAX_INSTANT_MS);
    const lowest = Math.max(cursor - SEARCH_HORIZON_MS, -MAX_INSTANT_MS);
    while (cursor >= lowest) {
      const piece = this.timeline.pieceAt(cursor);
      const start = Math.max(piece.start, lowest);
      if (piece.kind === 'steady') {
        const tick = this.lastInSteady(start, cursor, piece.offsetMs);
        if (tick !== null) return tick;
      } else if (this.mayFireIn(piece, start, cursor)) {
        // From the window's start, as a forward iteration arriving from earlier days would run.
        const last = this.transitionTicks(piece, piece.start - 1, cursor, Infinity, true).at(-1);
        if (last !== undefined) return last;
      }
      cursor = start - 1;
    }
    return null;
  }

  countBetween(fromMs: number, toMs: number, cap: number): number {
    const { from, to } = instantWindow(fromMs, toMs);
    const max = wholeLimit(cap);
    let count = 0;
    let cursor = from;
    while (cursor <= to && count < max) {
      const piece = this.timeline.pieceAt(cursor);
      const end = Math.min(piece.end - 1, to);
      if (piece.kind === 'steady') {
        count += this.countSteady(cursor, end, piece.offsetMs, max - count);
      } else if (this.mayFireIn(piece, cursor, end)) {
        count += this.transitionTicks(piece, cursor - 1, end, max - count, true).length;
      }
      cursor = end + 1;
    }
    return Math.min(count, max);
  }

  /**
   * Ticks t with afterMs < t <= untilMs of a transition piece, at most `limit`, from cron-parser.
   *
   * A read from the piece's start (the usual case: arriving from a steady stretch) is served from
   * one cached run over the whole piece, since counts and dispatch batches come back to the same
   * pieces and cron-parser costs tens of µs a tick. `fill` allows computing that run when missing.
   * A read starting inside the piece runs cron-parser from there, as the reference does.
   */
  private transitionTicks(piece: TransitionPiece, afterMs: number, untilMs: number, limit: number, fill: boolean): number[] {
    if (afterMs === piece.start - 1) {
      let all = this.pieceTicks.get(piece);
      if (all === undefined && fill) {
        all = transitionTicks(this.sixFields, this.spec.timezone, piece, afterMs, piece.end - 1, Infinity);
        this.remember(piece, all);
      }
      if (all !== undefined) return all.slice(0, Math.min(limit, upperBound(all, untilMs)));
    }
    return transitionTicks(this.sixFields, this.spec.timezone, piece, afterMs, untilMs, limit);
  }

  private remember(piece: TransitionPiece, ticks: number[]): void {
    if (ticks.length > MAX_CACHED_WINDOW_TICKS) return;
    for (const [oldPiece, oldTicks] of this.pieceTicks) {
      if (this.cachedTicks + ticks.length <= MAX_CACHED_WINDOW_TICKS) break;
      this.pieceTicks.delete(oldPiece);
      this.cachedTicks -= oldTicks.length;
    }
    this.pieceTicks.set(piece, ticks);
    this.cachedTicks += ticks.length;
  }

  private collectSteady(from: number, to: number, offsetMs: number, ticks: number[], max: number): void {
    const times = this.times;
    this.forEachFiringDay(from + offsetMs, to + offsetMs, (dayStart, low, high) => {
      const base = dayStart - offsetMs;
      const last = high === LAST_MS_OF_DAY ? times.length : upperBound(times, high);
      for (let i = low === 0 ? 0 : lowerBound(times, low); i < last; i++) {
        ticks.push(base + times[i]!); // i < last <= times.length
        if (ticks.length >= max) return false;
      }
      return true;
    });
  }

  /** As {@link collectSteady}, newest first. */
  private collectSteadyBackwards(from: number, to: number, offsetMs: number, ticks: number[], max: number): void {
    const times = this.times;
    this.forEachFiringDayBackwards(from + offsetMs, to + offsetMs, (dayStart, low, high) => {
      const base = dayStart - offsetMs;
      const first = low === 0 ? 0 : lowerBound(times, low);
      for (let i = (high === LAST_MS_OF_DAY ? times.length : upperBound(times, high)) - 1; i >= first; i--) {
        ticks.push(base + times[i]!); // first <= i < times.length
        if (ticks.length >= max) return false;
      }
      return true;
    });
  }

  /** Ticks in [from, to]; may stop as soon as the count reaches `max`. */
  private countSteady(from: number, to: number, offsetMs: number, max: number): number {
    const times = this.times;
    let count = 0;
    this.forEachFiringDay(from + offsetMs, to + offsetMs, (_dayStart, low, high) => {
      const last = high === LAST_MS_OF_DAY ? times.length : upperBound(times, high);
      count += last - (low === 0 ? 0 : lowerBound(times, low));
      return count < max;
    });
    return count;
  }

  private lastInSteady(from: number, to: number, offsetMs: number): number | null {
    const times = this.times;
    let found: number | null = null;
    this.forEachFiringDayBackwards(from + offsetMs, to + offsetMs, (dayStart, low, high) => {
      const latest = times[upperBound(times, high) - 1];
      if (latest !== undefined && latest >= low) found = dayStart - offsetMs + latest;
      return found === null;
    });
    return found;
  }

  /**
   * Visits the firing days between two local instants, ascending, until `visit` returns false.
   * Whole months without a firing day cost one cached mask lookup.
   */
  private forEachFiringDay(localFrom: number, localTo: number, visit: DayVisitor): void {
    const firstDay = Math.floor(localFrom / DAY_MS);
    const lastDay = Math.floor(localTo / DAY_MS);
    let { year, month, day } = civilFromDays(firstDay);
    let monthStart = firstDay - day + 1;
    while (monthStart <= lastDay) {
      const length = daysInMonth(year, month);
      const mask = this.masks.maskOf(year, month);
      if (mask !== 0) {
        const lastInMonth = Math.min(length, lastDay - monthStart + 1);
        for (let d = day; d <= lastInMonth; d++) {
          if ((mask & (1 << (d - 1))) === 0) continue;
          const dayNumber = monthStart + d - 1;
          const dayStart = dayNumber * DAY_MS;
          const low = dayNumber === firstDay ? localFrom - dayStart : 0;
          const high = dayNumber === lastDay ? localTo - dayStart : LAST_MS_OF_DAY;
          if (!visit(dayStart, low, high)) return;
        }
      }
      monthStart += length;
      day = 1;
      if (++month > 12) {
        month = 1;
        year++;
      }
    }
  }

  /** As {@link forEachFiringDay}, descending. */
  private forEachFiringDayBackwards(localFrom: number, localTo: number, visit: DayVisitor): void {
    const firstDay = Math.floor(localFrom / DAY_MS);
    const lastDay = Math.floor(localTo / DAY_MS);
    let { year, month, day } = civilFromDays(lastDay);
    let monthStart = lastDay - day + 1;
    while (monthStart + daysInMonth(year, month) - 1 >= firstDay) {
      const mask = this.masks.maskOf(year, month);
      if (mask !== 0) {
        const firstInMonth = Math.max(1, firstDay - monthStart + 1);
        for (let d = day; d >= firstInMonth; d--) {
          if ((mask & (1 << (d - 1))) === 0) continue;
          const dayNumber = monthStart + d - 1;
          const dayStart = dayNumber * DAY_MS;
          const low = dayNumber === firstDay ? localFrom - dayStart : 0;
          const high = dayNumber === lastDay ? localTo - dayStart : LAST_MS_OF_DAY;
          if (!visit(dayStart, low, high)) return;
        }
      }
      if (--month < 1) {
        month = 12;
        year--;
      }
      day = daysInMonth(year, month);
      monthStart -= day;
    }
  }

  /**
   * False when no local date touched by [from, to] in a transition piece fires, so cron-parser
   * (tens of µs a call) is skipped for most offset changes of daily/weekly/monthly schedules.
   */
  private mayFireIn(piece: TransitionPiece, from: number, to: number): boolean {
    const firstDay = Math.floor((from + piece.minOffsetMs) / DAY_MS);
    const lastDay = Math.floor((to + piece.maxOffsetMs) / DAY_MS);
    for (let dayNumber = firstDay; dayNumber <= lastDay; dayNumber++) {
      const { year, month, day } = civilFromDays(dayNumber);
      if ((this.masks.maskOf(year, month) & (1 << (day - 1))) !== 0) return true;
    }
    return false;
  }
}
