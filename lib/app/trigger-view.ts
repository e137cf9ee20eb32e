import { type BackfillStateJson, type TriggerStateJson, type TriggerState, toTriggerJson } from '../domain/trigger-state';
import type { Settings } from '../config';
import type { ExecutionStore } from '../ports';
import { type ExecutionLinks, executionLinks } from './console-links';

export interface TriggerViewDeps {
  settings: Pick<Settings, 'stateMachineArn'>;
  executions: Pick<ExecutionStore, 'progressOf'>;
}

/** Where a backfill's ticks are: counted from the executions (see `triggerView`). */
export interface BackfillProgress {
  /** Ticks in the window. */
  total: number;
  /** Ticks dispatched so far (executions created, or skipped). */
  dispatched: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  /** Ticks an earlier execution covered (see `reprocess`): dispatched, but no execution made. */
  skipped: number;
}

/** A backfill as the API shows it: Kestra's fields, ours, its progress and, on AWS, its execution's links. */
export interface BackfillJson extends BackfillStateJson, Partial<ExecutionLinks> {
  progress: BackfillProgress;
}

/** A trigger as the API shows it: Kestra's Trigger JSON with the backfill's progress. */
export interface TriggerJson extends Omit<TriggerStateJson, 'backfill'> {
  backfill?: BackfillJson;
}

/**
 * Kestra's Trigger JSON, with the backfill's progress counted from the executions themselves
 * (sparse indexes of queued, running and failed ones) rather than from counters a retried or
 * redelivered step could bump twice; `succeeded` is what remains of the dispatched ticks.
 */
export async function triggerView(deps: TriggerViewDeps, state: TriggerState): Promise<TriggerJson> {
  const json = toTriggerJson(state);
  const { backfill: backfillJson, ...withoutBackfill } = json;
  const backfill = state.backfill;
  if (!backfill || !backfillJson) return withoutBackfill;
  // Only ticks below the cursor count as dispatched: a batch being written is not counted twice.
  const { queued, running, failed } = await deps.executions.progressOf(backfill.id, backfill.cursorMs);
  const succeeded = Math.max(0, backfill.dispatched - backfill.skipped - queued - running - failed);
  const progress: BackfillProgress = {
    total: backfill.totalTicks,
    dispatched: backfill.dispatched,
    queued,
    running,
    succeeded,
    failed,
    skipped: backfill.skipped,
  };
  // On AWS: the execution's ARN and console page (locally the state machine has neither).
  // Spread from the whole JSON so that `backfill` keeps its place among the fields.
  return { ...json, backfill: { ...backfillJson, progress, ...executionLinks(deps.settings.stateMachineArn, backfill.executionName) } };
}
