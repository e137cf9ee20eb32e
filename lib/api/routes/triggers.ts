import {
  type TriggerAction,
  applyToTriggers,
  deleteBackfill,
  pauseBackfill,
  selectTriggers,
  unpauseBackfill,
  updateBackfill,
} from '../../app/backfill-control';
import { cancelBackfill } from '../../app/backfill-cancel';
import { createBackfill, previewBackfill, setDisabled } from '../../app/backfills';
import { getFlow } from '../../app/flows';
import { backfillTimeline } from '../../app/backfill-timeline';
import { triggerView } from '../../app/trigger-view';
import { inNamespace } from '../../domain/namespaces';
import type { BackfillTarget, TriggerRef, TriggerState } from '../../domain/trigger-state';
import { type HttpResponse, json } from '../http';
import { jsonBody, pathParam } from '../params';
import type { PagedResults, TriggerSearchResult } from '../responses';
import type { ApiDeps, Route } from '../router';
import {
  type UpdateTriggerCommand,
  createBackfillBody,
  pageOf,
  parseBody,
  parseQuery,
  setDisabledByTriggersBody,
  setDisabledQuery,
  backfillTargetBody,
  backfillTimelineQuery,
  triggerRefsBody,
  triggerSearchQuery,
  triggerSelectionQuery,
  updateBackfillBody,
  updateTriggerBody,
} from '../schemas';

const view = async (deps: ApiDeps, state: TriggerState): Promise<HttpResponse> => json(200, await triggerView(deps, state));

type BackfillActionName = 'pause' | 'unpause' | 'delete';

const BACKFILL_ACTIONS: Record<BackfillActionName, (deps: ApiDeps, target: BackfillTarget) => Promise<TriggerState>> = {
  pause: pauseBackfill,
  unpause: unpauseBackfill,
  delete: deleteBackfill,
};

/** A bulk form: `by-triggers` (a JSON array of references) or `by-query` (namespace, flowId). */
type BulkForm = 'by-triggers' | 'by-query';

/**
 * `POST /triggers/backfill/{name}/by-triggers` and `…/by-query`, answering how many triggers
 * changed; `bound` gives the action on one trigger (every backfill of it) for the form asked.
 */
function bulkRoutes(name: string, bound: (deps: ApiDeps, form: BulkForm) => TriggerAction): Route[] {
  return [
    {
      method: 'POST',
      path: `/triggers/backfill/${name}/by-triggers`,
      handler: async (deps, request) => json(200, await applyToTriggers(parseBody(triggerRefsBody, jsonBody(request)), bound(deps, 'by-triggers'))),
    },
    {
      method: 'POST',
      path: `/triggers/backfill/${name}/by-query`,
      handler: async (deps, request) => {
        const query = parseQuery(triggerSelectionQuery, request.query);
        return json(200, await applyToTriggers(await selectTriggers(deps, query, 'backfill'), bound(deps, 'by-query')));
      },
    },
  ];
}

const actionRoutes: Route[] = (['pause', 'unpause', 'delete'] as const).flatMap((name) => {
  const action = BACKFILL_ACTIONS[name];
  // Kestra uses PUT for pause/unpause and POST for delete.
  const method = name === 'delete' ? 'POST' : 'PUT';
  return [
    {
      method,
      path: `/triggers/backfill/${name}`,
      handler: async (deps, request) => view(deps, await action(deps, parseBody(backfillTargetBody, jsonBody(request)))),
    },
    ...bulkRoutes(name, (deps) => (ref) => action(deps, ref)),
  ] satisfies Route[];
});

/** `PUT /api/v1/triggers`: everything is validated before anything is written. */
function updateTrigger(deps: ApiDeps, command: UpdateTriggerCommand): Promise<TriggerState> {
  switch (command.action) {
    case 'CREATE_BACKFILL':
      return createBackfill(deps, command.request);
    case 'SET_DISABLED':
      return setDisabled(deps, command.ref, command.disabled);
  }
}

export const triggerRoutes: Route[] = [
  {
    method: 'PUT',
    path: '/triggers',
    handler: async (deps, request) => view(deps, await updateTrigger(deps, parseBody(updateTriggerBody, jsonBody(request)))),
  },
  {
    // Beyond Kestra: a dry run of the PUT above, with the same body and the same 400s; writes nothing.
    method: 'POST',
    path: '/triggers/backfill/preview',
    handler: async (deps, request) => json(200, await previewBackfill(deps, parseBody(createBackfillBody, jsonBody(request)))),
  },
  ...actionRoutes,
  {
    // Beyond Kestra (the 2.x route's 1.x twin): delete that also kills the backfill's running and queued executions.
    method: 'POST',
    path: '/triggers/backfill/cancel',
    handler: async (deps, request) =>
      view(deps, await cancelBackfill(deps, parseBody(backfillTargetBody, jsonBody(request)), 'asked by POST /api/v1/triggers/backfill/cancel')),
  },
  // Beyond Kestra: cancel in bulk, each trigger's every backfill (its executions killed), as delete's bulk forms.
  ...bulkRoutes('cancel', (deps, form) => (ref) => cancelBackfill(deps, ref, `asked by POST /api/v1/triggers/backfill/cancel/${form}`)),
  {
    // Beyond Kestra: a running backfill's concurrency, changed in place (the 2.x route's 1.x twin).
    method: 'PUT',
    path: '/triggers/backfill/update',
    handler: async (deps, request) => {
      const { ref, maxConcurrency } = parseBody(updateBackfillBody, jsonBody(request));
      return view(deps, await updateBackfill(deps, ref, maxConcurrency));
    },
  },
  {
    method: 'POST',
    path: '/triggers/set-disabled/by-triggers',
    handler: async (deps, request) => {
      const { triggers, disabled } = parseBody(setDisabledByTriggersBody, jsonBody(request));
      return json(200, await applyToTriggers(triggers, (ref) => setDisabled(deps, ref, disabled)));
    },
  },
  {
    method: 'POST',
    path: '/triggers/set-disabled/by-query',
    handler: async (deps, request) => {
      const { disabled, ...query } = parseQuery(setDisabledQuery, request.query);
      const refs = await selectTriggers(deps, query, 'any');
      return json(200, await applyToTriggers(refs, (ref) => setDisabled(deps, ref, disabled)));
    },
  },
  {
    method: 'GET',
    path: '/triggers/search',
    handler: async (deps, request) => {
      const { namespace, flowId, ...paging } = parseQuery(triggerSearchQuery, request.query);
      const rows = (await deps.triggers.list())
        .filter((r) => inNamespace(r.namespace, namespace) && (!flowId || r.flowId === flowId))
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.flowId.localeCompare(b.flowId) || a.triggerId.localeCompare(b.triggerId));
      const results = await Promise.all(
        pageOf(rows, paging).map(async (row): Promise<TriggerSearchResult> => {
          const flow = await deps.flows.get(row.namespace, row.flowId);
          return { abstractTrigger: flow?.triggers.find((t) => t.id === row.triggerId) ?? null, triggerContext: await triggerView(deps, row) };
        }),
      );
      const page: PagedResults<TriggerSearchResult> = { results, total: rows.length };
      return json(200, page);
    },
  },
  {
    method: 'GET',
    path: '/triggers/{namespace}/{flowId}',
    handler: async (deps, _request, params) => {
      const namespace = pathParam(params, 'namespace', 'namespace');
      const flowId = pathParam(params, 'flowId', 'flowId');
      await getFlow(deps, namespace, flowId);
      const rows = await deps.triggers.listByFlow(namespace, flowId);
      return json(200, { results: await Promise.all(rows.map((row) => triggerView(deps, row))), total: rows.length });
    },
  },
  {
    // Beyond Kestra: the running backfill's timeline (the web UI's strip); 400 without one, as pause is.
    method: 'GET',
    path: '/triggers/{namespace}/{flowId}/{triggerId}/backfill/timeline',
    handler: async (deps, request, params) => {
      const { buckets, backfillId } = parseQuery(backfillTimelineQuery, request.query);
      return json(200, await backfillTimeline(deps, { ...triggerRefOf(params), ...(backfillId ? { backfillId } : {}) }, buckets));
    },
  },
];

/** The trigger a route's path names. */
export function triggerRefOf(params: Record<string, string>): TriggerRef {
  return {
    namespace: pathParam(params, 'namespace', 'namespace'),
    flowId: pathParam(params, 'flowId', 'flowId'),
    triggerId: pathParam(params, 'triggerId', 'triggerId'),
  };
}
