import { z } from 'zod';
import type { MissedScheduleRecovery } from '../../domain/operation';
import { setDisabledByTriggersBody } from './by-triggers-bodies';
import { disabledParameter, triggerSelectionFields } from './trigger-queries';
import { jsonObjectError, triggerRefFields } from './trigger-ref-body';
import { booleanError } from './update-trigger-body';

const RECOVERY_EXPECTED = 'expected true, false or "BACKFILL"';

/**
 * Kestra 2.x's `recoverMissedSchedules` on enabling (#17618): false (the default) skips the ticks
 * missed while disabled, true runs them as the trigger's own `recoverMissedSchedules` says; ours,
 * `BACKFILL`, replays them as a backfill of the missed window.
 */
const recoverMissedSchedules = z
  .union([z.boolean(), z.literal('BACKFILL')], { error: (issue) => `${RECOVERY_EXPECTED}, got ${JSON.stringify(issue.input ?? null)}` })
  .optional()
  .meta({ description: 'On enabling: false skips the ticks missed while disabled, true runs them as the trigger says, "BACKFILL" backfills them.' });

/** `PUT /{tenant}/triggers/set-disabled`: `{namespace, flowId, triggerId, disabled, recoverMissedSchedules?}`. */
export const setDisabledBody = z.object(
  { ...triggerRefFields, disabled: z.boolean({ error: booleanError }), recoverMissedSchedules },
  { error: jsonObjectError },
);

/** `POST /{tenant}/triggers/set-disabled/by-triggers`: Kestra's `SetDisabledRequest` and the recovery on enabling. */
export const kestra2SetDisabledByTriggersBody = setDisabledByTriggersBody.extend({ recoverMissedSchedules });

/**
 * `POST /{tenant}/triggers/backfill/{action}/by-query`: beside its `filters[…]` (read apart, see
 * lib/api/kestra2/trigger-filters.ts), the 1.x parameters this path took under `/api/v1/main`
 * (`namespace`, `flowId`), kept with their 1.x meaning so no such call selects more than it did.
 */
export const kestra2TriggerActionQuery = z.object(triggerSelectionFields);

/**
 * `POST /{tenant}/triggers/set-disabled/by-query`: the same selection, `disabled` (true when absent,
 * as the 1.x route) and `recoverMissedSchedules`.
 */
export const kestra2SetDisabledQuery = z.object({
  ...triggerSelectionFields,
  disabled: disabledParameter,
  recoverMissedSchedules: z
    .string()
    .optional()
    .transform((raw, ctx): MissedScheduleRecovery | undefined => {
      if (raw === undefined) return undefined;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      if (raw === 'BACKFILL') return 'BACKFILL';
      ctx.issues.push({ code: 'custom', input: raw, message: `${RECOVERY_EXPECTED}, got "${raw}"` });
      return z.NEVER;
    })
    .meta({ description: 'On enabling: false (default) skips missed ticks, true runs them as the trigger says, BACKFILL backfills them.' }),
});
