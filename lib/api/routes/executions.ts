import { executionLogs } from '../../app/execution-logs';
import { ExecutionNotFoundError } from '../../domain/errors';
import { json } from '../http';
import { pathParam } from '../params';
import { executionSearchQuery, parseQuery } from '../schemas';
import type { Route } from '../router';

export const executionRoutes: Route[] = [
  {
    method: 'GET',
    path: '/executions/search',
    handler: async (deps, request) => {
      const { state, ...query } = parseQuery(executionSearchQuery, request.query);
      return json(200, await deps.executions.search({ ...query, states: state }));
    },
  },
  {
    method: 'GET',
    path: '/executions/{id}',
    handler: async (deps, _request, params) => {
      const id = pathParam(params, 'id', 'executionId');
      const stored = await deps.executions.get(id);
      if (!stored) throw new ExecutionNotFoundError(`Execution ${id} not found`);
      return json(200, stored.execution);
    },
  },
  {
    method: 'GET',
    path: '/logs/{executionId}',
    handler: async (deps, _request, params) => {
      const executionId = pathParam(params, 'executionId', 'executionId');
      const stored = await deps.executions.get(executionId);
      if (!stored) throw new ExecutionNotFoundError(`Execution ${executionId} not found`);
      return json(200, await executionLogs(deps, executionId));
    },
  },
];
