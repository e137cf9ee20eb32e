import { describe, expect, it } from 'vitest';
import { tickExecutionId } from '../../../lib/domain/ids';
import type { LedgerPage } from '../../../lib/domain/ledger';
import { compileSchedule } from '../../../lib/domain/schedule';
import {
  TIMELINE_CELLS,
  type TimelineBucket,
  type TimelineSources,
  assembleTimeline,
  cellCount,
  cellFoldsOf,
  cellOf,
  cellSpan,
  emptyTimeline,
  mergeCells,
  ticksPerCell,
  timelineLayout,
} from '../../../lib/domain/timeline';
import { undispatchedRange } from '../../../lib/domain/backfill-order';
import { aBackfill } from '../../support/factories';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const hourly = compileSchedule({ cron: '0 * * * *' });
const iso = (ms: number) => new Date(ms).toISOString();

/** Ten hourly ticks, 00:00 … 09:00: one cell each. */
const small = aBackfill({ start: iso(T0), end: iso(T0 + 9 * HOUR), totalTicks: 10, timeline: emptyTimeline(10) });
/** 1,000 hourly ticks: 200 cells of five hours. */
const large = aBackfill({ start: iso(T0), end: iso(T0 + 999 * HOUR), totalTicks: 1000, timeline: emptyTimeline(1000) });

const page = (id: string, ticks: number[], marks: Partial<Pick<LedgerPage, 'ended' | 'failed' | 'held'>> = {}): LedgerPage => ({
  id,
  backfillId: 'bf1',
  ticks,
  sentAt: iso(T0),
  ended: [],
  failed: [],
  ...marks,
});

function sources(backfill: typeof small, extra: Partial<TimelineSources> = {}): TimelineSources {
  const layout = timelineLayout(backfill, hourly);
  return {
    backfill,
    layout,
    cellTicks: ticksPerCell(layout, hourly, backfill.totalTicks + 1),
    countTicks: (from, to) => hourly.countBetween(from, to, backfill.totalTicks + 1),
    pages: [],
    running: new Set(),
    format: iso,
    ...extra,
  };
}

const STATES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'killed', 'skipped', 'ended'] as const;
const inStates = (bucket: TimelineBucket) => STATES.reduce((sum, state) => sum + (bucket[state] ?? 0), 0);
const total = (buckets: TimelineBucket[], state: (typeof STATES)[number] | 'ticks') => buckets.reduce((sum, b) => sum + (b[state] ?? 0), 0);

describe('timeline cells', () => {
  it('are one per tick up to TIMELINE_CELLS ticks, then TIMELINE_CELLS', () => {
    expect(cellCount(1)).toBe(1);
    expect(cellCount(10)).toBe(10);
    expect(cellCount(TIMELINE_CELLS)).toBe(TIMELINE_CELLS);
    expect(cellCount(46_900)).toBe(TIMELINE_CELLS);
    expect(emptyTimeline(46_900)).toHaveLength(TIMELINE_CELLS);
    expect(emptyTimeline(3)).toEqual([
      { ended: 0, failed: 0 },
      { ended: 0, failed: 0 },
      { ended: 0, failed: 0 },
    ]);
  });

  it('of a small window are its ticks, in order', () => {
    const layout = timelineLayout(small, hourly);

    expect(layout.ticks).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i * HOUR));
    expect(cellOf(layout, T0 + 4 * HOUR)).toBe(4);
    expect(cellSpan(layout, 4)).toEqual({ fromMs: T0 + 4 * HOUR, toMs: T0 + 4 * HOUR });
  });

  it('of a large window split it into equal stretches of time that hold every tick once', () => {
    const layout = timelineLayout(large, hourly);
    expect(layout.ticks).toBeUndefined();

    let previousTo = layout.startMs - 1;
    for (let c = 0; c < layout.cells; c++) {
      const span = cellSpan(layout, c);
      expect(span.fromMs).toBe(previousTo + 1);
      previousTo = span.toMs;
    }
    expect(previousTo).toBe(layout.endMs);
    for (const tick of hourly.ticksBetween(layout.startMs, layout.endMs, 2000)) {
      const span = cellSpan(layout, cellOf(layout, tick));
      expect(tick).toBeGreaterThanOrEqual(span.fromMs);
      expect(tick).toBeLessThanOrEqual(span.toMs);
    }
    const ticks = ticksPerCell(layout, hourly, 1001);
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(new Set(ticks)).toEqual(new Set([5]));
  });

  it('fold ended slots into the cells their ticks fall in, failed ones counted apart', () => {
    const layout = timelineLayout(large, hourly);
    const pages = [
      page(
        'a',
        [0, 1, 2, 3, 4, 5, 6].map((i) => T0 + i * HOUR),
        { ended: [0, 1, 2, 3, 4, 5, 6, 6], failed: [1, 6] },
      ),
    ];

    expect(cellFoldsOf(layout, pages)).toEqual([
      { cell: 0, ended: 5, failed: 1 },
      { cell: 1, ended: 2, failed: 1 },
    ]);
  });
});

describe('undispatchedRange (what the timeline shows pending)', () => {
  it('is from the cursor to the window end, and none once the cursor is past it', () => {
    expect(undispatchedRange({ ...small, cursorMs: T0 + 3 * HOUR })).toEqual({ fromMs: T0 + 3 * HOUR, toMs: T0 + 9 * HOUR });
    expect(undispatchedRange({ ...small, cursorMs: T0 + 9 * HOUR + 1 })).toBeUndefined();
  });

  it('newest first, is from the window start to the cursor, and none once the cursor is below it', () => {
    expect(undispatchedRange({ ...small, order: 'NEWEST_FIRST', cursorMs: T0 + 6 * HOUR })).toEqual({ fromMs: T0, toMs: T0 + 6 * HOUR });
    expect(undispatchedRange({ ...small, order: 'NEWEST_FIRST', cursorMs: T0 - 1 })).toBeUndefined();
  });
});

describe('assembleTimeline', () => {
  it("of a small window gives each tick's state and execution", () => {
    // Ticks 0-2 folded (1 failed); 3 skipped; 4-7 on an open page: 4 succeeded, 5 failed, 6 running, 7 queued; 8-9 pending.
    const timeline = emptyTimeline(10);
    timeline[0] = { ended: 1, failed: 0 };
    timeline[1] = { ended: 1, failed: 1 };
    timeline[2] = { ended: 1, failed: 0 };
    const backfill = { ...small, cursorMs: T0 + 7 * HOUR + 1, timeline };
    const open = page(
      'p',
      [4, 5, 6, 7].map((i) => T0 + i * HOUR),
      { ended: [0, 1], failed: [1] },
    );
    const running = new Set([tickExecutionId('bf1', T0 + 6 * HOUR)]);

    const cells = assembleTimeline(sources(backfill, { pages: [open], running }));

    const stateOf = (b: TimelineBucket) => STATES.find((s) => (b[s] ?? 0) > 0);
    expect(cells.map(stateOf)).toEqual(['succeeded', 'failed', 'succeeded', 'skipped', 'succeeded', 'failed', 'running', 'queued', 'pending', 'pending']);
    expect(cells.every((c) => c.ticks === 1 && inStates(c) === 1 && c.ended === undefined)).toBe(true);
    expect(cells[6]).toMatchObject({ from: iso(T0 + 6 * HOUR), to: iso(T0 + 6 * HOUR) });
    const ids = cells.map((c) => c.executionId);
    expect(ids.slice(0, 3)).toEqual([0, 1, 2].map((i) => tickExecutionId('bf1', T0 + i * HOUR)));
    expect(ids[3]).toBeUndefined(); // skipped: no execution of this backfill
    expect(ids.slice(4, 8)).toEqual([4, 5, 6, 7].map((i) => tickExecutionId('bf1', T0 + i * HOUR)));
    expect(ids.slice(8)).toEqual([undefined, undefined]);
  });

  it('of a large window counts every tick once: folded per cell, open slots, skipped, pending from the cursor mid-cell', () => {
    // Ticks 0-11 dispatched: 0-4 folded into cell 0 (two failed), 5 skipped, 6-11 open (two ended); the cursor at tick 12.
    const timeline = emptyTimeline(1000);
    timeline[0] = { ended: 5, failed: 2 };
    const backfill = { ...large, cursorMs: T0 + 12 * HOUR, timeline };
    const open = page(
      'p',
      [6, 7, 8, 9, 10, 11].map((i) => T0 + i * HOUR),
      { ended: [0, 5] },
    );

    const cells = assembleTimeline(sources(backfill, { pages: [open] }));

    expect(cells).toHaveLength(200);
    expect(cells.every((c) => c.ticks === 5 && inStates(c) === 5 && c.executionId === undefined)).toBe(true);
    expect(cells[0]).toMatchObject({ succeeded: 3, failed: 2, pending: 0 });
    expect(cells[1]).toMatchObject({ skipped: 1, succeeded: 1, queued: 3 });
    expect(cells[2]).toMatchObject({ succeeded: 1, queued: 1, pending: 3 });
    expect(total(cells, 'pending')).toBe(1000 - 12);
    expect(total(cells, 'ticks')).toBe(1000);
  });

  it('of a backfill without per-cell counts shows its folded ticks as ended, not split', () => {
    const { timeline: _none, ...legacy } = { ...large, cursorMs: T0 + 12 * HOUR, ended: 5, failed: 2 };
    const open = page(
      'p',
      [6, 7, 8, 9, 10, 11].map((i) => T0 + i * HOUR),
      { ended: [0] },
    );

    const cells = assembleTimeline(sources(legacy as typeof large, { pages: [open] }));

    expect(cells[0]).toMatchObject({ ended: 5, succeeded: 0, failed: 0, skipped: 0 });
    expect(cells[1]).toMatchObject({ ended: 1, succeeded: 1, queued: 3 });
    expect(cells.every((c) => inStates(c) === c.ticks)).toBe(true);
  });

  it('counts held slots as queued (they run once the backfill does)', () => {
    const backfill = { ...small, cursorMs: T0 + 2 * HOUR };
    const cells = assembleTimeline(sources(backfill, { pages: [page('p', [T0, T0 + HOUR], { held: [1] })] }));

    expect(cells.slice(0, 2).map((c) => c.queued)).toEqual([1, 1]);
  });
});

describe('mergeCells', () => {
  const cells = assembleTimeline(sources({ ...large, cursorMs: T0 + 12 * HOUR }));

  it('sums contiguous cells into at most the buckets asked for, keeping the span', () => {
    const merged = mergeCells(cells, 30);

    expect(merged).toHaveLength(30);
    expect(merged[0]?.from).toBe(cells[0]?.from);
    expect(merged.at(-1)?.to).toBe(cells.at(-1)?.to);
    expect(total(merged, 'ticks')).toBe(1000);
    expect(total(merged, 'pending')).toBe(total(cells, 'pending'));
    expect(merged.every((b) => inStates(b) === b.ticks)).toBe(true);
  });

  it('keeps every cell when asked for as many or more, and an execution only for a bucket of one tick', () => {
    const one = assembleTimeline(sources({ ...small, cursorMs: T0 + 10 * HOUR, timeline: emptyTimeline(10).map(() => ({ ended: 1, failed: 0 })) }));

    expect(mergeCells(one, 200)).toEqual(one);
    expect(mergeCells(one, 10).every((b) => b.executionId)).toBe(true);
    expect(mergeCells(one, 5).every((b) => b.ticks === 2 && b.executionId === undefined)).toBe(true);
  });
});
