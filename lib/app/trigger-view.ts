import { toTriggerJson, type TriggerState } from '../domain/trigger-state';
import type { Settings } from '../config';
import type { ExecutionStore } from '../ports';
import { executionLinks } from './console-links';

export interface TriggerViewDeps {
  settings: Pick<Settings, 'stateMachineArn'>;
  executions: Pick<ExecutionStore, 'progressOf'>;
}

/**
 * Kestra's Trigger JSON, with the backfill's progress counted from the executions themselves
 * (sparse indexes of queued, running and failed ones) rather than from counters a retried or
 * redelivered step could bump twice; `succeeded` is what remains of the dispatched ticks.
 */
export async function triggerView(deps: TriggerViewDeps, state: TriggerState): Promise<Record<string, unknown>> {
  const json = toTriggerJson(state);
  const backfill = state.backfill;
  if (backfill) {
    // Only ticks below the cursor count as dispatched: a batch being written is not counted twice.
    const { queued, running, failed } = await deps.executions.progressOf(backfill.id, backfill.cursorMs);
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
    Object.assign(json.backfill as Record<string, unknown>, executionLinks(deps.settings.stateMachineArn, backfill.executionName));
  }
  return json;
}
