/**
 * A zone's timeline cut into steady stretches (one UTC offset) and short windows around each
 * offset change.
 *
 * Inside a steady stretch local time is just `instant + offset`, so cron ticks are plain
 * arithmetic. Inside a window, gaps and overlaps need java.time's rules, which cron-parser
 * reproduces; the enumerator hands windows to cron-parser instead of re-deriving those rules.
 */
import { DAY_MS, HOUR_MS } from './civil-calendar';
import type { ZoneOffsets } from './zone-offsets';

/** A stretch [start, end) during which the zone's offset does not change. */
export interface SteadyPiece {
  readonly kind: 'steady';
  readonly start: number;
  readonly end: number;
  readonly offsetMs: number;
}

/** A stretch [start, end) around one or more offset changes, with the offsets seen in it. */
export interface TransitionPiece {
  readonly kind: 'transition';
  readonly start: number;
  readonly end: number;
  readonly minOffsetMs: number;
  readonly maxOffsetMs: number;
  /** Instants at which the new offsets take effect, ascending. */
  readonly changes: readonly number[];
  /** Fall-backs where cron-parser's hour step can loop (see {@link LoopTrap}), ascending. */
  readonly traps: readonly LoopTrap[];
}

/**
 * A fall-back by less than an hour to a time that is not on the hour (Australia/Lord_Howe: 02:00
 * +11:00 → 01:30 +10:30). cron-parser's hour step (`plus 1 hour`, then `startOf('hour')`) from
 * 01:00-01:29 +11:00 lands at 01:30-01:59 +10:30 and rounds back to 01:00 +11:00: it loops there
 * until its loop limit and the iteration ends for good.
 */
export interface LoopTrap {
  /** Start of the local hour the step rounds back to (01:00 +11:00). */
  readonly hourStart: number;
  /** The offset change (02:00 +11:00 = 01:30 +10:30). */
  readonly change: number;
}

export type TimelinePiece = SteadyPiece | TransitionPiece;

interface Transition {
  /** First instant with the new offset. */
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

/**
 * Local hours kept on each side of a change. cron-parser's DST handling works hour by hour (the
 * hour before a gap, the landing hour, the repeated hour), so a window starts and ends on local
 * hour boundaries with clean hours of margin.
 */
const MARGIN_BEFORE_MS = 2 * HOUR_MS;
const MARGIN_AFTER_MS = HOUR_MS;

const timelines = new Map<string, ZoneTimeline>();

/** The shared timeline of a zone (its transition tables are filled lazily, a year at a time). */
export function zoneTimeline(offsets: ZoneOffsets): ZoneTimeline {
  let timeline = timelines.get(offsets.timezone);
  if (timeline === undefined) {
    timeline = new ZoneTimeline(offsets);
    timelines.set(offsets.timezone, timeline);
  }
  return timeline;
}

export class ZoneTimeline {
  private readonly transitionsByYear = new Map<number, Transition[]>();
  private readonly piecesByYear = new Map<number, TimelinePiece[]>();
  private readonly fixed: SteadyPiece | null;
  private lastPiece: TimelinePiece | null = null;

  constructor(private readonly offsets: ZoneOffsets) {
    this.fixed = offsets.fixedOffsetMs === null ? null : { kind: 'steady', start: -Infinity, end: Infinity, offsetMs: offsets.fixedOffsetMs };
  }

  /** The piece containing instant `t`. */
  pieceAt(t: number): TimelinePiece {
    if (this.fixed !== null) return this.fixed;
    const last = this.lastPiece;
    if (last !== null && t >= last.start && t < last.end) return last;
    for (const piece of this.piecesOfYear(new Date(t).getUTCFullYear())) {
      if (t >= piece.start && t < piece.end) {
        this.lastPiece = piece;
        return piece;
      }
    }
    throw new Error(`no timeline piece for ${t} in ${this.offsets.timezone}`);
  }

  /** Pieces covering UTC year `year`; transition pieces may stick out of the year. */
  private piecesOfYear(year: number): TimelinePiece[] {
    let pieces = this.piecesByYear.get(year);
    if (pieces !== undefined) return pieces;
    const yearStart = Date.UTC(year, 0, 1);
    const yearEnd = Date.UTC(year + 1, 0, 1);
    const windows = mergeWindows([year - 1, year, year + 1].flatMap((y) => this.transitionsOfYear(y)).map(transitionWindow)).filter(
      (w) => w.end > yearStart && w.start < yearEnd,
    );
    pieces = [];
    let cursor = yearStart;
    for (const window of windows) {
      if (window.start > cursor) pieces.push(this.steady(cursor, window.start));
      pieces.push(window);
      cursor = Math.max(cursor, window.end);
    }
    if (cursor < yearEnd) pieces.push(this.steady(cursor, yearEnd));
    this.piecesByYear.set(year, pieces);
    return pieces;
  }

  private steady(start: number, end: number): SteadyPiece {
    return { kind: 'steady', start, end, offsetMs: this.offsets.offsetAt(start) };
  }

  /**
   * Offset changes within UTC year `year`, found by sampling once a day and bisecting to the
   * second. Two changes that cancel out within one day would be missed; tzdata has none.
   */
  private transitionsOfYear(year: number): Transition[] {
    let transitions = this.transitionsByYear.get(year);
    if (transitions !== undefined) return transitions;
    transitions = [];
    const end = Date.UTC(year + 1, 0, 1);
    let previous = Date.UTC(year, 0, 1);
    let previousOffset = this.offsets.offsetAt(previous);
    while (previous < end) {
      const sample = Math.min(previous + DAY_MS, end);
      const offset = this.offsets.offsetAt(sample);
      if (offset !== previousOffset) {
        const at = this.firstChange(previous, sample, previousOffset);
        const after = this.offsets.offsetAt(at);
        transitions.push({ at, before: previousOffset, after });
        // Re-scan from the change in case the same day holds another one.
        previous = at;
        previousOffset = after;
        continue;
      }
      previous = sample;
    }
    this.transitionsByYear.set(year, transitions);
    return transitions;
  }

  /** First whole second in (low, high] whose offset differs from `offset` (known to differ at `high`). */
  private firstChange(low: number, high: number, offset: number): number {
    while (high - low > 1000) {
      const middle = low + Math.floor((high - low) / 2000) * 1000;
      if (this.offsets.offsetAt(middle) === offset) low = middle;
      else high = middle;
    }
    return high;
  }
}

/**
 * The window cron-parser handles for one change. Local times are "wall clock as if UTC".
 *
 * When the skipped or repeated local times include a midnight (America/Havana falls back from
 * 01:00 to 00:00, America/Santiago springs from 24:00 to 01:00), where cron-parser lands on that
 * day depends on the time of day it stepped from (luxon resolves the ambiguous midnight with the
 * offset of the previous position): the weekly schedule steps from 00:00 the day before and fires
 * at the first midnight, the daily one steps from 01:00 and fires at the second. A window starting
 * at the previous day's midnight, which every iteration passes through, reproduces both.
 */
function transitionWindow(transition: Transition): TransitionPiece {
  const localBefore = transition.at + transition.before;
  const localAfter = transition.at + transition.after;
  let localStart = Math.floor(localBefore / HOUR_MS) * HOUR_MS - MARGIN_BEFORE_MS;
  let localEnd = Math.ceil(localAfter / HOUR_MS) * HOUR_MS + MARGIN_AFTER_MS;
  const affectedMidnight = Math.ceil(Math.min(localBefore, localAfter) / DAY_MS) * DAY_MS;
  if (affectedMidnight <= Math.max(localBefore, localAfter)) {
    localStart = Math.min(localStart, affectedMidnight - DAY_MS);
    localEnd = Math.max(localEnd, affectedMidnight + MARGIN_AFTER_MS);
  }
  return {
    kind: 'transition',
    start: localStart - transition.before,
    end: localEnd - transition.after,
    minOffsetMs: Math.min(transition.before, transition.after),
    maxOffsetMs: Math.max(transition.before, transition.after),
    changes: [transition.at],
    traps: loopTrap(transition, localAfter),
  };
}

function loopTrap(transition: Transition, localAfter: number): LoopTrap[] {
  const fallBack = transition.before - transition.after;
  if (fallBack <= 0 || fallBack >= HOUR_MS || localAfter % HOUR_MS === 0) return [];
  return [{ hourStart: Math.floor(localAfter / HOUR_MS) * HOUR_MS - transition.before, change: transition.at }];
}

/** Sorts windows and fuses those that touch, so each instant belongs to exactly one piece. */
function mergeWindows(windows: TransitionPiece[]): TransitionPiece[] {
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const merged: TransitionPiece[] = [];
  for (const window of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && window.start <= last.end) {
      merged[merged.length - 1] = {
        kind: 'transition',
        start: last.start,
        end: Math.max(last.end, window.end),
        minOffsetMs: Math.min(last.minOffsetMs, window.minOffsetMs),
        maxOffsetMs: Math.max(last.maxOffsetMs, window.maxOffsetMs),
        changes: [...last.changes, ...window.changes],
        traps: [...last.traps, ...window.traps],
      };
    } else {
      merged.push(window);
    }
  }
  return merged;
}
