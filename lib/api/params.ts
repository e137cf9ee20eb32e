import { ValidationError } from '../domain/flow/errors';
import type { HttpRequest } from './http';

/**
 * A `{name}` segment of the route's path, decoded. The router fills every name its route's path
 * declares, so a missing one is a handler asking for a name its path does not have.
 */
export function pathParam(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new Error(`The route's path has no {${name}} segment`);
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
