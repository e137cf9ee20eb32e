import { ValidationError } from '../domain/flow/errors';
import { MAX_LENGTH, checkLength } from '../domain/id-limits';
import type { HttpRequest } from './http';

/** What a path segment names, and so how long it may be (see `MAX_LENGTH`). */
const PATH_NAMES = {
  namespace: ['namespace', MAX_LENGTH.namespace],
  flowId: ['flow id', MAX_LENGTH.flowId],
  triggerId: ['trigger id', MAX_LENGTH.elementId],
  executionId: ['execution id', MAX_LENGTH.executionId],
} as const;

/**
 * A `{name}` segment of the route's path, decoded, naming a `kind` of thing: longer than that kind
 * may be is a 400 naming the segment (nothing that long is stored, and DynamoDB refuses keys that
 * long). The router fills every name its route's path declares, so a missing one is a handler
 * asking for a name its path does not have.
 */
export function pathParam(params: Record<string, string>, name: string, kind: keyof typeof PATH_NAMES): string {
  const value = params[name];
  if (value === undefined) throw new Error(`The route's path has no {${name}} segment`);
  const [what, max] = PATH_NAMES[kind];
  checkLength(value, name, what, max);
  return value;
}

/**
 * Reads the body as JSON; a body that is not JSON is a 400 naming `body`. Its shape is the
 * route's schema's business (lib/api/schemas).
 */
export function jsonBody(request: HttpRequest): unknown {
  if (!request.body || request.body.trim() === '') throw new ValidationError('body', 'expected a JSON object, got an empty body');
  try {
    return JSON.parse(request.body);
  } catch (e) {
    throw new ValidationError('body', `not valid JSON: ${(e as Error).message}`);
  }
}
