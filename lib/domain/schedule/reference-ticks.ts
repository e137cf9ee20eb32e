/**
 * cron-parser's own iterator: the semantics the fast enumerator must reproduce, its fallback
 * around offset changes, and the baseline for tests and benchmarks.
 */
import { CronExpressionParser } from 'cron-parser';
import { validateSpec } from './schedule-spec';
import type { ScheduleSpec } from './types';
import { instantWindow, wholeLimit } from './instant-window';

/** cron-parser's texts (`LOOPS_LIMIT_EXCEEDED_ERROR_MESSAGE`, `TIME_SPAN_OUT_OF_BOUNDS_ERROR_MESSAGE`; not re-exported). */
const LOOP_LIMIT = /loop limit exceeded/;
const OUT_OF_SPAN = /Out of the time span range/;

/** What one cron-parser iteration produced and why it stopped. */
export interface CronParserRun {
  readonly ticks: number[];
  /**
   * `done`: reached `untilMs` or the limit. `gaveUp`: cron-parser hit its loop limit (the
   * expression never fires, or cron-parser loops on an offset change). `wentBack`: a guarded
   * run's search moved before its start, the first step of such a loop.
   */
  readonly outcome: 'done' | 'gaveUp' | 'wentBack';
}

/**
 * Ticks t with afterMs < t <= untilMs, ascending, at most `limit`, straight from cron-parser.
 *
 * Unguarded, `endDate` makes cron-parser stop as soon as its search passes `untilMs` instead of
 * looking for a far-away next tick. Guarded, `startDate = afterMs` instead makes cron-parser
 * throw at once if its search ever moves back before `afterMs`, which it otherwise only notices
 * after 10,000 loops (about a second).
 */
export function runCronParser(sixFields: string, timezone: string, afterMs: number, untilMs: number, limit: number, guarded = false): CronParserRun {
  const ticks: number[] = [];
  if (!(afterMs < untilMs) || !(limit > 0)) return { ticks, outcome: 'done' };
  const iterator = CronExpressionParser.parse(
    sixFields,
    guarded ? { currentDate: afterMs, startDate: afterMs, tz: timezone } : { currentDate: afterMs, endDate: untilMs, tz: timezone },
  );
  while (ticks.length < limit) {
    let tick: number;
    try {
      tick = iterator.next().getTime();
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (LOOP_LIMIT.test(message)) return { ticks, outcome: 'gaveUp' };
      if (guarded && OUT_OF_SPAN.test(message)) return { ticks, outcome: 'wentBack' };
      return { ticks, outcome: 'done' };
    }
    if (tick > untilMs) break;
    ticks.push(tick);
  }
  return { ticks, outcome: 'done' };
}

/** Whether `ms` itself is a tick by the expression's fields (no DST reasoning involved). */
export function cronParserIncludes(sixFields: string, timezone: string, ms: number): boolean {
  return CronExpressionParser.parse(sixFields, { tz: timezone }).includesDate(new Date(ms));
}

/**
 * The baseline: cron-parser's own iterator over [fromMs, toMs] (both inclusive), at most `limit`
 * ticks. Used as the test oracle and benchmark baseline; 17-50 µs a tick.
 * @throws InvalidScheduleError for an invalid spec, as `compileSchedule` does.
 */
export function referenceTicksBetween(spec: ScheduleSpec, fromMs: number, toMs: number, limit: number): number[] {
  const { spec: normalized, cron } = validateSpec(spec);
  const { from, to } = instantWindow(fromMs, toMs);
  if (from > to) return [];
  return runCronParser(cron.sixFields, normalized.timezone, from - 1, to, wholeLimit(limit)).ticks;
}
