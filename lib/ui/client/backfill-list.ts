/**
 * A trigger's active backfills, as its row lists them: several may run on one trigger, on disjoint
 * windows. Pure, so unit-tested: which backfills a row shows, and the one badge that sums them up.
 */
import type { Backfill, Trigger } from './api';
import { backfillStatus } from './backfill-status';
import { pausedNote } from './paused-note';

/**
 * Every active backfill of the trigger, earliest window first: the server's `backfills`, or, from
 * a server that runs one backfill per trigger (no `backfills`), its `backfill` alone.
 */
export function activeBackfills(t: Pick<Trigger, 'backfill' | 'backfills'>): Backfill[] {
  if (t.backfills?.length) return t.backfills;
  return t.backfill ? [t.backfill] : [];
}

/** The active backfill `id` of the trigger; `undefined` once it has ended. */
export function findBackfill(t: Pick<Trigger, 'backfill' | 'backfills'>, id: string): Backfill | undefined {
  return activeBackfills(t).find((b) => b.id === id);
}

/** Ticks finished (succeeded, failed, killed or skipped) out of the total, and the whole percentage. */
export function progressOf(b: Pick<Backfill, 'progress'>): { done: number; total: number; percent: number } {
  const p = b.progress;
  const done = (p?.succeeded ?? 0) + (p?.failed ?? 0) + (p?.killed ?? 0) + (p?.skipped ?? 0);
  const total = p?.total ?? 0;
  return { done, total, percent: percentOf(done, total) };
}

const percentOf = (done: number, total: number) => (total > 0 ? Math.floor((done / total) * 100) : 0);

/**
 * The next tick the backfill dispatches (its cursor), or `undefined` once every tick has been
 * dispatched (the cursor then rests on the window's end and means nothing).
 */
export function cursorOf(b: Pick<Backfill, 'currentDate' | 'progress'>): string | undefined {
  return b.progress.dispatched >= b.progress.total ? undefined : b.currentDate;
}

type State = 'running' | 'paused' | 'cancelling';

/** The Triggers page's badge for a trigger's active backfills, and how far they got together. */
export interface BackfillsSummary {
  /** "Running", or with several "2 backfills running", "3 backfills: 2 running, 1 paused". */
  label: string;
  /** The badge's state class: running while any runs, else paused while any is paused, else killed. */
  badge: string;
  state: State;
  count: number;
  done: number;
  total: number;
  percent: number;
  /** What a paused backfill still does (one backfill only). */
  title?: string;
}

const STATES: State[] = ['running', 'paused', 'cancelling'];
const BADGES: Record<State, string> = { running: 'state-running', paused: 'state-paused', cancelling: 'state-killed' };

export function backfillsSummary(backfills: Backfill[]): BackfillsSummary | undefined {
  const [only] = backfills;
  if (!only) return undefined;
  const done = backfills.reduce((sum, b) => sum + progressOf(b).done, 0);
  const total = backfills.reduce((sum, b) => sum + progressOf(b).total, 0);
  const counts = new Map<State, number>();
  for (const b of backfills) {
    const state = backfillStatus(b).label.toLowerCase() as State;
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  const present = STATES.filter((s) => counts.has(s));
  const state = present[0] as State; // at least one backfill, so one state
  const common = { badge: BADGES[state], state, count: backfills.length, done, total, percent: percentOf(done, total) };
  if (backfills.length === 1) {
    const status = backfillStatus(only);
    return { ...common, label: status.label, ...(only.paused && !only.cancelling && only.progress ? { title: pausedNote(only.progress) } : {}) };
  }
  const label =
    present.length === 1
      ? `${backfills.length} backfills ${state}`
      : `${backfills.length} backfills: ${present.map((s) => `${counts.get(s)} ${s}`).join(', ')}`;
  return { ...common, label };
}
