/**
 * The API's request schemas: one per body and per query, each parsed once in its route
 * (`parseBody`, `parseQuery`) into the typed command its use case takes. They also describe the
 * requests as JSON Schema (`requestJsonSchemas`), which the OpenAPI document is built from.
 */
import { z } from 'zod';
import { createBackfillBody, updateBackfillBody } from './backfill-body';
import { setDisabledByTriggersBody, triggerRefsBody } from './by-triggers-bodies';
import { executionSearchQuery } from './execution-search-query';
import { flowSearchQuery } from './flow-search-query';
import { TRIGGER_FILTERS } from '../kestra2/trigger-filters';
import { EXECUTION_FILTERS } from '../kestra2/execution-filters';
import { KESTRA2_SEARCH_SCHEMAS, withFilters } from './kestra2-queries';
import { executionIdsBody, kestra2ExecutionActionQuery } from './execution-action-bodies';
import { kestra2SetDisabledByTriggersBody, kestra2SetDisabledQuery, kestra2TriggerActionQuery, setDisabledBody } from './kestra2-trigger-bodies';
import { logDownloadQuery, logFollowQuery, logSearchQuery } from './log-queries';
import { backfillTimelineQuery, flowTriggersQuery, setDisabledQuery, triggerSearchQuery, triggerSelectionQuery } from './trigger-queries';
import { backfillTargetBody } from './trigger-ref-body';
import { updateTriggerBody } from './update-trigger-body';

export { type BackfillFieldsJson, createBackfillBody, updateBackfillBody } from './backfill-body';
export { setDisabledByTriggersBody, triggerRefsBody } from './by-triggers-bodies';
export { executionSearchQuery } from './execution-search-query';
export { executionIdsBody, kestra2ExecutionActionQuery } from './execution-action-bodies';
export { flowSearchQuery } from './flow-search-query';
export {
  LOG_SEARCH_EXAMINE_AT_MOST,
  type SortOrder,
  type TriggerSortField,
  kestra2ExecutionSearchQuery,
  kestra2LogSearchQuery,
  kestra2TriggerExportQuery,
  kestra2TriggerSearchQuery,
} from './kestra2-queries';
export { logDownloadQuery, logFollowQuery, logSearchQuery } from './log-queries';
export { pageOf } from './paging-query';
export { parseBody, parseQuery } from './parse-request';
export { backfillTimelineQuery, flowTriggersQuery, setDisabledQuery, triggerSearchQuery, triggerSelectionQuery } from './trigger-queries';
export { backfillTargetBody, triggerRefBody } from './trigger-ref-body';
export { type UpdateTriggerCommand, updateTriggerBody } from './update-trigger-body';
export { zonedDateTime } from './zoned-date-time';

/** Where a request carries what a schema describes. */
export interface RequestSchemas {
  body?: z.ZodType;
  query?: z.ZodObject;
}

/** Every request schema by the request it belongs to, e.g. `PUT /triggers` (a body) or `GET /flows/search` (a query). */
export const REQUEST_SCHEMAS = {
  'PUT /triggers': { body: updateTriggerBody },
  'POST /triggers/backfill/preview': { body: createBackfillBody },
  'PUT /triggers/backfill/pause': { body: backfillTargetBody },
  'PUT /triggers/backfill/unpause': { body: backfillTargetBody },
  'POST /triggers/backfill/delete': { body: backfillTargetBody },
  'POST /triggers/backfill/cancel': { body: backfillTargetBody },
  'PUT /triggers/backfill/update': { body: updateBackfillBody },
  'POST /triggers/backfill/{action}/by-triggers': { body: triggerRefsBody },
  'POST /triggers/backfill/{action}/by-query': { query: triggerSelectionQuery },
  'POST /triggers/set-disabled/by-triggers': { body: setDisabledByTriggersBody },
  'POST /triggers/set-disabled/by-query': { query: setDisabledQuery },
  'GET /triggers/search': { query: triggerSearchQuery },
  'GET /triggers/{namespace}/{flowId}/{triggerId}/backfill/timeline': { query: backfillTimelineQuery },
  'GET /flows/search': { query: flowSearchQuery },
  'GET /executions/search': { query: executionSearchQuery },
  'GET /logs/search': { query: logSearchQuery },
  'GET /logs/{executionId}/download': { query: logDownloadQuery },
  // Kestra 2.x's tenant-scoped routes (lib/api/routes/kestra2-triggers.ts).
  'PUT /{tenant}/triggers/backfill/create': { body: createBackfillBody },
  'PUT /{tenant}/triggers/backfill/pause': { body: backfillTargetBody },
  'PUT /{tenant}/triggers/backfill/unpause': { body: backfillTargetBody },
  'POST /{tenant}/triggers/backfill/delete': { body: backfillTargetBody },
  'POST /{tenant}/triggers/backfill/cancel': { body: backfillTargetBody },
  'PUT /{tenant}/triggers/backfill/update': { body: updateBackfillBody },
  'GET /{tenant}/triggers/{namespace}/{flowId}': { query: flowTriggersQuery },
  'GET /{tenant}/triggers/{namespace}/{flowId}/{triggerId}/backfill/timeline': { query: backfillTimelineQuery },
  // Kestra 2.x's asynchronous bulk actions and set-disabled (lib/api/routes/kestra2-trigger-actions.ts).
  'POST /{tenant}/triggers/backfill/{action}/by-triggers': { body: triggerRefsBody },
  'POST /{tenant}/triggers/backfill/{action}/by-query': { query: withFilters(kestra2TriggerActionQuery, TRIGGER_FILTERS) },
  'PUT /{tenant}/triggers/set-disabled': { body: setDisabledBody },
  'POST /{tenant}/triggers/set-disabled/by-triggers': { body: kestra2SetDisabledByTriggersBody },
  'POST /{tenant}/triggers/set-disabled/by-query': { query: withFilters(kestra2SetDisabledQuery, TRIGGER_FILTERS) },
  // lib/api/routes/kestra2-executions.ts
  'DELETE /{tenant}/executions/kill/by-ids': { body: executionIdsBody },
  'DELETE /{tenant}/executions/kill/by-query': { query: withFilters(kestra2ExecutionActionQuery, EXECUTION_FILTERS) },
  'POST /{tenant}/executions/restart/by-ids': { body: executionIdsBody },
  'POST /{tenant}/executions/restart/by-query': { query: withFilters(kestra2ExecutionActionQuery, EXECUTION_FILTERS) },
  'POST /{tenant}/executions/replay/by-ids': { body: executionIdsBody },
  'POST /{tenant}/executions/replay/by-query': { query: withFilters(kestra2ExecutionActionQuery, EXECUTION_FILTERS) },
  'GET /{tenant}/logs/{executionId}/download': { query: logDownloadQuery },
  'GET /{tenant}/logs/{executionId}/follow': { query: logFollowQuery },
  ...KESTRA2_SEARCH_SCHEMAS,
} as const satisfies Record<string, RequestSchemas>;

/** A JSON Schema (draft 2020-12) document. */
export type JsonSchema = Record<string, unknown>;

/** The JSON Schemas of one request: its body, or its query as an object whose properties are the parameters. */
export interface RequestJsonSchemas {
  body?: JsonSchema;
  query?: JsonSchema;
}

/**
 * The JSON Schema of what each request may send (zod's input side: before dates are parsed and
 * defaults filled in), keyed like `REQUEST_SCHEMAS`.
 */
export function requestJsonSchemas(): Record<keyof typeof REQUEST_SCHEMAS, RequestJsonSchemas> {
  const toJson = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  const entries = Object.entries(REQUEST_SCHEMAS).map(([request, schemas]: [string, RequestSchemas]) => [
    request,
    { ...(schemas.body ? { body: toJson(schemas.body) } : {}), ...(schemas.query ? { query: toJson(schemas.query) } : {}) },
  ]);
  return Object.fromEntries(entries) as Record<keyof typeof REQUEST_SCHEMAS, RequestJsonSchemas>;
}
