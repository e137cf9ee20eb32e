/**
 * The running backfill's timeline strip, in words and colours: what each cell says on hover and how
 * it is painted. No Preact here, so it is unit-tested (test/unit/ui/timeline-cells.test.ts).
 */
import type { TimelineBucket } from '../../api/responses';

/** The states a cell counts, in the order the strip stacks them (bottom first) and the legend lists them. */
export const TIMELINE_STATES = ['succeeded', 'failed', 'killed', 'skipped', 'ended', 'running', 'queued', 'pending'] as const;
export type TimelineState = (typeof TIMELINE_STATES)[number];

/** What each state means, for the legend. */
export const STATE_HINTS: Record<TimelineState, string> = {
  succeeded: 'ran and succeeded',
  failed: 'ran and failed',
  killed: 'killed',
  skipped: 'an earlier execution covers it',
  ended: 'ended before this backfill kept counts per cell: succeeded, failed or skipped',
  running: 'running now',
  queued: 'sent, waiting for a worker (or held by a pause)',
  pending: 'not dispatched yet',
};

/** The state most of a cell's ticks are in (the first in TIMELINE_STATES on a tie); `empty` for a cell without ticks. */
export function mainState(bucket: TimelineBucket): TimelineState | 'empty' {
  let best: TimelineState | 'empty' = 'empty';
  let most = 0;
  for (const state of TIMELINE_STATES) {
    const count = bucket[state] ?? 0;
    if (count > most) {
      best = state;
      most = count;
    }
  }
  return best;
}

/** A cell's share of each state, bottom up, as CSS `linear-gradient` stops over the states' colour variables. */
export function cellBackground(bucket: TimelineBucket): string | undefined {
  if (bucket.ticks <= 0) return undefined;
  const stops: string[] = [];
  let at = 0;
  for (const state of TIMELINE_STATES) {
    const count = bucket[state] ?? 0;
    if (count <= 0) continue;
    const to = at + (count / bucket.ticks) * 100;
    stops.push(`var(--tl-${state}) ${round(at)}% ${round(to)}%`);
    at = to;
  }
  return `linear-gradient(to top, ${stops.join(', ')})`;
}

const round = (percent: number) => Math.round(percent * 100) / 100;

/** `2026-02-01 03:00:00 UTC`: an instant of the API as the strip's tooltip shows it. */
function instant(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : `${d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, '')} UTC`;
}

/**
 * What hovering a cell says: its tick and state ("Tick 2026-02-01 03:00:00 UTC: succeeded"), or its
 * range, ticks and the count in each state ("2026-02-01 … → 2026-02-03 …: 48 ticks: 40 succeeded, 8 pending").
 */
export function describeCell(bucket: TimelineBucket): string {
  const states = TIMELINE_STATES.filter((state) => (bucket[state] ?? 0) > 0);
  if (bucket.ticks === 1) return `Tick ${instant(bucket.from)}: ${states.join(', ')}`;
  const counts = states.map((state) => `${bucket[state]} ${state}`).join(', ');
  const range = bucket.from === bucket.to ? instant(bucket.from) : `${instant(bucket.from)} → ${instant(bucket.to)}`;
  return `${range}: ${bucket.ticks === 0 ? 'no tick' : `${bucket.ticks} ticks: ${counts}`}`;
}
