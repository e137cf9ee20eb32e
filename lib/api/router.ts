import type { Settings } from '../config';
import type {
  BackfillEvents,
  BackfillWorkflows,
  Clock,
  DispatchLedger,
  ExecutionQueue,
  ExecutionStore,
  FlowStore,
  LogStore,
  OperationQueue,
  OperationStore,
  Telemetry,
  TriggerStore,
  WebhookSender,
} from '../ports';
import { ValidationError } from '../domain/flow/errors';
import { toErrorResponse } from './error-response';
import { toKestra2ErrorResponse } from './kestra2/error-response';
import { TENANT } from './kestra2/tenant';
import { RequestTooLargeError } from './errors';
import { type HttpRequest, type HttpResponse, error, json } from './http';
import { type OpenApiDocument, type ServedRoute, buildOpenApiDocument } from './openapi/document';
import { executionRoutes } from './routes/executions';
import { flowRoutes } from './routes/flows';
import { kestra2ExecutionRoutes } from './routes/kestra2-executions';
import { kestra2SearchRoutes } from './routes/kestra2-searches';
import { kestra2TriggerActionRoutes } from './routes/kestra2-trigger-actions';
import { kestra2TriggerSearchRoutes } from './routes/kestra2-trigger-search';
import { kestra2TriggerRoutes } from './routes/kestra2-triggers';
import { triggerRoutes } from './routes/triggers';
import { serveRoot, serveUi } from '../ui/route';

/** Everything the API's routes use; each route hands its use case only the ports that one needs. */
export interface ApiDeps {
  settings: Pick<Settings, 'api' | 'backfill' | 'dispatch' | 'notify' | 'stateMachineArn' | 'worker'>;
  clock: Clock;
  /** The follows' waits between reads of the stores. */
  sleep: (ms: number) => Promise<void>;
  flows: FlowStore;
  triggers: TriggerStore;
  /** Reads, and the kill of an execution (a kill request, or the execution written KILLED), one or a cancelled backfill's. */
  executions: Pick<
    ExecutionStore,
    'get' | 'search' | 'statesByTick' | 'statesOf' | 'countRunning' | 'runningOf' | 'requestKill' | 'createIfAbsent' | 'restart' | 'storedBytes'
  >;
  /** `open`: a cancel's empty page at the cursor (see carryOnCancel). */
  ledger: Pick<DispatchLedger, 'open' | 'read' | 'remove' | 'markEnded'>;
  /** Reads, and the line a kill writes for an execution it ends itself. */
  logs: Pick<LogStore, 'list' | 'append'>;
  workflows: BackfillWorkflows;
  /** Kestra 2.x's asynchronous bulk actions: recorded here, their parts queued for functions/operations.ts. */
  operations: Pick<OperationStore, 'create' | 'get' | 'recordPart'>;
  operationQueue: Pick<OperationQueue, 'send'>;
  /** An execution restarted or replayed by one request is queued here (the live lane). */
  queue: Pick<ExecutionQueue, 'send'>;
  /** Lifecycle events of the backfills it creates, pauses, resumes, updates and deletes; webhooks of those it ends. */
  events: BackfillEvents;
  webhooks: WebhookSender;
  /** Where an event that could not be published is reported. */
  telemetry: Pick<Telemetry, 'warn'>;
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
const byLiteralsFirst = (routes: Route[]): CompiledRoute[] => routes.map(compile).sort((a, b) => a.names.length - b.names.length);

/** The API's own description, built once from the routes below (lib/api/openapi). */
const openApiRoute: Route = { method: 'GET', path: '/openapi.json', handler: async () => json(200, openApiDocument()) };

/** The 1.x routes, under `/api/v1` (and, for the tenant `main`, under `/api/v1/main` too). */
const ROUTES = byLiteralsFirst([...flowRoutes, ...triggerRoutes, ...executionRoutes, openApiRoute]);
/** Kestra 2.x's routes, under `/api/v1/{tenant}` only; they answer with 2.x's statuses. */
const KESTRA2_ROUTES = byLiteralsFirst([
  ...kestra2TriggerRoutes,
  ...kestra2TriggerActionRoutes,
  ...kestra2TriggerSearchRoutes,
  ...kestra2SearchRoutes,
  ...kestra2ExecutionRoutes,
]);

/** Every route served, as the OpenAPI document names it: its path under `/api/v1`, 2.x ones under `/{tenant}`. */
export function servedRoutes(): ServedRoute[] {
  return [...ROUTES.map(({ method, path }) => ({ method, path })), ...KESTRA2_ROUTES.map(({ method, path }) => ({ method, path: `/{tenant}${path}` }))];
}

let document: OpenApiDocument | undefined;
export function openApiDocument(): OpenApiDocument {
  document ??= buildOpenApiDocument(servedRoutes());
  return document;
}

const TENANT_PATH = /^\/([^/]+)(\/.+)$/;
/**
 * The web UI calls the API under its own path, `/ui/api/v1/…`: on AWS the `/ui` routes take the
 * browser's session cookie while `/api/v1` keeps IAM for programs; both reach this same router.
 */
const UI_API_PREFIX = /^\/ui(?=\/api\/v1\/)/;

type RouteMatch = { route: CompiledRoute; params: Record<string, string> } | 'method-mismatch' | undefined;

/** The route of `routes` serving `method` on `subPath`; `method-mismatch` when only other methods' do. */
function findRoute(routes: CompiledRoute[], method: string, subPath: string): RouteMatch {
  let methodMismatch = false;
  for (const route of routes) {
    const match = route.pattern.exec(subPath);
    if (!match) continue;
    if (route.method !== method) {
      methodMismatch = true;
      continue;
    }
    // One mandatory group per name, in order, so a match sets every one; decoded in `serve`.
    return { route, params: Object.fromEntries(route.names.map((name, i) => [name, match[i + 1]!])) };
  }
  return methodMismatch ? 'method-mismatch' : undefined;
}

/**
 * Which route serves a path under `/api/v1`: a 1.x route as it stands; else, under a tenant, a 2.x
 * route, or a 1.x one (Kestra 1.x served those under `/api/v1/main` too), whichever names more of
 * the path literally (the 2.x one if as many), so a 2.x `/logs/{executionId}` does not take the
 * 1.x `/logs/search` a tenant's path still reaches. A 2.x route never takes a path a 1.x route
 * serves as it stands, so no 1.x call changes meaning.
 */
function resolve(method: string, subPath: string): { found: RouteMatch; errors: (e: unknown) => HttpResponse; tenant?: string } {
  const direct = findRoute(ROUTES, method, subPath);
  const tenantPath = TENANT_PATH.exec(subPath);
  if (typeof direct === 'object' || !tenantPath) return { found: direct, errors: toErrorResponse };
  const [, tenant, rest] = tenantPath as unknown as [string, string, string];
  const kestra2 = findRoute(KESTRA2_ROUTES, method, rest);
  const aliased = findRoute(ROUTES, method, rest);
  const aliasedFirst = typeof aliased === 'object' && (typeof kestra2 !== 'object' || aliased.route.names.length < kestra2.route.names.length);
  if (typeof kestra2 === 'object' && !aliasedFirst) return { found: kestra2, errors: toKestra2ErrorResponse, tenant };
  if (typeof aliased === 'object') return { found: aliased, errors: toErrorResponse, tenant };
  return { found: direct ?? kestra2 ?? aliased, errors: toErrorResponse };
}

/** The route serving `method` on `path` (under `/api/v1`), as the OpenAPI document names it; what the tests check answers against. */
export function servedRouteOf(method: string, path: string): ServedRoute | undefined {
  const { found, errors } = resolve(method, path.replace(UI_API_PREFIX, '').replace(/\/+$/, '').slice('/api/v1'.length));
  if (typeof found !== 'object') return undefined;
  return { method, path: errors === toKestra2ErrorResponse ? `/{tenant}${found.route.path}` : found.route.path };
}

export async function handleRequest(deps: ApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const path = request.path.replace(UI_API_PREFIX, '').replace(/\/+$/, '');
  if (path === '') return serveRoot(request.method, deps.settings.api.webSignInUrl); // `/`, its slash trimmed
  if (path === '/ui' || path.startsWith('/ui/')) return serveUi(path, request.method, deps.settings.api.webSignInUrl);
  if (!path.startsWith('/api/v1/')) return error(404, `No route for ${request.method} ${request.path}`);
  const { found, errors, tenant } = resolve(request.method, path.slice('/api/v1'.length));
  if (found === 'method-mismatch') return error(405, `Method ${request.method} not allowed on ${request.path}`);
  if (!found) return error(404, `No route for ${request.method} ${request.path}`);
  if (tenant !== undefined && tenant !== TENANT) return error(404, `Tenant ${tenant} not found: the only tenant is ${TENANT}`);
  try {
    const params = Object.fromEntries(Object.entries(found.params).map(([name, raw]) => [name, decodePathSegment(name, raw)]));
    if (request.body && Buffer.byteLength(request.body) > deps.settings.api.maxBodyBytes) {
      throw new RequestTooLargeError(`body: larger than the limit of ${deps.settings.api.maxBodyBytes} bytes`);
    }
    return await found.route.handler(deps, request, params);
  } catch (e) {
    return errors(e);
  }
}

/** A path parameter, percent-decoded; a malformed escape (`%E0`) is the client's error, not a crash. */
function decodePathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError(name, `"${raw}" is not a valid percent-encoded path segment`);
  }
}
