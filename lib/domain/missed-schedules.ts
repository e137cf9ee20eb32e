import type { RecoverMissedSchedules } from './flow/model';
import type { CompiledSchedule } from './schedule';

export interface MissedSchedulePolicy {
  recover: RecoverMissedSchedules;
  /**
   * How late a tick may run and still count as on time rather than missed: on AWS the tick runs
   * once a minute (so up to a minute plus EventBridge's delay), locally every second.
   */
  onTimeMs: number;
  /** Ticks later than this are skipped whatever `recover` says (Kestra's `lateMaximumDelay`). */
  lateMaximumDelayMs?: number;
}

/**
 * The earliest due tick the live schedule should still run, given where the trigger stands
 * (`nextMs`, its next unrun tick) and the policy for missed ticks (the service was stopped, or the
 * trigger disabled):
 * - ALL runs every missed tick; LAST only the latest due tick; NONE only ticks that are on time.
 * - `lateMaximumDelay` also skips any tick older than that delay.
 * Returns a bound in epoch ms; the caller runs the ticks in [bound, now].
 */
export function firstTickToRun(schedule: CompiledSchedule, nextMs: number, nowMs: number, policy: MissedSchedulePolicy): number {
  let bound = nextMs;
  if (policy.recover === 'LAST') {
    const latest = schedule.previous(nowMs + 1);
    if (latest !== null) bound = Math.max(bound, latest);
  } else if (policy.recover === 'NONE') {
    bound = Math.max(bound, nowMs - policy.onTimeMs);
  }
  if (policy.lateMaximumDelayMs !== undefined) bound = Math.max(bound, nowMs - policy.lateMaximumDelayMs);
  return bound;
}
