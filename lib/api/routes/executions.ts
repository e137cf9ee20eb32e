import { ExecutionNotFoundError } from '../../domain/errors';
import type { StateType } from '../../domain/execution';
import { ValidationError } from '../../domain/flow/errors';
import { json } from '../http';
import { intParam, listParam } from '../params';
import type { Route } from '../router';

const STATES: StateType[] = ['CREATED', 'RUNNING', 'SUCCESS', 'FAILED', 'KILLED'];

export const executionRoutes: Route[] = [
  {
    method: 'GET',
    path: '/executions/search',
    handler: async (deps, request) => {
      const labels = listParam(request, 'labels').map((pair, i) => {
        const at = pair.indexOf(':');
        if (at <= 0) throw new ValidationError(`labels[${i}]`, `expected key:value, got "${pair}"`);
        return { key: pair.slice(0, at), value: pair.slice(at + 1) };
      });
      const states = listParam(request, 'state').map((state) => {
        if (!STATES.includes(state as StateType)) throw new ValidationError('state', `unknown state "${state}"; expected one of ${STATES.join(', ')}`);
        return state as StateType;
      });
      const result = await deps.executions.search({
        namespace: request.query.get('namespace') || undefined,
        flowId: request.query.get('flowId') || undefined,
        labels,
        states,
        page: intParam(request, 'page', 1, 100_000),
        size: intParam(request, 'size', 25, 1000),
      });
      return json(200, result);
    },
  },
  {
    method: 'GET',
    path: '/executions/{id}',
    handler: async (deps, _request, { id }) => {
      const stored = await deps.executions.get(id);
      if (!stored) throw new ExecutionNotFoundError(`Execution ${id} not found`);
      return json(200, stored.execution);
    },
  },
  {
    method: 'GET',
    path: '/logs/{executionId}',
    handler: async (deps, _request, { executionId }) => {
      const stored = await deps.executions.get(executionId);
      if (!stored) throw new ExecutionNotFoundError(`Execution ${executionId} not found`);
      return json(200, await deps.logs.list(executionId));
    },
  },
];
