import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withinResponseLimit } from '../lib/util/lambda-response-limit';
import type { EventStream, HttpRequest } from '../lib/api/http';
import { type ApiDeps, handleRequest } from '../lib/api/router';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

/** The part of Lambda's context the API reads: how long the invocation may still run. */
export interface ApiContext {
  getRemainingTimeInMillis(): number;
}

export type ApiHandler = (event: APIGatewayProxyEventV2, context?: ApiContext) => Promise<APIGatewayProxyStructuredResultV2>;

/** An answer of the local server, which can stream: a streamed answer (`text/event-stream`) carries its stream. */
export type StreamingApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2 & { stream?: EventStream }>;

/**
 * How long the API Lambda serves one window of a streamed answer (a follow): API Gateway's HTTP API
 * buffers the whole answer and gives the integration 30 s, so the window closes well before.
 */
export const BUFFERED_STREAM_MS = 25_000;

/** Kept back from the invocation's remaining time for sending the window's answer. */
const STREAM_MARGIN_MS = 2_000;

/**
 * What one window of a streamed answer may take, as the Lambda's response counts it: two thirds of
 * Lambda's 6 MB, leaving room for the envelope and the event saying to reconnect.
 */
const BUFFERED_STREAM_BYTES = 4 * 1024 * 1024;

function toRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return { method: event.requestContext.http.method, path: event.rawPath, query: new URLSearchParams(event.rawQueryString ?? ''), headers, body };
}

/**
 * API Gateway (HTTP API, payload 2.0) → the Kestra-compatible API. API Gateway's HTTP API cannot
 * stream an answer: a streamed one (a follow) is served as one bounded window of it, collected
 * here; the stream then ends, and an EventSource reconnects by itself (see README, Kestra 2.x routes).
 */
export function createApiHandler(deps: ApiDeps): ApiHandler {
  return async (event, context) => {
    const request = toRequest(event);
    let response = await handleRequest(deps, request);
    if (response.stream) {
      const remainingMs = context ? context.getRemainingTimeInMillis() - STREAM_MARGIN_MS : BUFFERED_STREAM_MS;
      const window = { maxMs: Math.max(0, Math.min(BUFFERED_STREAM_MS, remainingMs)), maxBytes: BUFFERED_STREAM_BYTES };
      let body = '';
      try {
        for await (const chunk of response.stream(window)) body += chunk;
      } catch (error) {
        // The events collected still go out, as a stream that broke off would have sent them: an
        // EventSource reconnects after them, where a 500 would stop it for good.
        console.error(`${request.method} ${event.rawPath}: the stream failed after ${body.length} characters`, error);
      }
      response = { statusCode: response.statusCode, headers: response.headers, body };
    }
    // Every route's answer, checked once here: the handler never returns what Lambda would refuse.
    return withinResponseLimit(response, `${request.method} ${event.rawPath}`);
  };
}

/**
 * The same API for the local server, which plays API Gateway with the one thing its HTTP API cannot
 * do: a streamed answer is handed over as a stream, for the server to send as it comes.
 */
export function createStreamingApiHandler(deps: ApiDeps): StreamingApiHandler {
  return async (event) => {
    const request = toRequest(event);
    const response = await handleRequest(deps, request);
    if (response.stream) return { statusCode: response.statusCode, headers: response.headers, stream: response.stream };
    return withinResponseLimit(response, `${request.method} ${event.rawPath}`);
  };
}

export const handler = onFirstCall(() => createApiHandler(awsDependencies()));
