import { DEFAULT_BACKFILL_OPTIONS } from '../domain/backfill';
import { BackfillAlreadyActiveError, TriggerNotFoundError } from '../domain/errors';
import { ValidationError, isValidationError } from '../domain/flow/errors';
import type { MissedScheduleRecovery } from '../domain/operation';
import { formatInZone } from '../domain/schedule';
import type { TriggerRef, TriggerState } from '../domain/trigger-state';
import type { Clock, TriggerStore } from '../ports';
import { type CreateBackfillDeps, type TriggerLookupDeps, createBackfill, resolveTrigger } from './backfills';
import { scheduleOf } from './schedules';

export interface SwitchTriggerDeps extends CreateBackfillDeps {
  triggers: Pick<TriggerStore, 'get' | 'updateSchedule' | 'startBackfill' | 'finishBackfill' | 'claimNotification' | 'recordNotification'>;
}

/**
 * Kestra 2.x's `set-disabled`. Disabling keeps the live schedule's next tick, so that the ticks
 * missed meanwhile are known when the trigger is enabled again; enabling a disabled trigger then
 * does with them what `recover` says (Kestra #17618):
 * - `false` (Kestra 2.x's default): skips them; the next tick is the first one to come.
 * - `true`: leaves them to the live schedule, which runs them as the trigger's own
 *   `recoverMissedSchedules` says (ALL, LAST or NONE; RECOVER_MISSED_SCHEDULES by default), as after
 *   any stop. This is what the 1.x `PUT /api/v1/triggers` with `disabled: false` always does.
 * - `BACKFILL` (ours): replays them as a backfill of the missed window (its progress shown, pausable,
 *   its executions labelled `system.backfill`), and the live schedule goes on from the next tick to
 *   come. The backfill is started first, so a failure leaves the trigger disabled and nothing lost;
 *   a 409 if an active backfill overlaps that window. A retry finding the backfill it started keeps it.
 * Enabling an enabled trigger, or disabling a disabled one, changes nothing but `updatedDate`.
 */
export async function switchTrigger(
  deps: SwitchTriggerDeps,
  ref: TriggerRef,
  disabled: boolean,
  recover: MissedScheduleRecovery = false,
): Promise<TriggerState> {
  const { trigger, state } = await resolveTrigger(deps, ref);
  const now = deps.clock.now();
  const updatedDate = now.toISOString();
  let nextExecutionDate = state.nextExecutionDate;
  if (!disabled && state.disabled) {
    const schedule = scheduleOf(trigger);
    const upcoming = schedule.next(now.getTime());
    const upcomingIso = upcoming === null ? null : formatInZone(upcoming, trigger.timezone);
    const missedFrom = nextExecutionDate !== null && Date.parse(nextExecutionDate) <= now.getTime() ? nextExecutionDate : null;
    if (missedFrom === null) nextExecutionDate ??= upcomingIso;
    else if (recover === false) nextExecutionDate = upcomingIso;
    else if (recover === 'BACKFILL') {
      await backfillMissed(deps, ref, state, missedFrom, now);
      nextExecutionDate = upcomingIso;
    }
    // recover === true: the live schedule finds the missed ticks from the kept next tick on.
  }
  await deps.triggers.updateSchedule(ref, { nextExecutionDate, disabled, updatedDate });
  // Read back: the answer shows a backfill this started (or one running beside the switch).
  return (await deps.triggers.get(ref)) ?? { ...state, nextExecutionDate, disabled, updatedDate };
}

/** Starts the backfill of the missed window [first missed tick, now], unless a retry of this very call started it already. */
async function backfillMissed(deps: SwitchTriggerDeps, ref: TriggerRef, state: TriggerState, missedFrom: string, now: Date): Promise<void> {
  if (state.backfills.some((backfill) => Date.parse(backfill.start) === Date.parse(missedFrom))) return;
  try {
    await createBackfill(deps, {
      ...ref,
      start: new Date(missedFrom),
      end: now,
      inputs: null,
      labels: [],
      ...DEFAULT_BACKFILL_OPTIONS,
    });
  } catch (error) {
    if (error instanceof BackfillAlreadyActiveError) {
      // The store's message names the backfill in the way (or the limit reached).
      throw new BackfillAlreadyActiveError(
        `Cannot backfill the ticks trigger ${ref.namespace}.${ref.flowId}.${ref.triggerId} missed while disabled ` +
          `(enable with recoverMissedSchedules true or false instead): ${error.message}`,
      );
    }
    // The window is ours, not the client's: name the field that asked for it.
    if (isValidationError(error))
      throw new ValidationError('recoverMissedSchedules', `the ticks missed since ${missedFrom} cannot be backfilled: ${error.message}`);
    throw error;
  }
}

export interface ResetTriggerDeps extends TriggerLookupDeps {
  clock: Clock;
  triggers: Pick<TriggerStore, 'get' | 'reset'>;
}

/**
 * Kestra 2.x's `DELETE triggers/{namespace}/{flowId}/{triggerId}`: resets the trigger's state, as
 * Kestra recreates a deleted trigger context on its next evaluation. Here the row is recreated at
 * once, as when the flow was created: the next tick from now, disabled only if the flow's YAML says
 * so (a trigger disabled through the API is enabled again), its last run and last backfill
 * forgotten. A trigger with an active backfill is a 409 naming it: resetting would strand the
 * backfill's state machine and executions with nothing recording their progress.
 */
export async function resetTrigger(deps: ResetTriggerDeps, ref: TriggerRef): Promise<void> {
  const { trigger, state } = await resolveTrigger(deps, ref);
  if (state.backfills.length) throw backfillActive(ref, state);
  const now = deps.clock.now();
  const next = scheduleOf(trigger).next(now.getTime());
  const fresh: TriggerState = {
    ...ref,
    nextExecutionDate: trigger.disabled || next === null ? null : formatInZone(next, trigger.timezone),
    disabled: trigger.disabled,
    updatedDate: now.toISOString(),
    backfills: [],
  };
  if (await deps.triggers.reset(fresh)) return;
  // Refused: a backfill started, or the row went, since it was read.
  const current = await deps.triggers.get(ref);
  if (current?.backfills.length) throw backfillActive(ref, current);
  throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} not found`);
}

function backfillActive(ref: TriggerRef, state: TriggerState): BackfillAlreadyActiveError {
  const active = state.backfills.map((backfill) => `${backfill.id}, started ${backfill.createdDate}`).join('; ');
  return new BackfillAlreadyActiveError(
    `Trigger ${ref.namespace}.${ref.flowId}.${ref.triggerId} has ${state.backfills.length === 1 ? 'an active backfill' : `${state.backfills.length} active backfills`} (${active}): ` +
      'delete it (POST …/triggers/backfill/delete) or wait for it to end before resetting the trigger',
  );
}
