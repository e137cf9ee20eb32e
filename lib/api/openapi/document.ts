/**
 * The OpenAPI 3.1 document of the whole API (`GET /api/v1/openapi.json`), built from what serves
 * it: the router's routes, the zod schemas that parse their requests (lib/api/schemas), the schemas
 * of their answers (./response-schemas.ts) and a summary each (./operations.ts). Nothing in it is
 * written by hand twice: a route without its entry, or an entry without its route, fails the build.
 * OpenAPI 3.1 because its schemas are JSON Schema 2020-12, what zod emits.
 */
import { z } from 'zod';
import { type JsonSchema, type RequestJsonSchemas, requestJsonSchemas } from '../schemas';
import { OPERATIONS, type OperationDoc, type ResponseDoc } from './operations';
import { errorBody, responseSchemas } from './response-schemas';

/** A route as the router serves it: its method and its path under `/api/v1` (2.x ones start with `/{tenant}`). */
export interface ServedRoute {
  method: string;
  path: string;
}

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

const COMPONENT = (id: string) => `#/components/schemas/${id}`;

export function buildOpenApiDocument(routes: ServedRoute[]): OpenApiDocument {
  const keys = new Set(routes.map(({ method, path }) => `${method} ${path}`));
  const undocumented = [...keys].filter((key) => !OPERATIONS[key]);
  const stale = Object.keys(OPERATIONS).filter((key) => !keys.has(key));
  if (undocumented.length || stale.length) {
    throw new Error(
      `OpenAPI operations out of step with the routes: undocumented ${undocumented.join(', ') || 'none'}; no such route ${stale.join(', ') || 'none'}`,
    );
  }
  const requests: Record<string, RequestJsonSchemas> = requestJsonSchemas();
  const paths: OpenApiDocument['paths'] = {};
  for (const { method, path } of routes) {
    const doc = OPERATIONS[`${method} ${path}`] as OperationDoc;
    const documentPath = `/api/v1${path}`;
    paths[documentPath] ??= {};
    (paths[documentPath] as Record<string, unknown>)[method.toLowerCase()] = operation(method, path, doc, requestSchemasOf(requests, method, path));
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Backfills for Kestra schedules',
      version: '1',
      description:
        "Kestra's HTTP API for Schedule triggers and their backfills: the 1.x routes under `/api/v1` (also served under `/api/v1/main`), " +
        "Kestra 2.x's under `/api/v1/{tenant}` (tenant `main`), and our extensions. On AWS, `/api/v1` takes IAM (SigV4) requests.",
    },
    paths,
    components: { schemas: componentSchemas() },
  };
}

function operation(method: string, path: string, doc: OperationDoc, request: RequestJsonSchemas | undefined): Record<string, unknown> {
  const pathParameters = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const query = request?.query;
  const required = new Set((query?.required as string[] | undefined) ?? []);
  const queryParameters = Object.entries((query?.properties as Record<string, JsonSchema> | undefined) ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema,
  }));
  const body = doc.bodyContentType
    ? { required: true, content: { [doc.bodyContentType]: { schema: { type: 'string' } } } }
    : request?.body
      ? { required: true, content: { 'application/json': { schema: withoutDialect(request.body) } } }
      : undefined;
  const error = responseObject({ description: 'The error, and the request field at fault when there is one.', schema: errorBody });
  return {
    operationId: operationId(method, path),
    summary: doc.summary,
    tags: [doc.tag],
    parameters: [...pathParameters, ...queryParameters],
    ...(body ? { requestBody: body } : {}),
    responses: {
      ...Object.fromEntries(Object.entries(doc.responses).map(([status, response]) => [status, responseObject(response)])),
      '4XX': error,
      '5XX': error,
    },
  };
}

function responseObject(response: ResponseDoc): Record<string, unknown> {
  if (response.contentType)
    return {
      description: response.description,
      content: { [response.contentType]: { schema: response.contentType === 'application/json' ? { type: 'object' } : { type: 'string' } } },
    };
  if (!response.schema) return { description: response.description };
  const id = responseSchemas.get(response.schema)?.id;
  if (!id) throw new Error(`the answer "${response.description}" has a schema that is not in responseSchemas`);
  return { description: response.description, content: { 'application/json': { schema: { $ref: COMPONENT(id) } } } };
}

/** The request schemas of a route: by its key, or by a key naming its action segment `{action}`. */
function requestSchemasOf(all: Record<string, RequestJsonSchemas>, method: string, path: string): RequestJsonSchemas | undefined {
  const exact = all[`${method} ${path}`];
  if (exact) return exact;
  const segments = path.split('/');
  const key = Object.keys(all).find((candidate) => {
    const [candidateMethod, candidatePath = ''] = candidate.split(' ');
    const candidateSegments = candidatePath.split('/');
    return (
      candidateMethod === method &&
      candidateSegments.length === segments.length &&
      candidateSegments.every((segment, i) => segment === segments[i] || segment === '{action}')
    );
  });
  return key ? all[key] : undefined;
}

/** OpenAPI's schema objects take no `$schema` (the document's dialect is JSON Schema 2020-12). */
function withoutDialect({ $schema: _dialect, ...schema }: JsonSchema): JsonSchema {
  return schema;
}

function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(responseSchemas, { uri: COMPONENT, unrepresentable: 'any' }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(Object.entries(schemas).map(([id, { $id: _id, ...schema }]) => [id, withoutDialect(schema)]));
}

/** `GET /{tenant}/triggers/{namespace}/{flowId}` → `getTenantTriggersNamespaceFlowId`. */
function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');
}
