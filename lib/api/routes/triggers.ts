import { BACKFILL_ACTIONS, applyByQuery, applyByTriggers, setDisabledByTriggers } from '../../app/backfill-control';
import { ValidationError } from '../../domain/flow/errors';
import { previewBackfill, setDisabled, updateTrigger } from '../../app/backfills';
import { getFlow } from '../../app/flows';
import { triggerView } from '../../app/trigger-view';
import type { Services } from '../../services';
import type { TriggerState } from '../../domain/trigger-state';
import { json } from '../http';
import { jsonBody, paged } from '../params';
import { inNamespace } from '../../domain/namespaces';
import type { Route } from '../router';

const view = async (svc: Services, state: TriggerState) => json(200, await triggerView(svc, state));

const actionRoutes: Route[] = (['pause', 'unpause', 'delete'] as const).flatMap((name) => {
  const action = BACKFILL_ACTIONS[name];
  // Kestra uses PUT for pause/unpause and POST for delete.
  const method = name === 'delete' ? 'POST' : 'PUT';
  return [
    { method, path: `/triggers/backfill/${name}`, handler: async (svc, request) => view(svc, await action(svc, jsonBody(request))) },
    { method: 'POST', path: `/triggers/backfill/${name}/by-triggers`, handler: async (svc, request) => json(200, await applyByTriggers(svc, jsonBody(request), action)) },
    {
      method: 'POST',
      path: `/triggers/backfill/${name}/by-query`,
      handler: async (svc, request) =>
        json(200, await applyByQuery(svc, { namespace: request.query.get('namespace') || undefined, flowId: request.query.get('flowId') || undefined }, action)),
    },
  ] satisfies Route[];
});

export const triggerRoutes: Route[] = [
  {
    // Kestra's classic backfill call: a Trigger body with `backfill` starts one (the seed's curl and Python calls).
    method: 'PUT',
    path: '/triggers',
    handler: async (svc, request) => view(svc, await updateTrigger(svc, jsonBody(request))),
  },
  {
    // Beyond Kestra: a dry run of the PUT above, with the same body and the same 400s; writes nothing.
    method: 'POST',
    path: '/triggers/backfill/preview',
    handler: async (svc, request) => json(200, await previewBackfill(svc, jsonBody(request))),
  },
  ...actionRoutes,
  {
    method: 'POST',
    path: '/triggers/set-disabled/by-triggers',
    handler: async (svc, request) => json(200, await setDisabledByTriggers(svc, jsonBody(request))),
  },
  {
    method: 'POST',
    path: '/triggers/set-disabled/by-query',
    handler: async (svc, request) => {
      const raw = request.query.get('disabled') ?? 'true';
      if (raw !== 'true' && raw !== 'false') throw new ValidationError('disabled', `expected true or false, got "${raw}"`);
      const query = { namespace: request.query.get('namespace') || undefined, flowId: request.query.get('flowId') || undefined };
      return json(200, await applyByQuery(svc, query, (s, ref) => setDisabled(s, ref, raw === 'true'), 'any'));
    },
  },
  {
    method: 'GET',
    path: '/triggers/search',
    handler: async (svc, request) => {
      const namespace = request.query.get('namespace') || undefined;
      const flowId = request.query.get('flowId') || undefined;
      const rows = (await svc.triggers.list())
        .filter((r) => inNamespace(r.namespace, namespace) && (!flowId || r.flowId === flowId))
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.flowId.localeCompare(b.flowId) || a.triggerId.localeCompare(b.triggerId));
      const pageRows = paged(request, rows, 10);
      const results = await Promise.all(
        pageRows.map(async (row) => {
          const flow = await svc.flows.get(row.namespace, row.flowId);
          return { abstractTrigger: flow?.triggers.find((t) => t.id === row.triggerId) ?? null, triggerContext: await triggerView(svc, row) };
        }),
      );
      return json(200, { results, total: rows.length });
    },
  },
  {
    method: 'GET',
    path: '/triggers/{namespace}/{flowId}',
    handler: async (svc, _request, { namespace, flowId }) => {
      await getFlow(svc, namespace, flowId);
      const rows = await svc.triggers.listByFlow(namespace, flowId);
      return json(200, { results: await Promise.all(rows.map((row) => triggerView(svc, row))), total: rows.length });
    },
  },
];
