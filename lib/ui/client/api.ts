/// <reference lib="dom" />
/** A thin client of the product's Kestra-compatible API (same origin). */

import type {
  ApiExecution,
  ApiTriggerAndState,
  ApiTriggerState,
  AsyncOperationResponse,
  BackfillTimeline,
  ExecutionSearchPage,
  FlowJson,
  Kestra2LogSearchPage,
  OperationView,
  PagedResults,
  BackfillPreview as ServerBackfillPreview,
  TriggerRef,
} from '../../api/responses';
import type { BackfillFieldsJson } from '../../api/schemas';
import { type ApiRequest, type BackfillAction, V2, backfillActionRequest, refOf, timelineRequest, updateBackfillRequest } from './backfill-requests';
import { type ExecutionSearch, executionSearchQuery, flowTriggersQuery, logSearchQuery, triggerSearchQuery } from './queries';

// The server's own types (`import type`, so nothing of the server reaches the bundle), under the
// names the UI uses.
export type {
  ApiExecution as Execution,
  BackfillJson as Backfill,
  FlowInput,
  FlowJson as Flow,
  FlowTriggerJson as FlowTrigger,
  Label,
  LogLineJson as LogLine,
  Reprocess,
  TriggerRef,
} from '../../api/responses';

/**
 * A trigger as the UI reads it. Several backfills may run on one trigger, on disjoint windows: the
 * server lists every active one in `backfills` (earliest window first) and keeps Kestra's `backfill`,
 * the earliest; a server from before sends `backfill` alone (see `activeBackfills`).
 */
export type Trigger = ApiTriggerState;

/** An active backfill's window, as the dry run names the one a window overlaps. */
export interface BackfillWindowRef {
  id: string;
  start: string;
  end?: string | null;
}

/**
 * The dry run's answer: `conflict` is true when the window overlaps an active backfill, named in
 * `conflictsWith` (a server from before said `conflict` whenever a backfill was active, naming none).
 */
export type BackfillPreview = ServerBackfillPreview;

/** The `backfill` of a backfill's creation and of its preview, as the UI sends it. */
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

const send = <T>({ method, path, body }: ApiRequest) => call<T>(method, path, body);

/**
 * The UI's calls: Kestra 2.x's routes wherever one serves the need; the 1.x paths only for what 2.x
 * has no route for (flows, and our backfill dry run).
 */
export const api = {
  // 1.x: the flows (we serve no 2.x flow routes) and the dry run (ours; Kestra has none).
  flows: () => call<PagedResults<FlowJson>>('GET', '/flows/search?size=1000'),
  flow: (ns: string, id: string) => call<FlowJson>('GET', `/flows/${enc(ns)}/${enc(id)}`),
  previewBackfill: (t: TriggerRef, backfill: BackfillFieldsJson) => call<BackfillPreview>('POST', '/triggers/backfill/preview', { ...refOf(t), backfill }),

  // Kestra 2.x.
  searchTriggers: (namespace: string) => call<PagedResults<ApiTriggerAndState>>('GET', `${V2}/triggers/search?${triggerSearchQuery(namespace)}`),
  triggers: (ns: string, id: string) => call<PagedResults<Trigger>>('GET', `${V2}/triggers/${enc(ns)}/${enc(id)}?${flowTriggersQuery()}`),
  /**
   * Enabling runs the ticks missed while disabled as the trigger's own `recoverMissedSchedules`
   * says (`true`): what the UI's switch always did, and what the flow's author asked for.
   */
  setDisabled: (t: TriggerRef, disabled: boolean) =>
    call<Trigger>('PUT', `${V2}/triggers/set-disabled`, { ...refOf(t), disabled, ...(disabled ? {} : { recoverMissedSchedules: true }) }),
  createBackfill: (t: TriggerRef, backfill: BackfillFieldsJson) => call<Trigger>('PUT', `${V2}/triggers/backfill/create`, { ...refOf(t), backfill }),
  /** Pause, resume, delete or cancel the backfill `backfillId` of the trigger (several may run on it). */
  backfillAction: (t: TriggerRef, action: BackfillAction, backfillId: string) => send<Trigger>(backfillActionRequest(t, action, backfillId)),
  /** The backfill's new bound on executions in flight (ours): dispatch applies it from its next check. */
  updateBackfill: (t: TriggerRef, maxConcurrency: number, backfillId: string) => send<Trigger>(updateBackfillRequest(t, maxConcurrency, backfillId)),
  /** The backfill's window, cell by cell (ours): one cell per tick up to 200 ticks, else 200 stretches of it. */
  backfillTimeline: (t: TriggerRef, backfillId: string) => send<BackfillTimeline>(timelineRequest(t, backfillId)),
  /** 202: carried out in the background; follow it with `operation`. */
  backfillActionMany: (refs: TriggerRef[], action: 'pause' | 'unpause' | 'delete' | 'cancel') =>
    call<AsyncOperationResponse>('POST', `${V2}/triggers/backfill/${action}/by-triggers`, refs.map(refOf)),
  /** 202, as `backfillActionMany`; enabling recovers missed ticks as `setDisabled` does. */
  setDisabledMany: (refs: TriggerRef[], disabled: boolean) =>
    call<AsyncOperationResponse>('POST', `${V2}/triggers/set-disabled/by-triggers`, {
      triggers: refs.map(refOf),
      disabled,
      ...(disabled ? {} : { recoverMissedSchedules: true }),
    }),
  /** How a bulk action is going (ours: Kestra answers an operation id but has no route to follow it). */
  operation: (operationId: string) => call<OperationView>('GET', `${V2}/operations/${enc(operationId)}`),
  executions: (q: ExecutionSearch) => call<ExecutionSearchPage<ApiExecution>>('GET', `${V2}/executions/search?${executionSearchQuery(q)}`),
  execution: (id: string) => call<ApiExecution>('GET', `${V2}/executions/${enc(id)}`),
  /** The lines of an execution's log after `cursor` (from the start without one). */
  logPage: (id: string, cursor?: string) => call<Kestra2LogSearchPage>('GET', `${V2}/logs/search?${logSearchQuery(id, cursor)}`),
};
