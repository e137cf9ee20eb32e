import { backfillExecutionName, parseBackfillRequest, parseTriggerRef, planBackfill } from '../domain/backfill';
import { NotFoundError } from '../domain/errors';
import { ValidationError } from '../domain/flow/errors';
import { type Flow, type ScheduleTrigger, isSchedule } from '../domain/flow/model';
import { randomId } from '../domain/ids';
import { formatInZone } from '../domain/schedule';
import type { TriggerRef, TriggerState } from '../domain/trigger-state';
import type { Services } from '../services';
import { scheduleOf } from './schedules';

export interface ResolvedTrigger {
  flow: Flow;
  trigger: ScheduleTrigger;
  state: TriggerState;
}

/** Finds the flow, its trigger definition and its state row, with Kestra's 404 messages. */
export async function resolveTrigger(svc: Services, ref: TriggerRef): Promise<ResolvedTrigger> {
  const flow = await svc.flows.get(ref.namespace, ref.flowId);
  if (!flow) throw new NotFoundError(`Flow of trigger ${ref.triggerId} not found`);
  const trigger = flow.triggers.find((t) => t.id === ref.triggerId);
  if (!trigger || !isSchedule(trigger)) throw new NotFoundError(`Flow ${ref.flowId} has no trigger ${ref.triggerId}`);
  const state = await svc.triggers.get(ref);
  if (!state) throw new NotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} has no state yet`);
  return { flow, trigger, state };
}

/**
 * `PUT /api/v1/triggers`: with a `backfill`, starts one; otherwise applies `disabled`.
 * Everything is validated before anything is written, so a rejected request changes nothing.
 */
export async function updateTrigger(svc: Services, body: unknown): Promise<TriggerState> {
  const fields = body as Record<string, unknown> | null;
  if (fields && typeof fields === 'object' && !Array.isArray(fields) && (fields.backfill === undefined || fields.backfill === null)) {
    if (typeof fields.disabled === 'boolean') return setDisabled(svc, body, fields.disabled);
    if (fields.disabled === undefined) {
      throw new ValidationError('backfill', 'expected an object with at least "start" (or "disabled": true/false to switch the trigger)');
    }
    throw new ValidationError('disabled', `expected true or false, got ${JSON.stringify(fields.disabled)}`);
  }
  return createBackfill(svc, body);
}

export async function createBackfill(svc: Services, body: unknown): Promise<TriggerState> {
  const request = parseBackfillRequest(body);
  const { flow, trigger, state } = await resolveTrigger(svc, request);
  const now = svc.clock.now();
  const ref: TriggerRef = { namespace: request.namespace, flowId: request.flowId, triggerId: request.triggerId };
  const id = randomId();
  const backfill = planBackfill(request, flow, trigger, scheduleOf(trigger), {
    id,
    now,
    maxTicks: svc.settings.backfill.maxTicks,
    previousNextExecutionDate: state.nextExecutionDate,
    executionName: backfillExecutionName({ ...ref, id }, 0),
  });
  await svc.triggers.startBackfill(ref, backfill, now.toISOString());
  try {
    await svc.workflows.start(backfill.executionName, { backfill: { ...ref, id }, generation: 0, iteration: 0 });
  } catch (error) {
    // Without a state machine nothing would ever dispatch: take the backfill back off the trigger.
    await svc.triggers.finishBackfill(ref, id, 'ABANDONED', svc.clock.now().toISOString());
    throw error;
  }
  return { ...state, backfill, updatedDate: now.toISOString() };
}

/**
 * Switches a trigger. Disabling keeps the live schedule's next tick, so that enabling again finds
 * the ticks missed meanwhile and recovers them as `recoverMissedSchedules` says.
 */
export async function setDisabled(svc: Services, body: unknown, disabled: boolean): Promise<TriggerState> {
  const ref = parseTriggerRef(body);
  const { trigger, state } = await resolveTrigger(svc, ref);
  const now = svc.clock.now();
  let nextExecutionDate = state.nextExecutionDate;
  if (!disabled && nextExecutionDate === null) {
    const next = scheduleOf(trigger).next(now.getTime());
    nextExecutionDate = next === null ? null : formatInZone(next, trigger.timezone);
  }
  await svc.triggers.updateSchedule(ref, { nextExecutionDate, disabled, updatedDate: now.toISOString() });
  return { ...state, nextExecutionDate, disabled, updatedDate: now.toISOString() };
}
