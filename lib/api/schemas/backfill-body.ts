import { z } from 'zod';
import { type BackfillRequest, REPROCESS_MODES } from '../../domain/backfill';
import { describe } from '../../domain/flow/values';
import { labelsField } from './labels-field';
import { jsonObjectError, triggerRefFields } from './trigger-ref-body';
import { zonedDateTime } from './zoned-date-time';
import type { TriggerRef } from '../../domain/trigger-state';

/** A backfill's bound on executions in flight; its upper limit is the service's, checked by the use case (`checkMaxConcurrency`). */
const maxConcurrencyField = z
  .number({ error: (issue) => `expected a positive integer, got ${describe(issue.input)}` })
  .int({ error: (issue) => `expected a positive integer, got ${describe(issue.input)}` })
  .min(1, { error: (issue) => `expected a positive integer, got ${describe(issue.input)}` });

/** `backfill` of a request: Kestra's `{start, end, inputs, labels}` plus our `reprocess`, `maxConcurrency`, `latestRevision`. */
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

/** What `PUT …/triggers/backfill/update` asks: a running backfill's new settings. */
export interface UpdateBackfillCommand {
  ref: TriggerRef;
  maxConcurrency: number;
}

/** `PUT …/triggers/backfill/update`: `{namespace, flowId, triggerId, backfill: {maxConcurrency}}`. */
export const updateBackfillBody = z
  .object(
    {
      ...triggerRefFields,
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
    ({ backfill, namespace, flowId, triggerId }): UpdateBackfillCommand => ({ ref: { namespace, flowId, triggerId }, maxConcurrency: backfill.maxConcurrency }),
  );
