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
