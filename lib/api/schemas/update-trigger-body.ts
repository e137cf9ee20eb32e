import { z } from 'zod';
import type { BackfillRequest } from '../../domain/backfill';
import type { TriggerRef } from '../../domain/trigger-state';
import { backfillFields, toBackfillRequest } from './backfill-body';
import { jsonObjectError, triggerRefFields } from './trigger-ref-body';

/** What `PUT /triggers` asks for: start a backfill, or switch the trigger on or off. */
export type UpdateTriggerCommand = { action: 'CREATE_BACKFILL'; request: BackfillRequest } | { action: 'SET_DISABLED'; ref: TriggerRef; disabled: boolean };

/** The message for a `disabled` that is not true or false: it shows the JSON value sent (`"yes"`, `null`). */
export const booleanError = (issue: { input?: unknown }): string => `expected true or false, got ${JSON.stringify(issue.input ?? null)}`;

/**
 * `PUT /triggers`: Kestra's Trigger JSON. With a `backfill`, it starts one (the seed's curl and
 * Python calls); without, it applies `disabled`.
 *
 * One object rather than a `z.union` of the two requests: a union that fails reports the issues of
 * every branch, while a client that sent a backfill wants to hear about its backfill only. So the
 * fields are checked once each (`disabled`, when present, must be true, false or null), and which
 * command the body is follows Kestra's own rule: a non-null `backfill` wins over `disabled`.
 */
export const updateTriggerBody = z
  .object(
    {
      ...triggerRefFields,
      backfill: backfillFields.nullish(),
      disabled: z.boolean({ error: booleanError }).nullish(),
    },
    { error: jsonObjectError },
  )
  .meta({ description: 'With a backfill, starts it; otherwise sets disabled.' })
  .transform(({ backfill, disabled, ...ref }, ctx): UpdateTriggerCommand => {
    if (backfill) return { action: 'CREATE_BACKFILL', request: toBackfillRequest(ref, backfill) };
    if (typeof disabled === 'boolean') return { action: 'SET_DISABLED', ref, disabled };
    if (disabled === undefined) {
      ctx.issues.push({
        code: 'custom',
        path: ['backfill'],
        input: backfill,
        message: 'expected an object with at least "start" (or "disabled": true/false to switch the trigger)',
      });
    } else {
      ctx.issues.push({ code: 'custom', path: ['disabled'], input: disabled, message: booleanError({ input: disabled }) });
    }
    return z.NEVER;
  });
