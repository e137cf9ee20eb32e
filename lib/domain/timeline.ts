import { undispatchedRange } from './backfill-order';
import { tickExecutionId } from './ids';
import type { LedgerPage } from './ledger';
import type { CompiledSchedule } from './schedule';
import type { BackfillState } from './trigger-state';

/**
 * A backfill's timeline: its window cut into at most `TIMELINE_CELLS` cells, each counting its ticks
 * by state (pending, queued, running, succeeded, failed, killed, skipped), as the UI draws it.
 *
 * Folded ledger pages are gone (their counts live only in the row's totals), so the row keeps, per
 * cell, how many executions of folded pages ended and how many of them failed (`FoldedCell`). The
 * cells are fixed when the backfill is created and moved only by the fold dispatch writes anyway:
 * no write per tick, and a row that grows by a few hundred bytes whatever the window. Everything
 * else is derived when the timeline is read: open pages' slots (queued, running, ended not folded
 * yet), the cursor (pending), and skipped ticks (dispatched, neither folded nor on an open page).
 *
 * Cells are one tick each for a window of at most `TIMELINE_CELLS` ticks; otherwise equal spans of
 * time, so the strip is a true time axis (a cron that fires unevenly leaves some cells with fewer
 * ticks, or none).
 */
export const TIMELINE_CELLS = 200;

/** What the row keeps per cell: executions of folded pages that ended, and of those the ones that did not succeed. */
export interface FoldedCell {
  ended: number;
  failed: number;
}

/** What a fold adds to one cell. */
export interface CellFold extends FoldedCell {
  cell: number;
}

/**
 * At most this many cells per fold write: each is a clause of the row's update, and DynamoDB bounds
 * an expression to 4 KB and 300 operators (a clause is about 24 bytes and two operators).
 */
export const MAX_CELLS_PER_FOLD = 100;

/** How many cells a window of `totalTicks` ticks gets. */
export function cellCount(totalTicks: number): number {
  return Math.max(1, Math.min(TIMELINE_CELLS, totalTicks));
}

/** The counts a new backfill's row starts with: every cell empty. */
export function emptyTimeline(totalTicks: number): FoldedCell[] {
  return Array.from({ length: cellCount(totalTicks) }, () => ({ ended: 0, failed: 0 }));
}

/**
 * Where each tick of a backfill's window falls. One tick per cell (`ticks` lists them) when the
 * window has no more ticks than cells; otherwise cell `c` spans the window's `c`-th of `cells` equal
 * parts of time.
 */
export interface TimelineLayout {
  startMs: number;
  endMs: number;
  cells: number;
  /** The window's ticks, when each cell is one of them. */
  ticks?: number[];
}

/**
 * The layout of `backfill`'s cells. `cells` is the number its row keeps (or would keep, for a row
 * written before timelines existed). Costs at most `TIMELINE_CELLS` ticks enumerated.
 */
export function timelineLayout(backfill: Pick<BackfillState, 'start' | 'end' | 'totalTicks' | 'timeline'>, schedule: CompiledSchedule): TimelineLayout {
  const startMs = Date.parse(backfill.start);
  const endMs = Date.parse(backfill.end);
  const cells = backfill.timeline?.length ?? cellCount(backfill.totalTicks);
  if (backfill.totalTicks > cells) return { startMs, endMs, cells };
  // At most `cells` ticks: one per cell. A latestRevision backfill whose cron changed since may
  // enumerate fewer or other ticks; `cellOf` then puts a tick in the cell of the latest one before it.
  return { startMs, endMs, cells, ticks: schedule.ticksBetween(startMs, endMs, cells) };
}

/** The cell a tick of the window falls in. */
export function cellOf(layout: TimelineLayout, tickMs: number): number {
  if (layout.ticks) {
    let low = 0;
    let high = layout.ticks.length - 1;
    // The last listed tick at or before `tickMs` (binary search; the first cell for one before them all).
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((layout.ticks[mid] ?? Number.POSITIVE_INFINITY) <= tickMs) low = mid;
      else high = mid - 1;
    }
    return Math.max(0, Math.min(layout.cells - 1, low));
  }
  const width = layout.endMs - layout.startMs + 1;
  const cell = Math.floor(((tickMs - layout.startMs) * layout.cells) / width);
  return Math.max(0, Math.min(layout.cells - 1, cell));
}

/** The instants (inclusive) cell `cell` covers: its tick, or its share of the window. */
export function cellSpan(layout: TimelineLayout, cell: number): { fromMs: number; toMs: number } {
  const tick = layout.ticks?.[cell];
  if (tick !== undefined) return { fromMs: tick, toMs: tick };
  const width = layout.endMs - layout.startMs + 1;
  const from = (c: number) => layout.startMs + Math.ceil((c * width) / layout.cells);
  return { fromMs: from(cell), toMs: from(cell + 1) - 1 };
}

/** What folding `pages` adds to each cell they touch, by cell. */
export function cellFoldsOf(layout: TimelineLayout, pages: readonly LedgerPage[]): CellFold[] {
  const byCell = new Map<number, CellFold>();
  for (const page of pages) {
    const failed = new Set(page.failed);
    for (const slot of new Set(page.ended)) {
      const tick = page.ticks[slot];
      if (tick === undefined) continue;
      const cell = cellOf(layout, tick);
      const fold = byCell.get(cell) ?? { cell, ended: 0, failed: 0 };
      fold.ended++;
      if (failed.has(slot)) fold.failed++;
      byCell.set(cell, fold);
    }
  }
  return [...byCell.values()].sort((a, b) => a.cell - b.cell);
}

/** One cell of the timeline as the API answers it (several stored cells merged, if asked for fewer). */
export interface TimelineBucket {
  /** The instants it covers (ISO, inclusive): its tick, for a cell of one tick. */
  from: string;
  to: string;
  /** Ticks of the window in it, and how many are in each state (they add up to `ticks`). */
  ticks: number;
  /** Not dispatched yet. */
  pending: number;
  /** Dispatched, not running yet (waiting in the queue, or held by a pause). */
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  killed: number;
  /** Covered by an earlier execution (see `reprocess`): no execution made. */
  skipped: number;
  /**
   * Ended, succeeded or failed or skipped, not told apart: ticks folded into a backfill's totals
   * before it kept counts per cell (created by an earlier version). Absent otherwise.
   */
  ended?: number;
  /** The execution of its one tick, for a cell of one tick that has one (dispatched, not skipped). */
  executionId?: string;
}

/** What the timeline is assembled from: the row as read, its open pages, and what else was read beside it. */
export interface TimelineSources {
  backfill: Pick<BackfillState, 'id' | 'start' | 'end' | 'cursorMs' | 'order' | 'totalTicks' | 'timeline'>;
  layout: TimelineLayout;
  /** Ticks per cell (see `ticksPerCell`). */
  cellTicks: readonly number[];
  /** Ticks of the window in [fromMs, toMs]: for the cell the cursor is in. */
  countTicks: (fromMs: number, toMs: number) => number;
  /** The backfill's open ledger pages, each of them (as the row lists them). */
  pages: readonly LedgerPage[];
  /** Ids of the backfill's executions RUNNING now. */
  running: ReadonlySet<string>;
  /** Formats an instant as the backfill's dates are (its trigger's zone). */
  format: (ms: number) => string;
}

/** Ticks of the window in each cell: one each for cells of a tick, else counted (up to the window's ticks). */
export function ticksPerCell(layout: TimelineLayout, schedule: CompiledSchedule, cap: number): number[] {
  if (layout.ticks) return Array.from({ length: layout.cells }, (_, c) => (c < (layout.ticks?.length ?? 0) ? 1 : 0));
  return Array.from({ length: layout.cells }, (_, c) => {
    const span = cellSpan(layout, c);
    return schedule.countBetween(span.fromMs, span.toMs, cap);
  });
}

type Counts = Omit<TimelineBucket, 'from' | 'to' | 'executionId'>;

/**
 * The timeline's cells, one per stored cell: folded counts from the row, open pages' slots by
 * state, pending ticks from the cursor, and skipped ticks as what remains of the dispatched ones.
 */
export function assembleTimeline(sources: TimelineSources): TimelineBucket[] {
  const { backfill, layout } = sources;
  const split = backfill.timeline !== undefined;
  const counts: Counts[] = Array.from({ length: layout.cells }, (_, c) => ({
    ticks: sources.cellTicks[c] ?? 0,
    pending: 0,
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    killed: 0,
    skipped: 0,
    ...(split ? {} : { ended: 0 }),
  }));
  const idOf = new Map<number, string>();
  const onPages = new Array<number>(layout.cells).fill(0);
  for (const page of sources.pages) {
    const ended = new Set(page.ended);
    const failed = new Set(page.failed);
    const killed = new Set(page.killed ?? []);
    page.ticks.forEach((tick, slot) => {
      const cell = cellOf(layout, tick);
      const count = counts[cell];
      if (!count) return;
      onPages[cell] = (onPages[cell] ?? 0) + 1;
      const id = tickExecutionId(backfill.id, tick);
      idOf.set(cell, id);
      // A page marks its KILLED executions failed too, and killed: told apart while it is open. Once
      // folded, a cell keeps ended and failed only, so its killed ones count as failed.
      if (killed.has(slot)) count.killed++;
      else if (failed.has(slot)) count.failed++;
      else if (ended.has(slot)) count.succeeded++;
      else if (sources.running.has(id)) count.running++;
      else count.queued++;
    });
  }
  const undispatched = undispatchedRange(backfill);
  counts.forEach((count, c) => {
    const span = cellSpan(layout, c);
    count.pending = pendingIn(span, undispatched, count.ticks, sources.countTicks);
    const folded = backfill.timeline?.[c];
    if (folded) {
      count.succeeded += folded.ended - folded.failed;
      count.failed += folded.failed;
    }
    const dispatched = count.ticks - count.pending;
    // The dispatched ticks neither on an open page nor folded: skipped ones (and, on a row without
    // per-cell counts, every folded one as well: `ended`).
    const rest = Math.max(0, dispatched - (onPages[c] ?? 0) - (folded?.ended ?? 0));
    if (split) count.skipped = rest;
    else count.ended = rest;
  });
  return counts.map((count, c) => {
    const span = cellSpan(layout, c);
    const id = layout.ticks && count.ticks === 1 && (idOf.get(c) ?? singleFoldedTick(layout, count, c, backfill.id));
    return { from: sources.format(span.fromMs), to: sources.format(span.toMs), ...count, ...(id ? { executionId: id } : {}) };
  });
}

/** The execution of a one-tick cell whose tick ran and was folded (neither pending, skipped nor unknown). */
function singleFoldedTick(layout: TimelineLayout, count: Counts, cell: number, backfillId: string): string | undefined {
  const tick = layout.ticks?.[cell];
  const ran = count.succeeded + count.failed + count.killed > 0;
  return tick !== undefined && ran ? tickExecutionId(backfillId, tick) : undefined;
}

/** Ticks of a cell not dispatched yet: all, none, or those of the cursor's cell past it. */
function pendingIn(
  span: { fromMs: number; toMs: number },
  undispatched: { fromMs: number; toMs: number } | undefined,
  cellTicks: number,
  countTicks: (fromMs: number, toMs: number) => number,
): number {
  if (!undispatched || span.toMs < undispatched.fromMs || span.fromMs > undispatched.toMs) return 0;
  if (span.fromMs >= undispatched.fromMs && span.toMs <= undispatched.toMs) return cellTicks;
  return Math.min(cellTicks, countTicks(Math.max(span.fromMs, undispatched.fromMs), Math.min(span.toMs, undispatched.toMs)));
}

/** `cells` merged into at most `buckets` contiguous groups of about equal size (counts summed). */
export function mergeCells(cells: readonly TimelineBucket[], buckets: number): TimelineBucket[] {
  if (buckets >= cells.length) return [...cells];
  return Array.from({ length: buckets }, (_, g) => {
    const group = cells.slice(Math.floor((g * cells.length) / buckets), Math.floor(((g + 1) * cells.length) / buckets));
    const first = group[0] as TimelineBucket;
    const last = group.at(-1) as TimelineBucket;
    const sum = (key: keyof Counts) => group.reduce((total, cell) => total + (cell[key] ?? 0), 0);
    const one = group.filter((cell) => cell.ticks > 0);
    const executionId = one.length === 1 && one[0]?.ticks === 1 ? one[0].executionId : undefined;
    return {
      from: first.from,
      to: last.to,
      ticks: sum('ticks'),
      pending: sum('pending'),
      queued: sum('queued'),
      running: sum('running'),
      succeeded: sum('succeeded'),
      failed: sum('failed'),
      killed: sum('killed'),
      skipped: sum('skipped'),
      ...(first.ended === undefined ? {} : { ended: sum('ended') }),
      ...(executionId ? { executionId } : {}),
    };
  });
}
