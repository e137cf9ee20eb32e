import { isSchedule } from '../domain/flow/model';
import { liveOwner, tickExecutionId } from '../domain/ids';
import { formatInZone } from '../domain/schedule';
import { buildScheduledExecution } from '../domain/scheduled-execution';
import { firstTickToRun } from '../domain/missed-schedules';
import { parseDuration } from '../domain/flow/values';
import type { TriggerRef, TriggerState } from '../domain/trigger-state';
import type { Settings } from '../config';
import type { ExecutionQueue, ExecutionStore, FlowStore, LogStore, TriggerStore } from '../ports';
import { creationFailureLog } from './creation-log';
import { scheduleOf } from './schedules';

/** Missed ticks one trigger replays per tick call; the rest follow on the next calls (Kestra replays one a second). */
const MAX_TICKS_PER_CALL = 20;

export interface LiveTickResult {
  /** Executions created by this call. */
  created: number;
  /** Triggers that were due. */
  due: number;
  /** Some enabled trigger ticks more than once a minute (`withSeconds`): a once-a-minute caller must keep ticking. */
  subMinute: boolean;
  /** Those triggers: the only ones a caller that keeps ticking needs to read again before the next full pass. */
  subMinuteTriggers: TriggerRef[];
}

export interface LiveScheduleDeps {
  settings: Pick<Settings, 'live'>;
  flows: Pick<FlowStore, 'get'>;
  triggers: Pick<TriggerStore, 'get' | 'list' | 'advanceSchedule'>;
  executions: Pick<ExecutionStore, 'createIfAbsent' | 'get'>;
  logs: Pick<LogStore, 'append'>;
  queue: Pick<ExecutionQueue, 'send'>;
}

/**
 * The live schedule: every enabled Schedule trigger whose `nextExecutionDate` has come gets the
 * execution of that tick, then moves to its next tick. Runs beside any backfill of the same trigger.
 *
 * Safe to run concurrently and to repeat: the execution id derives from (trigger, tick) and is
 * written only if absent, and the trigger moves on with a conditional write, so two overlapping
 * calls (EventBridge delivers at least once) create one execution per tick.
 */
export async function runDueSchedules(deps: LiveScheduleDeps, now: Date, only?: readonly TriggerRef[]): Promise<LiveTickResult> {
  // A full pass reads every trigger (one Scan); a pass limited to `only` reads just those rows, so
  // ticking every second for a few `withSeconds` triggers does not scan the table every second.
  const candidates = only ? (await Promise.all(only.map((ref) => deps.triggers.get(ref)))).filter((row) => row !== undefined) : await deps.triggers.list();
  const enabled = candidates.filter((row) => !row.disabled && row.nextExecutionDate !== null);
  const rows = enabled.filter((row) => Date.parse(row.nextExecutionDate as string) <= now.getTime());
  let created = 0;
  for (const row of rows) created += await runDueTrigger(deps, row, now);
  // A next tick less than a minute after the previous one (`date`) marks a sub-minute schedule.
  const subMinuteTriggers = enabled
    .filter((row) => row.date && Date.parse(row.nextExecutionDate as string) - Date.parse(row.date) < 60_000)
    .map(({ namespace, flowId, triggerId }) => ({ namespace, flowId, triggerId }));
  return { created, due: rows.length, subMinute: subMinuteTriggers.length > 0, subMinuteTriggers };
}

async function runDueTrigger(deps: LiveScheduleDeps, row: TriggerState, now: Date): Promise<number> {
  const flow = await deps.flows.get(row.namespace, row.flowId);
  const trigger = flow?.triggers.find((t) => t.id === row.triggerId);
  if (!flow || flow.disabled || !trigger || !isSchedule(trigger) || trigger.disabled) return 0;
  const schedule = scheduleOf(trigger);
  const owner = liveOwner(row);
  const nowMs = now.getTime();
  let expected = row.nextExecutionDate as string;
  const from = firstTickToRun(schedule, Date.parse(expected), nowMs, {
    recover: trigger.recoverMissedSchedules ?? deps.settings.live.recoverMissedSchedules,
    onTimeMs: deps.settings.live.onTimeSeconds * 1000,
    lateMaximumDelayMs: trigger.lateMaximumDelay ? parseDuration(trigger.lateMaximumDelay, 'lateMaximumDelay') : undefined,
  });
  const ticks = schedule.ticksBetween(from, nowMs, MAX_TICKS_PER_CALL);
  if (ticks.length === 0) {
    // Every due tick was skipped as missed: move straight to the next one to come.
    const next = schedule.next(nowMs);
    await deps.triggers.advanceSchedule(row, expected, next === null ? null : formatInZone(next, trigger.timezone), undefined, now.toISOString());
    return 0;
  }
  let created = 0;
  for (const tickMs of ticks) {
    const id = tickExecutionId(owner, tickMs);
    const built = buildScheduledExecution({ id, flow, trigger, schedule, tickMs, createdAt: now, origin: { liveOwner: owner, tickMs } });
    if (await deps.executions.createIfAbsent(built)) {
      created++;
      const failure = creationFailureLog(built, now);
      if (failure) await deps.logs.append([failure]);
      if (built.execution.state.current === 'CREATED') await deps.queue.send([{ executionId: id }], 'live');
    } else {
      // Written by an earlier call that stopped before moving the trigger on: queue it again if it never ran.
      const existing = await deps.executions.get(id);
      if (existing?.execution.state.current === 'CREATED') await deps.queue.send([{ executionId: id }], 'live');
    }
    const next = schedule.next(tickMs);
    const nextIso = next === null ? null : formatInZone(next, trigger.timezone);
    // Moving from `expected` also skips the ticks the policy left out before this one.
    const moved = await deps.triggers.advanceSchedule(row, expected, nextIso, formatInZone(tickMs, trigger.timezone), now.toISOString());
    if (!moved || nextIso === null) break; // another call moved it first: it carries on from there
    expected = nextIso;
  }
  return created;
}
