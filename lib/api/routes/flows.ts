import { createFlow, deleteFlow, getFlow, toFlowJson, updateFlow } from '../../app/flows';
import { ValidationError } from '../../domain/flow/errors';
import { type HttpRequest, json, noContent } from '../http';
import { intParam } from '../params';
import type { Route } from '../router';

function yamlBody(request: HttpRequest): string {
  if (!request.body || request.body.trim() === '') {
    throw new ValidationError('body', 'expected the flow as YAML (Content-Type: application/x-yaml), got an empty body');
  }
  return request.body;
}

export const flowRoutes: Route[] = [
  {
    method: 'POST',
    path: '/flows',
    handler: async (svc, request) => json(200, toFlowJson(await createFlow(svc, yamlBody(request)))),
  },
  {
    method: 'GET',
    path: '/flows/search',
    handler: async (svc, request) => {
      const page = intParam(request, 'page', 1, 100_000);
      const size = intParam(request, 'size', 10, 1000);
      const namespace = request.query.get('namespace') || undefined;
      // Kestra's `namespace` filter matches the namespace and its children.
      const flows = (await svc.flows.list()).filter(
        (f) => !namespace || f.namespace === namespace || f.namespace.startsWith(`${namespace}.`),
      );
      const from = (page - 1) * size;
      return json(200, { results: flows.slice(from, from + size).map(toFlowJson), total: flows.length });
    },
  },
  {
    method: 'GET',
    path: '/flows/{namespace}/{id}',
    handler: async (svc, _request, { namespace, id }) => json(200, toFlowJson(await getFlow(svc, namespace, id))),
  },
  {
    method: 'PUT',
    path: '/flows/{namespace}/{id}',
    handler: async (svc, request, { namespace, id }) => json(200, toFlowJson(await updateFlow(svc, namespace, id, yamlBody(request)))),
  },
  {
    method: 'DELETE',
    path: '/flows/{namespace}/{id}',
    handler: async (svc, _request, { namespace, id }) => {
      await deleteFlow(svc, namespace, id);
      return noContent();
    },
  },
];
