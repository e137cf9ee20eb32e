/** The HTTP shapes the API works with, independent of API Gateway and of the local server. */
export interface HttpRequest {
  method: string;
  /** Path without the query string, e.g. `/api/v1/triggers`. */
  path: string;
  query: URLSearchParams;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  body?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /**
   * An answer sent as it is produced (`text/event-stream`), instead of `body`: the transport opens
   * it with the window it allows. The local server streams it; the API Lambda, behind API Gateway's
   * HTTP API (which cannot stream), collects one short window of it into `body`.
   */
  stream?: EventStream;
}

/** What a transport allows a streamed answer: how long it may last, how many bytes (none: unbounded), and a signal that the client went away. */
export interface StreamWindow {
  maxMs: number;
  maxBytes?: number;
  signal?: AbortSignal;
}

export type EventStream = (window: StreamWindow) => AsyncIterable<string>;

/** A `text/event-stream` answer. */
export function eventStream(stream: EventStream): HttpResponse {
  return { statusCode: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: '', stream };
}

export function json(statusCode: number, value: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

export function noContent(): HttpResponse {
  return { statusCode: 204, headers: {}, body: '' };
}

/** Kestra's error body (Micronaut JsonError): `{"message": …}`, plus the offending field's path when known. */
export function error(statusCode: number, message: string, path?: string): HttpResponse {
  return json(statusCode, { message, ...(path ? { path } : {}) });
}
