import { type Flow, type ScheduleTrigger, isSchedule } from '../domain/flow/model';
import type { BackfillState, TriggerRef } from '../domain/trigger-state';
import type { FlowStore } from '../ports';

/** The flow a backfill's executions are built from and run, and its trigger as that flow defines it. */
export interface BackfillFlow {
  flow: Flow;
  trigger: ScheduleTrigger;
}

/**
 * The flow revision a backfill runs: the one it pinned when it was created (`flowRevision`), so that
 * editing the flow meanwhile changes nothing it runs (its tasks, its trigger's cron, labels and
 * inputs); without a pin (`latestRevision`) the flow as it is now. One read while the flow is at the
 * pinned revision, two once it moved on.
 *
 * Undefined when the backfill has nothing left to run, and is abandoned: the flow was deleted, or its
 * latest revision has no Schedule trigger of that id. The pin fixes what runs, not whether the
 * trigger still exists: removing the trigger from the flow removes its state row and its backfill
 * (as in Kestra), which this check also covers should that removal not have finished.
 */
export async function backfillFlow(
  flows: Pick<FlowStore, 'get' | 'getRevision'>,
  ref: TriggerRef,
  backfill: Pick<BackfillState, 'flowRevision'>,
): Promise<BackfillFlow | undefined> {
  const current = await flows.get(ref.namespace, ref.flowId);
  if (!current || !scheduleTriggerOf(current, ref.triggerId)) return undefined;
  const pinned = backfill.flowRevision;
  const flow = pinned === undefined || pinned === current.revision ? current : await flows.getRevision(ref.namespace, ref.flowId, pinned);
  // A revision is kept before the flow moves past it (see FlowStore), and creation checked the
  // trigger against this very revision: either missing is a broken store, not a user's doing.
  if (!flow) throw new Error(`Flow ${ref.namespace}.${ref.flowId}: revision ${pinned}, which the backfill pinned, is not kept`);
  const trigger = scheduleTriggerOf(flow, ref.triggerId);
  if (!trigger) throw new Error(`Flow ${ref.namespace}.${ref.flowId}: revision ${flow.revision} has no Schedule trigger ${ref.triggerId}`);
  return { flow, trigger };
}

function scheduleTriggerOf(flow: Flow, triggerId: string): ScheduleTrigger | undefined {
  const trigger = flow.triggers.find((t) => t.id === triggerId);
  return trigger && isSchedule(trigger) ? trigger : undefined;
}
