import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument, servedRouteOf } from '../../lib/api/router';

/**
 * Checks an answer of the API against the OpenAPI document it serves: the integration tests'
 * client (test/support/local.ts `Api`) passes every answer through here, so every answer a test
 * receives is one the document describes (its status, and a JSON body's schema).
 */
const document = openApiDocument();
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }), ['date-time']);
ajv.addSchema({ $id: 'api', components: document.components }, 'api');

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}

const validators = new Map<object, ValidateFunction>();
function validatorOf(schema: Record<string, unknown>): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    // Component references point into the document registered above as `api`.
    validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"api#/components/')));
    validators.set(schema, validate);
  }
  return validate;
}

/** The operation serving `method` on `path`, found as the router finds the route (a 1.x route also answers under `/api/v1/main`). */
function operationOf(method: string, path: string): Operation | undefined {
  const route = servedRouteOf(method, path);
  return route ? (document.paths[`/api/v1${route.path}`]?.[method.toLowerCase()] as Operation | undefined) : undefined;
}

/** Throws, naming the route and every violation, when the answer is not one the document describes. */
export function checkAnswer(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
  const path = new URL(url).pathname.replace(/\/+$/, '');
  const operation = operationOf(method, path);
  if (!operation) return; // no route: the router's own 404 or 405
  const response = operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`];
  if (!response) throw new Error(`${method} ${path} answered ${status}, a status its OpenAPI operation does not list`);
  const [mediaType, media] = Object.entries(response.content ?? {})[0] ?? [];
  if (!mediaType || !media) return;
  if (!contentType?.startsWith(mediaType)) throw new Error(`${method} ${path} answered ${status} as ${contentType}, the document says ${mediaType}`);
  if (mediaType !== 'application/json') return;
  const validate = validatorOf(media.schema);
  if (validate(body)) return;
  const problems = (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  throw new Error(`${method} ${path} answered ${status} outside its OpenAPI schema: ${problems.join('; ')}\n${JSON.stringify(body).slice(0, 1500)}`);
}
