/**
 * Kestra 2.x's execution and log routes (`/api/v1/{tenant}/executions/…`, `…/logs/…`): the same
 * reads as the 1.x routes in ./executions.ts, with 2.x's statuses (the router maps errors with
 * `toKestra2ErrorResponse`), and the two follows as `text/event-stream` (lib/app/follow.ts).
 */
import { openExecutionFollow, openLogFollow } from '../../app/follow';
import { ExecutionNotFoundError } from '../../domain/errors';
import { type HttpRequest, type HttpResponse, eventStream, json, noContent } from '../http';
import { toApiExecution } from '../kestra2/api-execution';
import { KESTRA2_BASE } from '../kestra2/tenant';
import { pathParam } from '../params';
import type { Route } from '../router';
import { logFollowQuery, parseQuery } from '../schemas';
import { serverSentEvents } from '../server-sent-events';
import { logDownloadHandler, logListHandler } from './executions';

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
      return json(200, toApiExecution(stored.execution, deps.clock.now()));
    },
  },
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
