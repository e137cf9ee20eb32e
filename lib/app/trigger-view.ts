import { toTriggerJson, type TriggerState } from '../domain/trigger-state';
import type { Services } from '../services';
import { executionLinks } from './console-links';

/**
 * Kestra's Trigger JSON, with the backfill's progress counted from the executions themselves
 * (sparse indexes of queued, running and failed ones) rather than from counters a retried or
 * redelivered step could bump twice; `succeeded` is what remains of the dispatched ticks.
 */
export async function triggerView(svc: Services, state: TriggerState): Promise<Record<string, unknown>> {
  const json = toTriggerJson(state);
  const backfill = state.backfill;
  if (backfill) {
    // Only ticks below the cursor count as dispatched: a batch being written is not counted twice.
    const { queued, running, failed } = await svc.executions.progressOf(backfill.id, backfill.cursorMs);
    const succeeded = Math.max(0, backfill.dispatched - backfill.skipped - queued - running - failed);
    (json.backfill as Record<string, unknown>).progress = {
      total: backfill.totalTicks,
      dispatched: backfill.dispatched,
      queued,
      running,
      succeeded,
      failed,
      // Ticks an earlier execution covered (see `reprocess`): dispatched, but no execution made.
      skipped: backfill.skipped,
    };
    // On AWS: the execution's ARN and console page (locally the state machine has neither).
    Object.assign(json.backfill as Record<string, unknown>, executionLinks(svc.settings.stateMachineArn, backfill.executionName));
  }
  return json;
}
