/// <reference lib="dom" />
/** A thin client of the product's Kestra-compatible API (same origin). */

export interface Label {
  key: string;
  value: string;
}

export interface FlowInput {
  id: string;
  type: 'STRING' | 'INT' | 'FLOAT' | 'BOOLEAN' | 'DATETIME' | 'DATE' | 'JSON';
  required: boolean;
  defaults?: unknown;
  description?: string;
}

export interface FlowTrigger {
  id: string;
  type: string;
  cron: string;
  timezone: string;
  disabled: boolean;
}

export interface Flow {
  id: string;
  namespace: string;
  revision: number;
  description?: string;
  inputs: FlowInput[];
  triggers: FlowTrigger[];
  tasks: { id: string; type: string }[];
  source: string;
}

export interface Progress {
  total: number;
  dispatched: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  /** Ticks earlier executions covered (see `reprocess`). */
  skipped?: number;
}

export type Reprocess = 'ALL' | 'FAILED_AND_MISSING' | 'MISSING';

export interface Backfill {
  start: string;
  end: string | null;
  currentDate: string;
  paused: boolean;
  inputs?: Record<string, unknown>;
  labels: Label[];
  previousNextExecutionDate?: string;
  id: string;
  reprocess?: Reprocess;
  progress: Progress;
  stateMachineExecutionName: string;
  /** On AWS only: the execution's page in the Step Functions console. */
  stateMachineConsoleUrl?: string;
  createdDate: string;
}

export interface Trigger {
  namespace: string;
  flowId: string;
  triggerId: string;
  nextExecutionDate?: string;
  disabled: boolean;
  backfill?: Backfill;
}

export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  state: { current: string; histories: { state: string; date: string }[]; startDate?: string; endDate?: string; duration?: string };
  labels: Label[];
  inputs?: Record<string, unknown>;
  trigger?: { id?: string; type?: string; variables?: { date?: string; next?: string; previous?: string } };
  taskRunList?: { id?: string; taskId: string; state: { current: string; startDate?: string; endDate?: string; duration?: string } }[];
}

export interface LogLine {
  timestamp: string;
  level: string;
  taskId?: string;
  message: string;
}

export interface Page<T> {
  results: T[];
  total: number;
}

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

export interface BackfillRequest {
  start: string;
  end: string | null;
  inputs: Record<string, unknown> | null;
  labels: Label[];
  reprocess: Reprocess;
}

/** The dry run's answer (lib/app/backfills.ts `BackfillPreview`). */
export interface BackfillPreview {
  count: number;
  skipped: number | null;
  ticks: string[];
  lastTick: string;
  truncated: boolean;
  conflict: boolean;
}

export interface TriggerRef {
  namespace: string;
  flowId: string;
  triggerId: string;
}

export const api = {
  searchTriggers: (namespace: string) =>
    call<Page<{ abstractTrigger: FlowTrigger | null; triggerContext: Trigger }>>('GET', `/triggers/search?size=1000${namespace ? `&namespace=${enc(namespace)}` : ''}`),
  backfillActionMany: (refs: TriggerRef[], action: 'pause' | 'unpause' | 'delete') => call<{ count: number }>('POST', `/triggers/backfill/${action}/by-triggers`, refs),
  setDisabledMany: (refs: TriggerRef[], disabled: boolean) => call<{ count: number }>('POST', '/triggers/set-disabled/by-triggers', { triggers: refs, disabled }),
  flows: () => call<Page<Flow>>('GET', '/flows/search?size=1000'),
  flow: (ns: string, id: string) => call<Flow>('GET', `/flows/${enc(ns)}/${enc(id)}`),
  triggers: (ns: string, id: string) => call<Page<Trigger>>('GET', `/triggers/${enc(ns)}/${enc(id)}`),
  setDisabled: (t: Trigger, disabled: boolean) =>
    call<Trigger>('PUT', '/triggers', { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId, disabled }),
  createBackfill: (t: Trigger, backfill: BackfillRequest) => call<Trigger>('PUT', '/triggers', { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId, backfill }),
  previewBackfill: (t: Trigger, backfill: BackfillRequest) =>
    call<BackfillPreview>('POST', '/triggers/backfill/preview', { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId, backfill }),
  backfillAction: (t: Trigger, action: 'pause' | 'unpause' | 'delete') =>
    call<unknown>(action === 'delete' ? 'POST' : 'PUT', `/triggers/backfill/${action}`, { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId }),
  executions: (q: { namespace: string; flowId: string; labels: string[]; state: string; page: number; size: number }) => {
    const params = new URLSearchParams({ namespace: q.namespace, flowId: q.flowId, page: String(q.page), size: String(q.size) });
    for (const label of q.labels) params.append('labels', label);
    if (q.state) params.append('state', q.state);
    return call<Page<Execution>>('GET', `/executions/search?${params}`);
  },
  execution: (id: string) => call<Execution>('GET', `/executions/${enc(id)}`),
  logs: (id: string) => call<LogLine[]>('GET', `/logs/${enc(id)}`),
};
