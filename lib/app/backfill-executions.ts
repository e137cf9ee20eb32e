import type { Flow, ScheduleTrigger } from '../domain/flow/model';
import { tickExecutionId } from '../domain/ids';
import type { CompiledSchedule } from '../domain/schedule';
import { type ScheduledExecution, buildScheduledExecution } from '../domain/scheduled-execution';
import type { BackfillState, TriggerRef } from '../domain/trigger-state';
import type { FlowStore } from '../ports';
import { backfillFlow } from './backfill-flow';
import { scheduleOf } from './schedules';

/** What building a backfill's executions takes: the flow revision it runs, its trigger and schedule there, and the backfill. */
export interface DispatchContext {
  flow: Flow;
  trigger: ScheduleTrigger;
  schedule: CompiledSchedule;
  backfill: BackfillState;
  ref: TriggerRef;
}

/**
 * The backfill's context, built from the flow revision it runs (see backfillFlow), or undefined when
 * its flow or its schedule trigger is gone.
 */
export async function backfillContext(
  flows: Pick<FlowStore, 'get' | 'getRevision'>,
  ref: TriggerRef,
  backfill: BackfillState,
): Promise<DispatchContext | undefined> {
  const pinned = await backfillFlow(flows, ref, backfill);
  return pinned && { ...pinned, schedule: scheduleOf(pinned.trigger), backfill, ref };
}

/**
 * The execution of the backfill's tick in slot `slot` of page `pageId`, as of `createdAt`: the same
 * document whoever builds it (dispatch, a resend, a kill), since its id derives from (backfill, tick).
 */
export function buildBackfillExecution(context: DispatchContext, pageId: string, slot: number, tickMs: number, createdAt: Date): ScheduledExecution {
  const { flow, trigger, schedule, backfill } = context;
  return buildScheduledExecution({
    id: tickExecutionId(backfill.id, tickMs),
    flow,
    trigger,
    schedule,
    tickMs,
    createdAt,
    extraLabels: backfill.labels,
    extraInputs: backfill.inputs,
    origin: { backfillId: backfill.id, tickMs, page: { id: pageId, slot } },
  });
}
