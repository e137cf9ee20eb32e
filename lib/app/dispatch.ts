import { type Reprocess, skipsTick } from '../domain/backfill';
import type { StateType } from '../domain/execution';
import { isSchedule } from '../domain/flow/model';
import { tickExecutionId } from '../domain/ids';
import { formatInZone } from '../domain/schedule';
import { buildScheduledExecution } from '../domain/scheduled-execution';
import type { TriggerRef } from '../domain/trigger-state';
import type { Settings } from '../config';
import type { BackfillRunInput, Clock, ExecutionQueue, ExecutionStore, FlowStore, LogEntry, LogStore, StoredExecution, TriggerStore } from '../ports';
import { creationFailureLog } from './creation-log';
import { scheduleOf } from './schedules';

/**
 * What the state machine does next (its Choice state reads `status`):
 * - DISPATCHED: a batch went out, loop at once;
 * - THROTTLED: the next batch does not fit under `maxInFlight` unfinished executions (or the backfill is draining its last ones), wait `waitSeconds`;
 * - PAUSED: park on a task token until resumed;
 * - CONTINUE_AS_NEW: hand over to a fresh execution before the history grows large;
 * - DONE: every tick ran, the backfill is cleared;
 * - GONE: the backfill was deleted or replaced, or its flow/trigger removed.
 */
export type DispatchStatus = 'DISPATCHED' | 'THROTTLED' | 'PAUSED' | 'CONTINUE_AS_NEW' | 'DONE' | 'GONE';

export interface DispatchOutput extends BackfillRunInput {
  status: DispatchStatus;
  waitSeconds: number;
  /** For whoever reads the execution in the console: where the cursor is and how far dispatch got. */
  currentDate?: string;
  dispatched?: number;
}

export interface DispatchDeps {
  settings: Pick<Settings, 'dispatch'>;
  clock: Clock;
  flows: Pick<FlowStore, 'get'>;
  triggers: Pick<TriggerStore, 'get' | 'finishBackfill' | 'advanceBackfill'>;
  executions: Pick<ExecutionStore, 'countUnfinished' | 'statesOf' | 'statesByTick' | 'createMany'>;
  logs: Pick<LogStore, 'append'>;
  queue: Pick<ExecutionQueue, 'send'>;
}

/**
 * One loop iteration of the backfill state machine: dispatch the next batch of ticks.
 *
 * Idempotent by construction: execution ids derive from (backfill, tick), existing ones are never
 * rewritten, every still-CREATED one in the batch is (re)queued, and the cursor moves with a
 * conditional write. A retried or re-run iteration therefore redoes the same batch without
 * creating a second execution for any tick.
 */
export async function dispatchBatch(deps: DispatchDeps, input: BackfillRunInput): Promise<DispatchOutput> {
  const { batchSize, maxInFlight, maxIterationsPerExecution, throttleWaitSeconds } = deps.settings.dispatch;
  const ref = input.backfill;
  const out = (status: DispatchStatus, extra: Partial<DispatchOutput> = {}): DispatchOutput => ({
    backfill: input.backfill,
    generation: input.generation,
    iteration: input.iteration + 1,
    status,
    waitSeconds: throttleWaitSeconds,
    ...extra,
  });

  const state = await deps.triggers.get(ref);
  const backfill = state?.backfill;
  if (!backfill || backfill.id !== ref.id) {
    // The worker that finished the last execution may have completed the backfill already.
    const completed = state?.lastBackfill?.id === ref.id && state.lastBackfill.outcome === 'COMPLETED';
    return out(completed ? 'DONE' : 'GONE');
  }
  if (backfill.paused) return out('PAUSED', { currentDate: backfill.currentDate, dispatched: backfill.dispatched });
  if (input.iteration >= maxIterationsPerExecution) return out('CONTINUE_AS_NEW');

  const now = deps.clock.now();
  const flow = await deps.flows.get(ref.namespace, ref.flowId);
  const trigger = flow?.triggers.find((t) => t.id === ref.triggerId);
  if (!flow || !trigger || !isSchedule(trigger)) {
    await deps.triggers.finishBackfill(ref, backfill.id, 'ABANDONED', now.toISOString());
    return out('GONE');
  }

  const endMs = Date.parse(backfill.end);
  const unfinished = await deps.executions.countUnfinished(backfill.id, maxInFlight);
  const progress = { currentDate: backfill.currentDate, dispatched: backfill.dispatched };
  if (backfill.cursorMs > endMs) {
    // Every tick is dispatched; the backfill ends when its last execution does. The worker that
    // finishes it usually completes the backfill at once; this is the fallback.
    if (unfinished > 0) return out('THROTTLED', progress);
    await deps.triggers.finishBackfill(ref, backfill.id, 'COMPLETED', now.toISOString());
    return out('DONE', progress);
  }
  const room = maxInFlight - unfinished;
  if (room <= 0) return out('THROTTLED', progress);

  const schedule = scheduleOf(trigger);
  // A whole batch or none: dispatch re-checks for room several times a second (dispatchRound), and
  // sending whatever room opened since the last check would split the backfill into many small
  // batches, each paying the per-batch reads and the cursor write. Capped by maxInFlight, so a
  // batch always fits once the backfill's executions have ended.
  const limit = Math.min(batchSize, maxInFlight);
  const ticks = schedule.ticksBetween(backfill.cursorMs, endMs, limit);
  if (ticks.length > room) return out('THROTTLED', progress);
  // A full batch (limit ≥ 1) has a last tick; a short one means every tick up to the end is in it.
  const lastTick = ticks.at(-1);
  const exhausted = lastTick === undefined || ticks.length < limit;
  const cursorMs = exhausted ? endMs + 1 : lastTick + 1;
  const nextTick = exhausted ? null : schedule.next(lastTick);
  const currentDate = nextTick !== null && nextTick <= endMs ? formatInZone(nextTick, trigger.timezone) : backfill.end;

  const ids = ticks.map((tick) => tickExecutionId(backfill.id, tick));
  const existing: Map<string, StateType> = ids.length ? await deps.executions.statesOf(ids) : new Map();
  const skipped = await coveredTicks(deps.executions, backfill.reprocess, ref, ticks, ids, existing);
  const created: StoredExecution[] = [];
  const failureLogs: { seq: number; entry: LogEntry }[] = [];
  ticks.forEach((tickMs, i) => {
    const id = ids[i]!; // ids has one entry per tick
    if (existing.has(id) || skipped.has(i)) return;
    const built = buildScheduledExecution({
      id,
      flow,
      trigger,
      schedule,
      tickMs,
      createdAt: now,
      extraLabels: backfill.labels,
      extraInputs: backfill.inputs,
      origin: { backfillId: backfill.id, tickMs },
    });
    created.push(built);
    const failure = creationFailureLog(built, now);
    if (failure) failureLogs.push(failure);
  });
  await deps.executions.createMany(created);
  await deps.logs.append(failureLogs);

  // Existing CREATED ones are queued again: a crash may have come between their write and their message.
  const toRun = [
    ...ids.filter((id) => existing.get(id) === 'CREATED'),
    ...created.filter((c) => c.execution.state.current === 'CREATED').map((c) => c.execution.id),
  ];
  await deps.queue.send(
    toRun.map((executionId) => ({ executionId })),
    'backfill',
  );

  const advanced = await deps.triggers.advanceBackfill(ref, backfill.id, backfill.cursorMs, {
    cursorMs,
    currentDate,
    dispatchedDelta: ticks.length,
    skippedDelta: skipped.size,
  });
  // Not advanced: the backfill changed under us (deleted, or this batch already counted); the next iteration re-reads it.
  return out('DISPATCHED', {
    currentDate: advanced ? currentDate : backfill.currentDate,
    dispatched: backfill.dispatched + (advanced ? ticks.length : 0),
    waitSeconds: 0,
  });
}

/**
 * The batch's ticks (by index) that earlier executions of the trigger already cover, under the
 * backfill's `reprocess`; none for ALL. A tick this backfill already made an execution for is never
 * skipped: a re-run batch must still queue it, whatever happened to the other runs meanwhile.
 */
async function coveredTicks(
  executions: DispatchDeps['executions'],
  reprocess: Reprocess,
  trigger: TriggerRef,
  ticks: number[],
  ids: string[],
  existing: Map<string, StateType>,
): Promise<Set<number>> {
  const covered = new Set<number>();
  const first = ticks[0];
  const last = ticks.at(-1);
  if (reprocess === 'ALL' || first === undefined || last === undefined) return covered;
  const earlier = await executions.statesByTick(trigger, first, last);
  ticks.forEach((tick, i) => {
    const id = ids[i]!; // ids has one entry per tick
    if (existing.has(id)) return;
    const states = (earlier.get(tick) ?? []).filter((run) => run.id !== id).map((run) => run.state);
    if (skipsTick(reprocess, states)) covered.add(i);
  });
  return covered;
}
