/// <reference lib="dom" />
/** A thin client of the product's Kestra-compatible API (same origin). */

import type {
  BackfillPreview,
  BulkResponse,
  ExecutionJson,
  ExecutionSearchPage,
  FlowJson,
  LogSearchPage,
  PagedResults,
  TriggerJson,
  TriggerRef,
  TriggerSearchResult,
} from '../../api/responses';
import type { BackfillFieldsJson } from '../../api/schemas';

// The server's own types (`import type`, so nothing of the server reaches the bundle), under the
// names the UI uses.
export type {
  BackfillJson as Backfill,
  BackfillPreview,
  ExecutionJson as Execution,
  FlowInput,
  FlowJson as Flow,
  FlowTriggerJson as FlowTrigger,
  Label,
  LogLineJson as LogLine,
  Reprocess,
  TriggerJson as Trigger,
  TriggerRef,
} from '../../api/responses';

/** The `backfill` of `PUT /triggers` and of its preview, as the UI sends it. */
export type BackfillRequest = BackfillFieldsJson;

/** A 4xx/5xx answer: Kestra's `{message, path}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Set on AWS with web sign-in (the page carries it); absent locally, where nobody signs in. */
export const SIGN_IN_URL = document.querySelector<HTMLMetaElement>('meta[name="sign-in-url"]')?.content || undefined;

export const SESSION_ENDED = 'Your session has ended: sign in again.';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  // Under `/ui`: on AWS these routes take the session cookie, `/api/v1` itself wants IAM signatures.
  let response = await fetch(`/ui/api/v1${path}`, init);
  if ((response.status === 401 || response.status === 403) && SIGN_IN_URL) {
    // The session ended: renew it from the refresh cookie once, then ask again.
    if (!(await renewSession())) throw new ApiError(response.status, SESSION_ENDED);
    response = await fetch(`/ui/api/v1${path}`, init);
    if (response.status === 401 || response.status === 403) throw new ApiError(response.status, SESSION_ENDED);
  }
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, parsed?.message ?? `HTTP ${response.status}`, parsed?.path);
  return parsed as T;
}

let renewing: Promise<boolean> | undefined;

/**
 * Asks `/ui/refresh` for a new session (on AWS its authorizer trades the refresh cookie). Every call
 * that found the session ended meanwhile waits for the same request; a refused one is final.
 */
function renewSession(): Promise<boolean> {
  renewing ??= fetch('/ui/refresh', { headers: { accept: 'application/json' } })
    .then(async (response) => response.ok && (response.headers.get('content-type') ?? '').includes('application/json'))
    .catch(() => false)
    .then((ok) => {
      // A success may be needed again in eight hours; a refusal stays (the page offers to sign in).
      if (ok) renewing = undefined;
      return ok;
    });
  return renewing;
}

const enc = encodeURIComponent;

export const api = {
  searchTriggers: (namespace: string) =>
    call<PagedResults<TriggerSearchResult>>('GET', `/triggers/search?size=1000${namespace ? `&namespace=${enc(namespace)}` : ''}`),
  backfillActionMany: (refs: TriggerRef[], action: 'pause' | 'unpause' | 'delete') =>
    call<BulkResponse>('POST', `/triggers/backfill/${action}/by-triggers`, refs),
  setDisabledMany: (refs: TriggerRef[], disabled: boolean) => call<BulkResponse>('POST', '/triggers/set-disabled/by-triggers', { triggers: refs, disabled }),
  flows: () => call<PagedResults<FlowJson>>('GET', '/flows/search?size=1000'),
  flow: (ns: string, id: string) => call<FlowJson>('GET', `/flows/${enc(ns)}/${enc(id)}`),
  triggers: (ns: string, id: string) => call<PagedResults<TriggerJson>>('GET', `/triggers/${enc(ns)}/${enc(id)}`),
  setDisabled: (t: TriggerJson, disabled: boolean) =>
    call<TriggerJson>('PUT', '/triggers', { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId, disabled }),
  createBackfill: (t: TriggerJson, backfill: BackfillFieldsJson) =>
    call<TriggerJson>('PUT', '/triggers', { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId, backfill }),
  previewBackfill: (t: TriggerJson, backfill: BackfillFieldsJson) =>
    call<BackfillPreview>('POST', '/triggers/backfill/preview', { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId, backfill }),
  backfillAction: (t: TriggerJson, action: 'pause' | 'unpause' | 'delete') =>
    call<unknown>(action === 'delete' ? 'POST' : 'PUT', `/triggers/backfill/${action}`, { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId }),
  executions: (q: { namespace: string; flowId: string; labels: string[]; state: string; page: number; size: number }) => {
    const params = new URLSearchParams({ namespace: q.namespace, flowId: q.flowId, page: String(q.page), size: String(q.size) });
    for (const label of q.labels) params.append('labels', label);
    if (q.state) params.append('state', q.state);
    return call<ExecutionSearchPage<ExecutionJson>>('GET', `/executions/search?${params}`);
  },
  execution: (id: string) => call<ExecutionJson>('GET', `/executions/${enc(id)}`),
  /** The lines of an execution's log after `cursor` (from the start without one). */
  logPage: (id: string, cursor?: string) => call<LogSearchPage>('GET', `/logs/search?executionId=${enc(id)}${cursor ? `&cursor=${enc(cursor)}` : ''}`),
};
