/**
 * The query parameters of Kestra 2.x's searches besides their `filters[…]` (lib/api/kestra2/filters.ts,
 * read apart: their names are not fixed): `page`, `size`, `sort`, and the 1.x parameters these paths
 * took before under `/api/v1/main/…`, kept with their 1.x meaning so no such call changes meaning.
 */
import { z } from 'zod';
import { EXECUTION_FILTERS } from '../kestra2/execution-filters';
import { type FilterRules, describeFilters } from '../kestra2/filters';
import { LOG_FILTERS } from '../kestra2/log-filters';
import { TRIGGER_FILTERS } from '../kestra2/trigger-filters';
import { executionSearchFilterFields, withinDeepestResult } from './execution-search-query';
import { cursor } from './log-queries';
import { pagingFields } from './paging-query';
import { triggerSelectionFields } from './trigger-queries';

export interface SortOrder<F extends string> {
  field: F;
  order: 'asc' | 'desc';
}

/**
 * Kestra's `sort` parameter, `FIELD:asc` or `FIELD:desc` (ascending without a direction), repeatable:
 * the first sorts, the next break ties. `fields` are those the search can sort by; `why` says why
 * the others are not served.
 */
function sortParam<F extends string>(fields: readonly F[], orders: readonly ('asc' | 'desc')[], why: string) {
  const served = fields.flatMap((field) => orders.map((order) => `${field}:${order}`));
  return z
    .array(z.string())
    .optional()
    .transform((values = [], ctx): SortOrder<F>[] => {
      const sorts: SortOrder<F>[] = [];
      for (const value of values.filter(Boolean)) {
        const [field = '', order = 'asc'] = value.split(':');
        if (!fields.includes(field as F) || !orders.includes(order as 'asc' | 'desc')) {
          ctx.issues.push({ code: 'custom', input: value, message: `cannot sort by "${value}" (${why}); expected one of ${served.join(', ')}` });
          return z.NEVER;
        }
        sorts.push({ field: field as F, order: order as 'asc' | 'desc' });
      }
      return sorts;
    })
    .meta({ description: `FIELD:asc or FIELD:desc, repeatable: ${served.join(', ')}.` });
}

/** Kestra 2.x's `GET /{tenant}/executions/search`: newest first only, the order its index is read in. */
export const kestra2ExecutionSearchQuery = z
  .object({
    ...executionSearchFilterFields,
    ...pagingFields(10),
    sort: sortParam(['state.startDate', 'startDate'], ['desc'], 'executions are read newest first, in the order of their index'),
  })
  .superRefine(withinDeepestResult);

export type TriggerSortField = 'namespace' | 'flowId' | 'triggerId' | 'nextEvaluationDate' | 'updatedAt';

/** Kestra 2.x's `GET /{tenant}/triggers/search`. */
export const kestra2TriggerSearchQuery = z.object({
  ...triggerSelectionFields,
  ...pagingFields(10),
  sort: sortParam<TriggerSortField>(
    ['namespace', 'flowId', 'triggerId', 'nextEvaluationDate', 'updatedAt'],
    ['asc', 'desc'],
    'not a field of the trigger state',
  ),
});

/** Kestra 2.x's `GET /{tenant}/triggers/export/by-query/csv`. */
export const kestra2TriggerExportQuery = z.object(triggerSelectionFields);

/**
 * Lines a logs search reads at most, matching or not: the whole log of two attempts at the worker's
 * caps (WORKER_LOG_MAX_LINES, 10,000 lines an attempt). Deeper pages are refused; a cursor reaches on.
 */
export const LOG_SEARCH_EXAMINE_AT_MOST = 20_000;

/** Kestra 2.x's `GET /{tenant}/logs/search`: the 1.x `executionId` and `cursor` beside `filters[…]`, `page` and `size`. */
export const kestra2LogSearchQuery = z
  .object({
    executionId: z.string().optional().meta({ description: 'The 1.x form of filters[executionId][EQUALS].' }),
    cursor,
    ...pagingFields(10),
    sort: sortParam(['timestamp'], ['asc'], 'a log is read in the order it was written'),
  })
  .superRefine(({ page, size }, ctx) => {
    if (page * size <= LOG_SEARCH_EXAMINE_AT_MOST) return;
    ctx.issues.push({
      code: 'custom',
      path: ['page'],
      input: page,
      message: `expected page × size at most ${LOG_SEARCH_EXAMINE_AT_MOST.toLocaleString('en-US')} (the lines a logs search reads), got ${page} × ${size}; read on with the cursor of an earlier page`,
    });
  });

/**
 * `schema` with its `filters` documented, for the request schemas (and so the OpenAPI document):
 * Kestra's clients send them as `filters[FIELD][OPERATION]=VALUE`, an OpenAPI deepObject. The
 * routes parse the filters apart (lib/api/kestra2/filters.ts) and `schema` without them.
 */
export function withFilters<S extends z.ZodObject>(schema: S, rules: FilterRules<string>) {
  return schema.safeExtend({
    filters: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .optional()
      .meta({ description: describeFilters(rules) }),
  });
}

/** The 2.x searches' queries as documented, filters included (see `withFilters`). */
export const KESTRA2_SEARCH_SCHEMAS = {
  'GET /{tenant}/executions/search': { query: withFilters(kestra2ExecutionSearchQuery, EXECUTION_FILTERS) },
  'GET /{tenant}/logs/search': { query: withFilters(kestra2LogSearchQuery, LOG_FILTERS) },
  'GET /{tenant}/triggers/search': { query: withFilters(kestra2TriggerSearchQuery, TRIGGER_FILTERS) },
  'GET /{tenant}/triggers/export/by-query/csv': { query: withFilters(kestra2TriggerExportQuery, TRIGGER_FILTERS) },
} as const;
