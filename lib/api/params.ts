import { ValidationError } from '../domain/flow/errors';
import type { HttpRequest } from './http';

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
