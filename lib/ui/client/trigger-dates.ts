/**
 * The two dates a trigger's row shows, kept apart: when the trigger's own schedule fires next, and
 * where its backfill has got to. The API's `nextEvaluationDate` is the backfill's cursor while one
 * runs (Kestra's convention); ours also answers the live schedule's next tick then
 * (`liveNextEvaluationDate`), since our live schedule runs beside a backfill. Pure, so unit-tested.
 */
import type { Trigger } from './api';

type Dates = Pick<Trigger, 'nextEvaluationDate' | 'liveNextEvaluationDate' | 'backfill'>;

/** The trigger's next scheduled execution (its live schedule), never a backfill's cursor; none while disabled. */
export function nextScheduledDate(t: Dates): string | undefined {
  return t.backfill ? t.liveNextEvaluationDate : t.nextEvaluationDate;
}

/**
 * The next tick the backfill dispatches (its cursor), or `undefined` once every tick has been
 * dispatched (the cursor then rests on the window's end and means nothing) or with no backfill.
 */
export function backfillCursor(t: Pick<Trigger, 'backfill'>): string | undefined {
  const b = t.backfill;
  if (!b || b.progress.dispatched >= b.progress.total) return undefined;
  return b.currentDate;
}
