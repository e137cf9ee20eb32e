import { createFlow, deleteFlow, getFlow, listFlowRevisions, toFlowJson, updateFlow } from '../../app/flows';
import { ValidationError } from '../../domain/flow/errors';
import { type HttpRequest, json, noContent } from '../http';
import { inNamespace } from '../../domain/namespaces';
import { pathParam } from '../params';
import { flowSearchQuery, pageOf, parseQuery } from '../schemas';
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
    handler: async (deps, request) => json(200, toFlowJson(await createFlow(deps, yamlBody(request)))),
  },
  {
    method: 'GET',
    path: '/flows/search',
    handler: async (deps, request) => {
      const { namespace, ...paging } = parseQuery(flowSearchQuery, request.query);
      const flows = (await deps.flows.list()).filter((f) => inNamespace(f.namespace, namespace));
      return json(200, { results: pageOf(flows, paging).map(toFlowJson), total: flows.length });
    },
  },
  {
    method: 'GET',
    path: '/flows/{namespace}/{id}',
    handler: async (deps, _request, params) =>
      json(200, toFlowJson(await getFlow(deps, pathParam(params, 'namespace', 'namespace'), pathParam(params, 'id', 'flowId')))),
  },
  {
    method: 'GET',
    path: '/flows/{namespace}/{id}/revisions',
    handler: async (deps, _request, params) =>
      json(200, (await listFlowRevisions(deps, pathParam(params, 'namespace', 'namespace'), pathParam(params, 'id', 'flowId'))).map(toFlowJson)),
  },
  {
    method: 'PUT',
    path: '/flows/{namespace}/{id}',
    handler: async (deps, request, params) =>
      json(200, toFlowJson(await updateFlow(deps, pathParam(params, 'namespace', 'namespace'), pathParam(params, 'id', 'flowId'), yamlBody(request)))),
  },
  {
    method: 'DELETE',
    path: '/flows/{namespace}/{id}',
    handler: async (deps, _request, params) => {
      await deleteFlow(deps, pathParam(params, 'namespace', 'namespace'), pathParam(params, 'id', 'flowId'));
      return noContent();
    },
  },
];
