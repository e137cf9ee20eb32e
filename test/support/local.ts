import { DEEPEST_SEARCH_RESULT } from '../../lib/domain/search-limits';
import { type LocalOptions, type LocalRuntime, startLocal } from '../../local/runtime';
import { checkAnswer } from './openapi-answers';

export { SEED_FLOW } from './flows';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** A client of the product's HTTP API, as curl or Python's requests would call it. */
export class Api {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers: {} };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = contentType;
    }
    const response = await fetch(`${this.baseUrl}${path}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    // Every answer a test receives must be one the API's OpenAPI document describes.
    checkAnswer(method, response.url, response.status, response.headers.get('content-type'), parsed);
    return { status: response.status, body: parsed as T };
  }

  createFlow(yaml: string) {
    return this.call('POST', '/api/v1/flows', yaml, 'application/x-yaml');
  }

  /** All executions of a flow, following pages. */
  async executions(namespace: string, flowId: string, extra = ''): Promise<any[]> {
    const all: any[] = [];
    for (let page = 1; ; page++) {
      const { status, body } = await this.call('GET', `/api/v1/executions/search?namespace=${namespace}&flowId=${flowId}&size=1000&page=${page}${extra}`);
      if (status !== 200) throw new Error(`search answered ${status}: ${JSON.stringify(body)}`);
      all.push(...body.results);
      // Past the search's counting bound `total` is only "at least": go on while pages come back full.
      const more = body.totalIsLowerBound || all.length < body.total;
      if (!more || body.results.length < 1000) return all;
      if (page * 1000 >= DEEPEST_SEARCH_RESULT) throw new Error(`more than ${DEEPEST_SEARCH_RESULT} executions match: the search pages no deeper`);
    }
  }
}

export interface TestProduct {
  runtime: LocalRuntime;
  api: Api;
  close(): Promise<void>;
}

/** Starts the embedded default in memory on a free loopback port. */
export async function startProduct(options: Partial<LocalOptions> = {}): Promise<TestProduct> {
  const runtime = await startLocal({ port: 0, visibilityTimeoutMs: 200, ...options });
  return { runtime, api: new Api(runtime.url), close: () => runtime.close() };
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(probe: () => Promise<T>, timeoutMs: number, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!last && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, stepMs));
    last = await probe();
  }
  return last;
}

/**
 * Polls `probe` until it reports `done`, for as long as the work moves: gives up (false) only once
 * its `progress` figure has not changed for `stallMs`. For long runs whose pace depends on how busy
 * the machine is, where a deadline on the whole run would be a hidden speed requirement.
 */
export async function waitWhileProgressing(probe: () => Promise<{ done: boolean; progress: number }>, stallMs: number, stepMs = 500): Promise<boolean> {
  let last = await probe();
  let movedAt = Date.now();
  while (!last.done && Date.now() - movedAt < stallMs) {
    await new Promise((r) => setTimeout(r, stepMs));
    const next = await probe();
    if (next.progress !== last.progress) movedAt = Date.now();
    last = next;
  }
  return last.done;
}

/** Half-hour ticks ending at the last one at least `hoursAgo` back. */
export function halfHourTicks(count: number, hoursAgo = 8): Date[] {
  const start = new Date(Date.now() - hoursAgo * 3600_000);
  start.setUTCSeconds(0, 0);
  start.setUTCMinutes(start.getUTCMinutes() < 30 ? 0 : 30);
  return Array.from({ length: count }, (_, i) => new Date(start.getTime() + i * 30 * 60_000));
}

/**
 * How many of a trigger's ticks in [fromMs, toMs] have a SUCCESS execution, read through the
 * runtime's store by tick: for checks over more executions than a search page reaches.
 */
export async function succeededTicks(
  product: TestProduct,
  trigger: { namespace: string; flowId: string; triggerId: string },
  fromMs: number,
  toMs: number,
): Promise<number> {
  const byTick = await product.runtime.deps.executions.statesByTick(trigger, fromMs, toMs);
  return [...byTick.values()].filter((runs) => runs.some((run) => run.state === 'SUCCESS')).length;
}

/**
 * Starts a backfill of `ref` over `window` labelled `case:<label>` through the 1.x API, waits (up to a
 * minute) until it leaves its trigger and the queue is idle, and returns the executions it made.
 */
export async function runLabelledBackfill(
  product: TestProduct,
  ref: { namespace: string; flowId: string; triggerId: string },
  window: { start: string; end: string },
  label: string,
): Promise<any[]> {
  const response = await product.api.call('PUT', '/api/v1/triggers', { ...ref, backfill: { ...window, labels: [{ key: 'case', value: label }] } });
  if (response.status !== 200) throw new Error(`backfill ${label} answered ${response.status}: ${JSON.stringify(response.body)}`);
  const trigger = `/api/v1/triggers/${ref.namespace}/${ref.flowId}`;
  const done = await waitFor(
    async () => !(await product.api.call('GET', trigger)).body.results.find((t: any) => t.triggerId === ref.triggerId)?.backfill,
    60_000,
    200,
  );
  if (!done) throw new Error(`backfill ${label} did not end within a minute`);
  await product.runtime.queue.idle();
  return product.api.executions(ref.namespace, ref.flowId, `&labels=case:${label}`);
}
