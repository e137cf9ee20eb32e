import {
  type TriggerAction,
  type TriggerQuery,
  applyToTriggers,
  deleteBackfill,
  pauseBackfill,
  selectTriggers,
  unpauseBackfill,
} from '../../app/backfill-control';
import { createBackfill, previewBackfill, setDisabled } from '../../app/backfills';
import { getFlow } from '../../app/flows';
import { triggerView } from '../../app/trigger-view';
import { parseBackfillRequest, parseTriggerRef } from '../../domain/backfill';
import { ValidationError } from '../../domain/flow/errors';
import { inNamespace } from '../../domain/namespaces';
import type { TriggerRef, TriggerState } from '../../domain/trigger-state';
import { type HttpRequest, type HttpResponse, json } from '../http';
import { jsonBody, paged } from '../params';
import type { ApiDeps, Route } from '../router';

const view = async (deps: ApiDeps, state: TriggerState): Promise<HttpResponse> => json(200, await triggerView(deps, state));

type BackfillActionName = 'pause' | 'unpause' | 'delete';

const BACKFILL_ACTIONS: Record<BackfillActionName, (deps: ApiDeps, ref: TriggerRef) => Promise<TriggerState>> = {
  pause: pauseBackfill,
  unpause: unpauseBackfill,
  delete: deleteBackfill,
};

/** A by-triggers body: a JSON array of trigger references; errors name the item. */
function triggerRefs(body: unknown): TriggerRef[] {
  if (!Array.isArray(body)) throw new ValidationError('body', 'expected a JSON array of {namespace, flowId, triggerId}');
  return body.map((item, i) => {
    try {
      return parseTriggerRef(item);
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError(`[${i}].${error.path}`, error.expected);
      throw error;
    }
  });
}

function triggerQuery(request: HttpRequest): TriggerQuery {
  return { namespace: request.query.get('namespace') || undefined, flowId: request.query.get('flowId') || undefined };
}

const actionRoutes: Route[] = (['pause', 'unpause', 'delete'] as const).flatMap((name) => {
  const action = BACKFILL_ACTIONS[name];
  // Kestra uses PUT for pause/unpause and POST for delete.
  const method = name === 'delete' ? 'POST' : 'PUT';
  const bound = (deps: ApiDeps): TriggerAction => (ref) => action(deps, ref);
  return [
    { method, path: `/triggers/backfill/${name}`, handler: async (deps, request) => view(deps, await action(deps, parseTriggerRef(jsonBody(request)))) },
    {
      method: 'POST',
      path: `/triggers/backfill/${name}/by-triggers`,
      handler: async (deps, request) => json(200, await applyToTriggers(triggerRefs(jsonBody(request)), bound(deps))),
    },
    {
      method: 'POST',
      path: `/triggers/backfill/${name}/by-query`,
      handler: async (deps, request) => json(200, await applyToTriggers(await selectTriggers(deps, triggerQuery(request), 'backfill'), bound(deps))),
    },
  ] satisfies Route[];
});

/**
 * `PUT /api/v1/triggers`: with a `backfill`, starts one (the seed's curl and Python calls);
 * otherwise applies `disabled`. Everything is validated before anything is written.
 */
async function updateTrigger(deps: ApiDeps, body: unknown): Promise<TriggerState> {
  const fields = body as Record<string, unknown> | null;
  if (fields && typeof fields === 'object' && !Array.isArray(fields) && (fields.backfill === undefined || fields.backfill === null)) {
    if (typeof fields.disabled === 'boolean') return setDisabled(deps, parseTriggerRef(body), fields.disabled);
    if (fields.disabled === undefined) {
      throw new ValidationError('backfill', 'expected an object with at least "start" (or "disabled": true/false to switch the trigger)');
    }
    throw new ValidationError('disabled', `expected true or false, got ${JSON.stringify(fields.disabled)}`);
  }
  return createBackfill(deps, parseBackfillRequest(body));
}

export const triggerRoutes: Route[] = [
  {
    method: 'PUT',
    path: '/triggers',
    handler: async (deps, request) => view(deps, await updateTrigger(deps, jsonBody(request))),
  },
  {
    // Beyond Kestra: a dry run of the PUT above, with the same body and the same 400s; writes nothing.
    method: 'POST',
    path: '/triggers/backfill/preview',
    handler: async (deps, request) => json(200, await previewBackfill(deps, parseBackfillRequest(jsonBody(request)))),
  },
  ...actionRoutes,
  {
    // Kestra's body: `{triggers: [...], disabled}`.
    method: 'POST',
    path: '/triggers/set-disabled/by-triggers',
    handler: async (deps, request) => {
      const fields = jsonBody(request) as { triggers?: unknown; disabled?: unknown } | null;
      if (!fields || typeof fields !== 'object' || !Array.isArray(fields.triggers) || fields.triggers.length === 0) {
        throw new ValidationError('triggers', 'expected a non-empty array of {namespace, flowId, triggerId}');
      }
      const disabled = fields.disabled;
      if (typeof disabled !== 'boolean') throw new ValidationError('disabled', `expected true or false, got ${JSON.stringify(disabled ?? null)}`);
      return json(200, await applyToTriggers(triggerRefs(fields.triggers), (ref) => setDisabled(deps, ref, disabled)));
    },
  },
  {
    method: 'POST',
    path: '/triggers/set-disabled/by-query',
    handler: async (deps, request) => {
      const raw = request.query.get('disabled') ?? 'true';
      if (raw !== 'true' && raw !== 'false') throw new ValidationError('disabled', `expected true or false, got "${raw}"`);
      const refs = await selectTriggers(deps, triggerQuery(request), 'any');
      return json(200, await applyToTriggers(refs, (ref) => setDisabled(deps, ref, raw === 'true')));
    },
  },
  {
    method: 'GET',
    path: '/triggers/search',
    handler: async (deps, request) => {
      const namespace = request.query.get('namespace') || undefined;
      const flowId = request.query.get('flowId') || undefined;
      const rows = (await deps.triggers.list())
        .filter((r) => inNamespace(r.namespace, namespace) && (!flowId || r.flowId === flowId))
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.flowId.localeCompare(b.flowId) || a.triggerId.localeCompare(b.triggerId));
      const pageRows = paged(request, rows, 10);
      const results = await Promise.all(
        pageRows.map(async (row) => {
          const flow = await deps.flows.get(row.namespace, row.flowId);
          return { abstractTrigger: flow?.triggers.find((t) => t.id === row.triggerId) ?? null, triggerContext: await triggerView(deps, row) };
        }),
      );
      return json(200, { results, total: rows.length });
    },
  },
  {
    method: 'GET',
    path: '/triggers/{namespace}/{flowId}',
    handler: async (deps, _request, { namespace, flowId }) => {
      await getFlow(deps, namespace, flowId);
      const rows = await deps.triggers.listByFlow(namespace, flowId);
      return json(200, { results: await Promise.all(rows.map((row) => triggerView(deps, row))), total: rows.length });
    },
  },
];
