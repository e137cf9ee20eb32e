import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withinResponseLimit } from '../lib/util/lambda-response-limit';
import { type ApiDeps, handleRequest } from '../lib/api/router';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway (HTTP API, payload 2.0) → the Kestra-compatible API. */
export function createApiHandler(deps: ApiDeps): ApiHandler {
  return async (event) => {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
    const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const method = event.requestContext.http.method;
    const response = await handleRequest(deps, { method, path: event.rawPath, query: new URLSearchParams(event.rawQueryString ?? ''), headers, body });
    // Every route's answer, checked once here: the handler never returns what Lambda would refuse.
    return withinResponseLimit(response, `${method} ${event.rawPath}`);
  };
}

export const handler = onFirstCall(() => createApiHandler(awsDependencies()));
