import { z } from 'zod';
import { describe } from '../../domain/flow/values';
import type { TriggerRef } from '../../domain/trigger-state';

/** A string with something other than white space in it. */
const nonEmptyString = z
  .string({ error: (issue) => `expected a non-empty string, got ${describe(issue.input)}` })
  .regex(/\S/, { error: (issue) => `expected a non-empty string, got ${describe(issue.input)}` });

/** The fields naming one trigger, which every trigger route takes (Kestra resolves the rest itself). */
export const triggerRefFields = {
  namespace: nonEmptyString,
  flowId: nonEmptyString,
  triggerId: nonEmptyString,
};

/** An object's own error: the value is not a JSON object at all. */
export const jsonObjectError = (issue: { input?: unknown }): string => `expected a JSON object, got ${describe(issue.input)}`;

/**
 * A trigger reference (`{namespace, flowId, triggerId}`; other fields of Kestra's Trigger JSON are
 * ignored): the body of pause, unpause and delete.
 */
export const triggerRefBody = z.object(triggerRefFields, { error: jsonObjectError }) satisfies z.ZodType<TriggerRef>;
