import type { Settings } from '../config';
import type { BackfillWorkflows, Clock, DispatchLedger, ExecutionStore, FlowStore, LogStore, TriggerStore } from '../ports';
import { ValidationError } from '../domain/flow/errors';
import { toErrorResponse } from './error-response';
import { RequestTooLargeError } from './errors';
import { type HttpRequest, type HttpResponse, error } from './http';
import { executionRoutes } from './routes/executions';
import { flowRoutes } from './routes/flows';
import { triggerRoutes } from './routes/triggers';
import { serveUi } from '../ui/route';

/** Everything the API's routes use; each route hands its use case only the ports that one needs. */
export interface ApiDeps {
  settings: Pick<Settings, 'api' | 'backfill' | 'stateMachineArn' | 'worker'>;
  clock: Clock;
  flows: FlowStore;
  triggers: TriggerStore;
  executions: Pick<ExecutionStore, 'get' | 'search' | 'statesByTick' | 'countRunning'>;
  ledger: Pick<DispatchLedger, 'read' | 'remove'>;
  logs: Pick<LogStore, 'list'>;
  workflows: BackfillWorkflows;
}

export type RouteHandler = (deps: ApiDeps, request: HttpRequest, params: Record<string, string>) => Promise<HttpResponse>;

export interface Route {
  method: string;
  /** Path under `/api/v1`, with `{name}` segments. */
  path: string;
  handler: RouteHandler;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const name = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (name === undefined) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(name);
      return '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

/** Literal routes first, so `/triggers/search` is never taken for `/triggers/{namespace}`. */
const ROUTES: CompiledRoute[] = [...flowRoutes, ...triggerRoutes, ...executionRoutes].map(compile).sort((a, b) => a.names.length - b.names.length);

/** Kestra serves the same API under `/api/v1/{tenant}/…`; the open-source tenant is `main`. */
const TENANT_PREFIX = /^\/api\/v1\/main(?=\/)/;
/**
 * The web UI calls the API under its own path, `/ui/api/v1/…`: on AWS the `/ui` routes take the
 * browser's session cookie while `/api/v1` keeps IAM for programs; both reach this same router.
 */
const UI_API_PREFIX = /^\/ui(?=\/api\/v1\/)/;

export async function handleRequest(deps: ApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const path = request.path.replace(UI_API_PREFIX, '').replace(TENANT_PREFIX, '/api/v1').replace(/\/+$/, '');
  if (path === '/ui' || path.startsWith('/ui/')) return serveUi(path, request.method, deps.settings.api.webSignInUrl);
  if (!path.startsWith('/api/v1/')) return error(404, `No route for ${request.method} ${request.path}`);
  const subPath = path.slice('/api/v1'.length);
  let methodMismatch = false;
  for (const route of ROUTES) {
    const match = route.pattern.exec(subPath);
    if (!match) continue;
    if (route.method !== request.method) {
      methodMismatch = true;
      continue;
    }
    try {
      // One mandatory group per name, in order, so a match sets every one.
      const params = Object.fromEntries(route.names.map((name, i) => [name, decodePathSegment(name, match[i + 1]!)]));
      if (request.body && Buffer.byteLength(request.body) > deps.settings.api.maxBodyBytes) {
        throw new RequestTooLargeError(`body: larger than the limit of ${deps.settings.api.maxBodyBytes} bytes`);
      }
      return await route.handler(deps, request, params);
    } catch (e) {
      return toErrorResponse(e);
    }
  }
  if (methodMismatch) return error(405, `Method ${request.method} not allowed on ${request.path}`);
  return error(404, `No route for ${request.method} ${request.path}`);
}

/** A path parameter, percent-decoded; a malformed escape (`%E0`) is the client's error, not a crash. */
function decodePathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError(name, `"${raw}" is not a valid percent-encoded path segment`);
  }
}
