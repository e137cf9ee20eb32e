import { ConflictError, NoBackfillError, NotFoundError } from '../domain/errors';
import { isValidationError } from '../domain/flow/errors';
import { RequestTooLargeError } from './errors';
import { type HttpResponse, error } from './http';

/**
 * The one table from error kinds to Kestra's statuses. Anything not listed is a bug or an outage:
 * a 500 that leaks no internals, with the error in the service's logs.
 */
export function toErrorResponse(e: unknown): HttpResponse {
  if (isValidationError(e)) return error(400, e.message, e.path);
  // Kestra answers pause/resume/delete without a backfill with a 400 and this message.
  if (e instanceof NoBackfillError) return error(400, e.message);
  if (e instanceof NotFoundError) return error(404, e.message);
  if (e instanceof ConflictError) return error(409, e.message);
  if (e instanceof RequestTooLargeError) return error(413, e.message);
  console.error('Unhandled error in API', e);
  return error(500, 'Internal server error; see the service logs');
}
