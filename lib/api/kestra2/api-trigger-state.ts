import type { BackfillJson, TriggerJson } from '../../app/trigger-view';
import type { LastBackfillJson } from '../../domain/trigger-state';

/** Kestra 2.x's trigger kinds; every trigger with a state row here is a Schedule. */
export type TriggerKind = 'SCHEDULE' | 'POLLING' | 'REALTIME';

/**
 * Kestra 2.x's `ApiTriggerState` (see ../shared/reference/kestra2-api.md), with our extensions kept
 * as extra fields: the backfill's `id`, `reprocess`, `progress`, `stateMachineExecutionName` (and on
 * AWS its links), and the trigger's `liveNextEvaluationDate` and `lastBackfill`.
 */
export interface ApiTriggerState {
  namespace: string;
  flowId: string;
  triggerId: string;
  updatedAt: string;
  /** When the trigger was last evaluated and fired: our rows record one date for both (1.x's `date`). */
  evaluatedAt?: string;
  lastTriggeredDate?: string;
  /** 1.x's `nextExecutionDate`: the backfill's cursor during a backfill, absent while disabled. */
  nextEvaluationDate?: string;
  /** 1.x's `liveNextExecutionDate` (ours): the live schedule's next tick while a backfill's cursor stands in `nextEvaluationDate`. */
  liveNextEvaluationDate?: string;
  backfill?: BackfillJson;
  /** Beyond Kestra: every active backfill, earliest window first. */
  backfills?: BackfillJson[];
  disabled: boolean;
  /** Kestra locks a trigger while an execution it started runs; ours never wait on one. */
  locked: boolean;
  kind: TriggerKind;
  lastBackfill?: LastBackfillJson;
}

/**
 * The 2.x shape of the same view the 1.x routes answer (`triggerView`): only names change, so both
 * APIs show one state. Fields with no counterpart here (`workerId`, `executionId`, `stopAfter`) are
 * left out, as Kestra leaves out null ones.
 */
export function toApiTriggerState(view: TriggerJson): ApiTriggerState {
  return {
    namespace: view.namespace,
    flowId: view.flowId,
    triggerId: view.triggerId,
    updatedAt: view.updatedDate,
    ...(view.date ? { evaluatedAt: view.date, lastTriggeredDate: view.date } : {}),
    ...(view.nextExecutionDate ? { nextEvaluationDate: view.nextExecutionDate } : {}),
    ...(view.liveNextExecutionDate ? { liveNextEvaluationDate: view.liveNextExecutionDate } : {}),
    ...(view.backfill ? { backfill: view.backfill } : {}),
    ...(view.backfills ? { backfills: view.backfills } : {}),
    disabled: view.disabled,
    locked: false,
    kind: 'SCHEDULE',
    ...(view.lastBackfill ? { lastBackfill: view.lastBackfill } : {}),
  };
}
