/**
 * Ticks inside a transition piece, from cron-parser, without its endless loops.
 *
 * cron-parser reproduces java.time's handling of gaps and overlaps, so the fast schedule hands
 * it every window around an offset change. Two of its failure modes are worked around here so
 * that a schedule keeps firing after them (a plain cron-parser iteration stops for good):
 * - at a {@link LoopTrap} the run is split so the looping step is detected at once (a guarded
 *   run) instead of after 10,000 loops (about a second), and the search resumes after the change;
 * - any other loop-limit failure resumes after the next offset change, at that second's cost.
 * Resuming after the change loses no tick: the looping step is only taken when the rest of that
 * hour has no tick, and cron-parser steps normally from the change on.
 */
import { cronParserIncludes, runCronParser } from './reference-ticks';
import type { CronParserRun } from './reference-ticks';
import type { TransitionPiece } from './zone-timeline';

/** Ticks t with afterMs < t <= untilMs in `piece`, ascending, at most `limit`. */
export function transitionTicks(sixFields: string, timezone: string, piece: TransitionPiece, afterMs: number, untilMs: number, limit: number): number[] {
  const ticks: number[] = [];
  const take = (run: CronParserRun) => {
    for (const tick of run.ticks) ticks.push(tick);
    return run.outcome;
  };
  const full = () => ticks.length >= limit;
  let after = afterMs;

  for (const trap of piece.traps) {
    if (after >= trap.change - 1) continue;
    if (after < trap.hourStart) {
      // Up to the trap's hour only: its looping positions are past this run's endDate.
      take(runCronParser(sixFields, timezone, after, Math.min(untilMs, trap.hourStart - 1), limit - ticks.length));
      if (full() || untilMs < trap.hourStart) return ticks;
      // Every iteration passes the hour's first instant, so it is a tick exactly when it matches.
      if (cronParserIncludes(sixFields, timezone, trap.hourStart)) ticks.push(trap.hourStart);
      if (full()) return ticks;
      after = trap.hourStart;
    }
    const outcome = take(runCronParser(sixFields, timezone, Math.max(after, trap.hourStart + 1), untilMs, limit - ticks.length, true));
    if (outcome === 'done' || full()) return ticks;
    after = Math.max(trap.change - 1, ticks.at(-1) ?? after);
  }

  for (;;) {
    const outcome = take(runCronParser(sixFields, timezone, after, untilMs, limit - ticks.length));
    if (outcome !== 'gaveUp' || full()) return ticks;
    const reached = Math.max(after, ticks.at(-1) ?? after);
    const resume = piece.changes.find((change) => change - 1 > reached);
    if (resume === undefined) return ticks;
    after = resume - 1;
  }
}
