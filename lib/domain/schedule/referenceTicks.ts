/**
 * cron-parser's own iterator: the semantics the fast enumerator must reproduce, its fallback
 * around offset changes, and the baseline for tests and benchmarks.
 */
import { CronExpressionParser } from 'cron-parser';
import { validateSpec } from './scheduleSpec';
import type { ScheduleSpec } from './types';
import { instantWindow, wholeLimit } from './instantWindow';

/** cron-parser's text when its search gives up (`LOOPS_LIMIT_EXCEEDED_ERROR_MESSAGE`, not re-exported). */
const LOOP_LIMIT = /loop limit exceeded/;

/** What one cron-parser iteration produced. */
export interface CronParserRun {
  readonly ticks: number[];
  /**
   * True when cron-parser gave up searching (its loop limit) before passing `untilMs`: the
   * expression never fires, or cron-parser is stuck on an offset change (see compileSchedule).
   */
  readonly stuck: boolean;
}

/**
 * Ticks t with afterMs < t <= untilMs, ascending, at most `limit`, straight from cron-parser.
 * `endDate` makes cron-parser stop as soon as its search passes `untilMs` instead of looking
 * for a far-away next tick.
 */
export function runCronParser(
  sixFields: string,
  timezone: string,
  afterMs: number,
  untilMs: number,
  limit: number,
): CronParserRun {
  const ticks: number[] = [];
  if (!(afterMs < untilMs) || !(limit > 0)) return { ticks, stuck: false };
  const iterator = CronExpressionParser.parse(sixFields, { currentDate: afterMs, endDate: untilMs, tz: timezone });
  while (ticks.length < limit) {
    let tick: number;
    try {
      tick = iterator.next().getTime();
    } catch (error) {
      return { ticks, stuck: error instanceof Error && LOOP_LIMIT.test(error.message) };
    }
    if (tick > untilMs) break;
    ticks.push(tick);
  }
  return { ticks, stuck: false };
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
