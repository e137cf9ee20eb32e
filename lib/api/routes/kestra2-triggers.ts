/**
 * Kestra 2.x's trigger routes (`/api/v1/{tenant}/triggers/…`): the same use cases as the 1.x routes
 * in ./triggers.ts; only the request parsing, the answer's shape (`ApiTriggerState`) and the error
 * statuses (lib/api/kestra2/error-response.ts) differ.
 */
import { deleteBackfill, pauseBackfill, unpauseBackfill, updateBackfill } from '../../app/backfill-control';
import { cancelBackfill } from '../../app/backfill-cancel';
import { createBackfill } from '../../app/backfills';
import { getFlow } from '../../app/flows';
import { backfillTimeline } from '../../app/backfill-timeline';
import { triggerView } from '../../app/trigger-view';
import type { BackfillTarget, TriggerState } from '../../domain/trigger-state';
import { type HttpResponse, json } from '../http';
import { type ApiTriggerState, toApiTriggerState } from '../kestra2/api-trigger-state';
import { KESTRA2_BASE } from '../kestra2/tenant';
import { jsonBody, pathParam } from '../params';
import type { PagedResults } from '../responses';
import type { ApiDeps, Route } from '../router';
import { triggerRefOf } from './triggers';
import {
  backfillTimelineQuery,
  createBackfillBody,
  flowTriggersQuery,
  pageOf,
  parseBody,
  parseQuery,
  backfillTargetBody,
  updateBackfillBody,
} from '../schemas';

const apiTriggerState = async (deps: ApiDeps, state: TriggerState): Promise<HttpResponse> => json(200, toApiTriggerState(await triggerView(deps, state)));

const BACKFILL_ACTIONS = [
  // Kestra uses PUT for pause and unpause, POST for delete.
  { method: 'PUT', name: 'pause', action: pauseBackfill },
  { method: 'PUT', name: 'unpause', action: unpauseBackfill },
  { method: 'POST', name: 'delete', action: deleteBackfill },
] as const satisfies { method: string; name: string; action: (deps: ApiDeps, target: BackfillTarget) => Promise<TriggerState> }[];

/** Paths under `/api/v1/{tenant}`; the router checks the tenant and maps errors with `toKestra2ErrorResponse`. */
export const kestra2TriggerRoutes: Route[] = [
  {
    method: 'PUT',
    path: '/triggers/backfill/create',
    handler: async (deps, request) => apiTriggerState(deps, await createBackfill(deps, parseBody(createBackfillBody, jsonBody(request)))),
  },
  ...BACKFILL_ACTIONS.map(
    ({ method, name, action }): Route => ({
      method,
      path: `/triggers/backfill/${name}`,
      handler: async (deps, request) => apiTriggerState(deps, await action(deps, parseBody(backfillTargetBody, jsonBody(request)))),
    }),
  ),
  {
    // Beyond Kestra: delete that also kills the backfill's running and queued executions (409 without one).
    method: 'POST',
    path: '/triggers/backfill/cancel',
    handler: async (deps, request) =>
      apiTriggerState(
        deps,
        await cancelBackfill(deps, parseBody(backfillTargetBody, jsonBody(request)), `asked by POST ${KESTRA2_BASE}/triggers/backfill/cancel`),
      ),
  },
  {
    // Beyond Kestra: a running backfill's concurrency, changed in place (409 without one).
    method: 'PUT',
    path: '/triggers/backfill/update',
    handler: async (deps, request) => {
      const { ref, maxConcurrency } = parseBody(updateBackfillBody, jsonBody(request));
      return apiTriggerState(deps, await updateBackfill(deps, ref, maxConcurrency));
    },
  },
  {
    method: 'GET',
    path: '/triggers/{namespace}/{flowId}',
    handler: async (deps, request, params) => {
      const namespace = pathParam(params, 'namespace', 'namespace');
      const flowId = pathParam(params, 'flowId', 'flowId');
      const { q, ...paging } = parseQuery(flowTriggersQuery, request.query);
      await getFlow(deps, namespace, flowId);
      const rows = (await deps.triggers.listByFlow(namespace, flowId))
        .filter((row) => !q || row.triggerId.includes(q))
        .sort((a, b) => a.triggerId.localeCompare(b.triggerId));
      const results = await Promise.all(pageOf(rows, paging).map(async (row) => toApiTriggerState(await triggerView(deps, row))));
      const page: PagedResults<ApiTriggerState> = { results, total: rows.length };
      return json(200, page);
    },
  },
  {
    // Beyond Kestra: the running backfill's timeline; 409 without one, as pause is.
    method: 'GET',
    path: '/triggers/{namespace}/{flowId}/{triggerId}/backfill/timeline',
    handler: async (deps, request, params) => {
      const { buckets, backfillId } = parseQuery(backfillTimelineQuery, request.query);
      return json(200, await backfillTimeline(deps, { ...triggerRefOf(params), ...(backfillId ? { backfillId } : {}) }, buckets));
    },
  },
];
