import type { BackfillState, LastBackfill, TriggerRef } from './trigger-state';

/**
 * Several backfills may run on one trigger at once, as long as their windows are disjoint: two
 * backfills covering the same tick would each create an execution for it. A window is the
 * backfill's `start`…`end`, both inclusive, as epoch milliseconds.
 */
export interface BackfillWindow {
  id: string;
  startMs: number;
  endMs: number;
}

/**
 * A window claimed on the trigger's row by a creation that has not written its backfill yet (see
 * `TriggerStore.startBackfill`): other creations check against it as against an active backfill
 * until `untilMs`, after which a creation that never wrote its backfill (it crashed) no longer counts.
 */
export interface WindowReservation extends BackfillWindow {
  untilMs: number;
}

/**
 * How long a reservation holds. Longer than any request that writes one can last (API Gateway
 * ends a request after 30 s; the local server's requests are bounded the same way), so a live
 * creation's reservation never lapses before its backfill is written.
 */
export const RESERVATION_MS = 60_000;

/** Active backfills of one trigger, at most (`BACKFILL_MAX_PER_TRIGGER`'s default). */
export const DEFAULT_MAX_BACKFILLS_PER_TRIGGER = 10;

export function windowOf(backfill: Pick<BackfillState, 'id' | 'start' | 'end'>): BackfillWindow {
  return { id: backfill.id, startMs: Date.parse(backfill.start), endMs: Date.parse(backfill.end) };
}

/** Whether two inclusive windows share at least one instant. */
export function overlaps(a: Pick<BackfillWindow, 'startMs' | 'endMs'>, b: Pick<BackfillWindow, 'startMs' | 'endMs'>): boolean {
  return a.startMs <= b.endMs && b.startMs <= a.endMs;
}

/** The first of `taken` (active backfills and live reservations) that `wanted` overlaps, if any. */
export function overlapping(taken: BackfillWindow[], wanted: BackfillWindow): BackfillWindow | undefined {
  return taken.find((window) => window.id !== wanted.id && overlaps(window, wanted));
}

/**
 * The reservations that still count: not lapsed at `nowMs`, and whose backfill is not written yet
 * (once it is, the backfill itself counts; once it ended, nothing does).
 */
export function liveReservations(reservations: WindowReservation[], writtenIds: Set<string>, nowMs: number): WindowReservation[] {
  return reservations.filter((r) => r.untilMs > nowMs && !writtenIds.has(r.id));
}

/** Earliest window first (then the earlier created): `backfills[0]` is the one Kestra's `backfill` shows. */
export function byWindow(a: BackfillState, b: BackfillState): number {
  return Date.parse(a.start) - Date.parse(b.start) || a.createdDate.localeCompare(b.createdDate) || a.id.localeCompare(b.id);
}

/** The 409's message for a window that overlaps another backfill's: names it, its window, and what to do. */
export function overlapMessage(ref: TriggerRef, other: BackfillWindow): string {
  return (
    `Backfill ${other.id} is already active on trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} ` +
    `over ${new Date(other.startMs).toISOString()} to ${new Date(other.endMs).toISOString()}, which overlaps this window; ` +
    'choose a window that does not overlap it, or pause, wait for, or delete it first'
  );
}

/** The 409's message when the trigger runs as many backfills as it may. */
export function tooManyMessage(ref: TriggerRef, max: number): string {
  return (
    `Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} already has ${max} active backfills, the most it may run at once ` +
    '(BACKFILL_MAX_PER_TRIGGER); wait for one to end, or delete one'
  );
}

/**
 * How many times a creation reads the trigger's windows and tries to reserve its own before giving
 * up. Each failed try means another creation reserved a window in between (or a reset ran, or this
 * creation's own write landed with its answer lost): as many tries as backfills a trigger may run by
 * default, and two more, so that creations racing on one trigger all get through (the fault suite
 * creates four at once under lost answers) and only a trigger being reset over and over gives up.
 */
export const RESERVATION_ATTEMPTS = DEFAULT_MAX_BACKFILLS_PER_TRIGGER + 2;

/** The 409's message when the trigger's windows kept changing under a creation (see `RESERVATION_ATTEMPTS`). */
export function contendedMessage(ref: TriggerRef): string {
  return (
    `Backfills of trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} kept being created or removed ` +
    'while this one was checked against them; try again'
  );
}

/** Most recently ended first (then the greater id, so that the order is total): the first is the trigger's `lastBackfill`. */
export function byEnding(a: Pick<LastBackfill, 'id' | 'endedDate'>, b: Pick<LastBackfill, 'id' | 'endedDate'>): number {
  return b.endedDate.localeCompare(a.endedDate) || b.id.localeCompare(a.id);
}
