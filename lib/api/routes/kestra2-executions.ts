/**
 * Kestra 2.x's execution and log routes (`/api/v1/{tenant}/executions/…`, `…/logs/…`): the same
 * reads as the 1.x routes in ./executions.ts, with 2.x's statuses (the router maps errors with
 * `toKestra2ErrorResponse`), and the two follows as `text/event-stream` (lib/app/follow.ts).
 */
import { killExecution } from '../../app/execution-kill';
import { replayExecution, restartExecution } from '../../app/execution-rerun';
import { startOperation } from '../../app/operations';
import { openExecutionFollow, openLogFollow } from '../../app/follow';
import { type StateType, asSeen } from '../../domain/execution';
import { ExecutionNotFoundError } from '../../domain/errors';
import { type HttpRequest, type HttpResponse, eventStream, json, noContent } from '../http';
import { toApiExecution } from '../kestra2/api-execution';
import { KESTRA2_BASE } from '../kestra2/tenant';
import { executionsSelectedByQuery } from '../kestra2/execution-selection';
import { jsonBody, pathParam } from '../params';
import type { Route } from '../router';
import { executionIdsBody, logFollowQuery, parseBody, parseQuery } from '../schemas';
import { serverSentEvents } from '../server-sent-events';
import { logDownloadHandler, logListHandler } from './executions';

/** What a kill by query selects: the executions not ended. */
const UNFINISHED: readonly StateType[] = ['CREATED', 'RUNNING', 'RESTARTED'];
const RESTARTABLE: readonly StateType[] = ['FAILED', 'KILLED'];
const ENDED: readonly StateType[] = ['SUCCESS', 'FAILED', 'KILLED'];

const notFound = (executionId: string) => new ExecutionNotFoundError(`Execution ${executionId} not found`);

/**
 * A follow that sent `end` is over: an EventSource that reconnects anyway (its client did not close
 * it on `end`) sends `Last-Event-ID: end`, and a 204 is what tells an EventSource to stop for good.
 */
function endedAlready(request: HttpRequest): HttpResponse | undefined {
  return request.headers['last-event-id'] === 'end' ? noContent() : undefined;
}

/** Paths under `/api/v1/{tenant}`; the router checks the tenant. */
export const kestra2ExecutionRoutes: Route[] = [
  {
    method: 'GET',
    path: '/executions/{executionId}',
    handler: async (deps, _request, params) => {
      const executionId = pathParam(params, 'executionId', 'executionId');
      const stored = await deps.executions.get(executionId);
      if (!stored) throw notFound(executionId);
      return json(200, toApiExecution(asSeen(stored.execution, stored.killed), deps.clock.now()));
    },
  },
  {
    method: 'DELETE',
    path: '/executions/{executionId}/actions/kill',
    handler: async (deps, _request, params) => {
      const executionId = pathParam(params, 'executionId', 'executionId');
      const { execution } = await killExecution(deps, executionId, `asked by DELETE ${KESTRA2_BASE}/executions/${executionId}/actions/kill`);
      return json(200, toApiExecution(execution, deps.clock.now()));
    },
  },
  {
    method: 'DELETE',
    path: '/executions/kill/by-ids',
    handler: async (deps, request) => {
      const ids = parseBody(executionIdsBody, jsonBody(request));
      return json(202, await startOperation(deps, { kind: 'EXECUTION_KILL', targets: ids.map((executionId) => ({ executionId })) }, 'body'));
    },
  },
  {
    method: 'DELETE',
    path: '/executions/kill/by-query',
    // The unfinished ones: an ended execution has nothing to kill.
    handler: async (deps, request) =>
      json(202, await startOperation(deps, { kind: 'EXECUTION_KILL', targets: await executionsSelectedByQuery(deps, request, UNFINISHED) }, 'filters')),
  },
  {
    method: 'POST',
    path: '/executions/{executionId}/restart',
    handler: async (deps, _request, params) => {
      const execution = await restartExecution(deps, pathParam(params, 'executionId', 'executionId'));
      return json(200, toApiExecution(execution, deps.clock.now()));
    },
  },
  {
    method: 'POST',
    path: '/executions/{executionId}/replay',
    handler: async (deps, _request, params) => {
      const execution = await replayExecution(deps, pathParam(params, 'executionId', 'executionId'));
      return json(200, toApiExecution(execution, deps.clock.now()));
    },
  },
  ...(['restart', 'replay'] as const).flatMap((action): Route[] => {
    const kind = action === 'restart' ? 'EXECUTION_RESTART' : 'EXECUTION_REPLAY';
    // A restart takes the FAILED and KILLED executions the query selects, a replay the ended ones.
    const actionable = action === 'restart' ? RESTARTABLE : ENDED;
    return [
      {
        method: 'POST',
        path: `/executions/${action}/by-ids`,
        handler: async (deps, request) => {
          const ids = parseBody(executionIdsBody, jsonBody(request));
          return json(202, await startOperation(deps, { kind, targets: ids.map((executionId) => ({ executionId })) }, 'body'));
        },
      },
      {
        method: 'POST',
        path: `/executions/${action}/by-query`,
        handler: async (deps, request) =>
          json(202, await startOperation(deps, { kind, targets: await executionsSelectedByQuery(deps, request, actionable) }, 'filters')),
      },
    ];
  }),
  {
    method: 'GET',
    path: '/executions/{executionId}/follow',
    handler: async (deps, request, params) => {
      const executionId = pathParam(params, 'executionId', 'executionId');
      const ended = endedAlready(request);
      if (ended) return ended;
      const follow = await openExecutionFollow(deps, executionId);
      if (!follow) throw notFound(executionId);
      return eventStream((window) => serverSentEvents(follow(window), { maxBytes: window.maxBytes }));
    },
  },
  {
    method: 'GET',
    path: '/logs/{executionId}',
    handler: logListHandler((executionId, next) => `GET ${KESTRA2_BASE}/logs/${encodeURIComponent(executionId)}/download?cursor=${next}`),
  },
  {
    method: 'GET',
    path: '/logs/{executionId}/download',
    handler: logDownloadHandler(`${KESTRA2_BASE}/logs`),
  },
  {
    method: 'GET',
    path: '/logs/{executionId}/follow',
    handler: async (deps, request, params) => {
      const executionId = pathParam(params, 'executionId', 'executionId');
      const { cursor: asked } = parseQuery(logFollowQuery, request.query);
      const ended = endedAlready(request);
      if (ended) return ended;
      // An EventSource reconnecting after a window closed sends the cursor it was given as its last event id.
      const lastEventId = request.headers['last-event-id'];
      const resumed = lastEventId !== undefined && /^\d{1,16}$/.test(lastEventId) ? Number(lastEventId) : undefined;
      const cursor = resumed ?? asked;
      const follow = await openLogFollow(deps, executionId, cursor);
      if (!follow) throw notFound(executionId);
      return eventStream((window) =>
        serverSentEvents(follow(window), { maxBytes: window.maxBytes, cursor: cursor === undefined ? undefined : String(cursor) }),
      );
    },
  },
];
