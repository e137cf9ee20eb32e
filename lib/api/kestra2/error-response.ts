import { NoBackfillError, NotFoundError } from '../../domain/errors';
import { isValidationError } from '../../domain/flow/errors';
import { toErrorResponse } from '../error-response';
import { type HttpResponse, error } from '../http';

/**
 * The Kestra 2.x routes' statuses, where they differ from 1.x's (`toErrorResponse`, which the 1.x
 * routes keep because the seed's clients match on them): validation failures are 422 (Kestra
 * #19097); pause, unpause or delete without a backfill is the trigger's state conflicting with the
 * request, 409; a 404 names everything addressed (`dev.nope`, not only the trigger id).
 */
export function toKestra2ErrorResponse(e: unknown): HttpResponse {
  if (isValidationError(e)) return error(422, e.message, e.path);
  if (e instanceof NoBackfillError) return error(409, e.message);
  if (e instanceof NotFoundError) return error(404, e.qualified);
  return toErrorResponse(e);
}
