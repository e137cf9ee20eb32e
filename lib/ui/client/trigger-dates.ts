/**
 * The trigger's next scheduled execution, kept apart from where its backfills have got to (their
 * cursors: `cursorOf` in backfill-list). The API's `nextEvaluationDate` is the backfill's cursor while one
 * runs (Kestra's convention); ours also answers the live schedule's next tick then
 * (`liveNextEvaluationDate`), since our live schedule runs beside a backfill. Pure, so unit-tested.
 */
import type { Trigger } from './api';

type Dates = Pick<Trigger, 'nextEvaluationDate' | 'liveNextEvaluationDate' | 'backfill'>;

/** The trigger's next scheduled execution (its live schedule), never a backfill's cursor; none while disabled. */
export function nextScheduledDate(t: Dates): string | undefined {
  return t.backfill ? t.liveNextEvaluationDate : t.nextEvaluationDate;
}
