import { z } from 'zod';
import { type BackfillRequest, REPROCESS_MODES } from '../../domain/backfill';
import { BACKFILL_ORDERS } from '../../domain/backfill-order';
import { FAILURE_POLICY_ACTIONS, type FailurePolicy } from '../../domain/failure-policy';
import { describe } from '../../domain/flow/values';
import { labelsField } from './labels-field';
import { backfillIdField, jsonObjectError, triggerRefFields } from './trigger-ref-body';
import { zonedDateTime } from './zoned-date-time';
import type { BackfillTarget } from '../../domain/trigger-state';

/** A backfill's bound on executions in flight; its upper limit is the service's, checked by the use case (`checkMaxConcurrency`). */
const maxConcurrencyField = z
  .number({ error: (issue) => `expected a positive integer, got ${describe(issue.input)}` })
  .int({ error: (issue) => `expected a positive integer, got ${describe(issue.input)}` })
  .min(1, { error: (issue) => `expected a positive integer, got ${describe(issue.input)}` });

const maxFailuresError = (issue: { input?: unknown }) => `expected an integer of 0 or more, got ${describe(issue.input)}`;
const maxFailurePercentError = (issue: { input?: unknown }) => `expected a number from 0 to 100, got ${describe(issue.input)}`;

/** `backfill.failurePolicy`: at least one threshold, and what to do once failures exceed it (see FailurePolicy). */
const failurePolicyField = z
  .object(
    {
      maxFailures: z
        .number({ error: maxFailuresError })
        .int({ error: maxFailuresError })
        .min(0, { error: maxFailuresError })
        .optional()
        .meta({ description: 'FAILED executions tolerated (since creation or the last resume); 0 stops at the first.' }),
      maxFailurePercent: z
        .number({ error: maxFailurePercentError })
        .min(0, { error: maxFailurePercentError })
        .max(100, { error: maxFailurePercentError })
        .optional()
        .meta({ description: "FAILED executions tolerated, as a percentage of the window's ticks (rounded down)." }),
      action: z
        .enum(FAILURE_POLICY_ACTIONS, { error: (issue) => `expected one of ${FAILURE_POLICY_ACTIONS.join(', ')}, got ${describe(issue.input)}` })
        .meta({ description: 'PAUSE (resume continues, counting failures anew) or CANCEL (its executions killed).' }),
    },
    { error: (issue) => `expected an object with "maxFailures" or "maxFailurePercent", and "action", got ${describe(issue.input)}` },
  )
  .refine((policy) => policy.maxFailures !== undefined || policy.maxFailurePercent !== undefined, {
    error: 'expected "maxFailures", "maxFailurePercent" or both: the failures tolerated before the action applies',
  })
  .transform(
    (policy): FailurePolicy => ({
      ...(policy.maxFailures !== undefined ? { maxFailures: policy.maxFailures } : {}),
      ...(policy.maxFailurePercent !== undefined ? { maxFailurePercent: policy.maxFailurePercent } : {}),
      action: policy.action,
    }),
  );

/** `backfill` of a request: Kestra's `{start, end, inputs, labels}` plus our `reprocess`, `order`, `maxConcurrency`, `latestRevision` and `failurePolicy`. */
// Checked in this order; the first failing field is the one reported (as before schemas).
export const backfillFields = z.object(
  {
    start: zonedDateTime,
    end: zonedDateTime
      .nullish()
      .transform((end) => end ?? null)
      .meta({ description: 'Inclusive; null or absent means now.' }),
    inputs: z
      .record(z.string(), z.unknown(), { error: (issue) => `expected an object mapping input ids to values, got ${describe(issue.input)}` })
      .nullish()
      .transform((inputs) => inputs ?? null)
      .meta({ description: "Merged over the trigger's own inputs; checked against the flow's inputs." }),
    reprocess: z
      .enum(REPROCESS_MODES, { error: (issue) => `expected one of ${REPROCESS_MODES.join(', ')}, got ${describe(issue.input)}` })
      .nullish()
      .transform((reprocess) => reprocess ?? 'ALL')
      .meta({ description: 'Which ticks to replay: every one (ALL, the default), those without a success, those without any execution.' }),
    order: z
      .enum(BACKFILL_ORDERS, { error: (issue) => `expected one of ${BACKFILL_ORDERS.join(', ')}, got ${describe(issue.input)}` })
      .nullish()
      .transform((order) => order ?? 'OLDEST_FIRST')
      .meta({
        description: "Which ticks run first: OLDEST_FIRST (Kestra's, the default) or NEWEST_FIRST (from the window's end back, Airflow's run_backwards).",
      }),
    labels: labelsField.optional().transform((labels) => labels ?? []),
    maxConcurrency: maxConcurrencyField
      .nullish()
      .transform((maxConcurrency) => maxConcurrency ?? null)
      .meta({
        description: "Executions of this backfill in flight (queued or running) at once, at most: 1 to the service's BACKFILL_MAX_IN_FLIGHT (its default).",
      }),
    latestRevision: z
      .boolean({ error: (issue) => `expected true or false, got ${describe(issue.input)}` })
      .nullish()
      .transform((latest) => latest ?? false)
      .meta({
        description:
          "false (the default): the backfill pins the flow's current revision (`backfill.flowRevision`), and editing the flow meanwhile changes nothing its executions run; true: each execution runs the revision the flow has when it is dispatched.",
      }),
    failurePolicy: failurePolicyField
      .nullish()
      .transform((policy) => policy ?? null)
      .meta({ description: 'When more of its executions FAIL than tolerated, the backfill pauses (PAUSE) or is cancelled (CANCEL). None by default.' }),
    notify: z
      .object(
        {
          webhook: z.string({ error: (issue) => `expected an https URL, got ${describe(issue.input)}` }).meta({
            description:
              'POSTed the final event (counts, timings) when the backfill completes, is cancelled, fails or pauses on its failure policy, header X-Backfill-Event-Id for deduplication. https only (plain http only to this machine, locally); never shown back in full.',
          }),
        },
        { error: (issue) => `expected an object with "webhook", got ${describe(issue.input)}` },
      )
      .nullish()
      .transform((notify) => notify ?? null)
      .meta({ description: 'Where the final notification is sent besides the lifecycle event (EventBridge on AWS).' }),
  },
  { error: (issue) => `expected an object with at least "start", got ${describe(issue.input)}` },
);

/** `backfill` as a client sends it (what the UI builds). */
export type BackfillFieldsJson = z.input<typeof backfillFields>;

/** The typed command a backfill body becomes. */
export function toBackfillRequest(ref: { namespace: string; flowId: string; triggerId: string }, backfill: z.output<typeof backfillFields>): BackfillRequest {
  return { namespace: ref.namespace, flowId: ref.flowId, triggerId: ref.triggerId, ...backfill };
}

/**
 * `POST /triggers/backfill/preview`, and `PUT /triggers` with a `backfill`: the trigger and the
 * window to replay. Checks against the flow and the clock come later, in `planBackfill`.
 */
export const createBackfillBody = z
  .object({ ...triggerRefFields, backfill: backfillFields }, { error: jsonObjectError })
  .transform(({ backfill, ...ref }): BackfillRequest => toBackfillRequest(ref, backfill));

/** What `PUT …/triggers/backfill/update` asks: a running backfill's new settings (every active one's, without `backfillId`). */
export interface UpdateBackfillCommand {
  ref: BackfillTarget;
  maxConcurrency: number;
}

/** `PUT …/triggers/backfill/update`: `{namespace, flowId, triggerId, backfill: {maxConcurrency}}`. */
export const updateBackfillBody = z
  .object(
    {
      ...triggerRefFields,
      backfillId: backfillIdField,
      backfill: z.object(
        {
          maxConcurrency: maxConcurrencyField.meta({
            description: "1 to the service's BACKFILL_MAX_IN_FLIGHT; applies from dispatch's next check, within seconds.",
          }),
        },
        { error: (issue) => `expected an object with "maxConcurrency", got ${describe(issue.input)}` },
      ),
    },
    { error: jsonObjectError },
  )
  .transform(
    ({ backfill, namespace, flowId, triggerId, backfillId }): UpdateBackfillCommand => ({
      ref: { namespace, flowId, triggerId, ...(backfillId === undefined ? {} : { backfillId }) },
      maxConcurrency: backfill.maxConcurrency,
    }),
  );
