import { z } from 'zod';
import { describe } from '../../domain/flow/values';
import { MAX_LENGTH } from '../../domain/id-limits';
import { boundedName } from './names';
import type { BackfillTarget, TriggerRef } from '../../domain/trigger-state';

/** A string with something other than white space in it. */
const nonEmptyString = z
  .string({ error: (issue) => `expected a non-empty string, got ${describe(issue.input)}` })
  .regex(/\S/, { error: (issue) => `expected a non-empty string, got ${describe(issue.input)}` });

/** The fields naming one trigger, which every trigger route takes (Kestra resolves the rest itself). */
export const triggerRefFields = {
  namespace: boundedName(nonEmptyString, 'namespace', MAX_LENGTH.namespace),
  flowId: boundedName(nonEmptyString, 'flow id', MAX_LENGTH.flowId),
  triggerId: boundedName(nonEmptyString, 'trigger id', MAX_LENGTH.elementId),
};

/** An object's own error: the value is not a JSON object at all. */
export const jsonObjectError = (issue: { input?: unknown }): string => `expected a JSON object, got ${describe(issue.input)}`;

/**
 * A trigger reference (`{namespace, flowId, triggerId}`; other fields of Kestra's Trigger JSON are
 * ignored): the body of pause, unpause and delete.
 */
export const triggerRefBody = z.object(triggerRefFields, { error: jsonObjectError }) satisfies z.ZodType<TriggerRef>;

/** Beyond Kestra: which of the trigger's backfills an action is for (absent: every active one). */
export const backfillIdField = boundedName(nonEmptyString, 'backfill id', MAX_LENGTH.elementId)
  .optional()
  .meta({ description: 'Ours: only this backfill of the trigger (its `id`); without it, every active backfill of the trigger.' });

/**
 * The body of pause, unpause, delete and cancel: a trigger reference, and beyond Kestra an optional
 * `backfillId` (a trigger may run several backfills on disjoint windows).
 */
export const backfillTargetBody = z.object(
  { ...triggerRefFields, backfillId: backfillIdField },
  { error: jsonObjectError },
) satisfies z.ZodType<BackfillTarget>;
