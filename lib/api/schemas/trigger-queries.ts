import { z } from 'zod';
import { MAX_LENGTH } from '../../domain/id-limits';
import { optionalName } from './names';
import { TIMELINE_CELLS } from '../../domain/timeline';
import { pagingFields, queryInt } from './paging-query';

/** Which triggers a 1.x by-query action or search selects: a namespace and its children, a flow id (the 2.x search reads them too). */
export const triggerSelectionFields = {
  namespace: optionalName('namespace', MAX_LENGTH.namespace).meta({ description: 'This namespace and the ones below it.' }),
  flowId: optionalName('flow id', MAX_LENGTH.flowId).meta({ description: 'Exactly this flow id.' }),
};

/** `POST /triggers/backfill/{pause,unpause,delete,cancel}/by-query`. */
export const triggerSelectionQuery = z.object(triggerSelectionFields);

/** A set-disabled by-query's `disabled` parameter: true when absent, as in Kestra. */
export const disabledParameter = z
  .string()
  .optional()
  .transform((raw, ctx): boolean => {
    if (raw === undefined || raw === 'true') return true;
    if (raw === 'false') return false;
    ctx.issues.push({ code: 'custom', input: raw, message: `expected true or false, got "${raw}"` });
    return z.NEVER;
  })
  .meta({ type: 'boolean', description: 'Default true.' });

/** `POST /triggers/set-disabled/by-query`: the selection, and `disabled`. */
export const setDisabledQuery = z.object({ ...triggerSelectionFields, disabled: disabledParameter });

/** `GET /triggers/search`. */
export const triggerSearchQuery = z.object({ ...triggerSelectionFields, ...pagingFields(10) });

/** Kestra 2.x's `GET /{tenant}/triggers/{namespace}/{flowId}`: a page of the flow's triggers, `q` a part of their ids. */
export const flowTriggersQuery = z.object({
  q: z.string().optional().meta({ description: 'Only triggers whose id contains this text.' }),
  ...pagingFields(10),
});

/** `GET …/triggers/{namespace}/{flowId}/{triggerId}/backfill/timeline`: at most `buckets` cells (the timeline's own, merged). */
export const backfillTimelineQuery = z.object({
  buckets: queryInt(TIMELINE_CELLS, TIMELINE_CELLS).meta({
    description: `At most this many cells, each a tick or a stretch of the window (default and most: ${TIMELINE_CELLS}).`,
  }),
  backfillId: z.string().min(1).optional().meta({ description: "Which of the trigger's active backfills (its `id`); without it, the earliest." }),
});
