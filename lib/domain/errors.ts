/**
 * Errors the domain and application layers throw; the HTTP edge maps each to a status code.
 * `ValidationError` (400) lives in ./flow/errors because flows and requests share it.
 */

/** The thing addressed does not exist (HTTP 404). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The request is valid but conflicts with the current state (HTTP 409). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The request is well-formed but not allowed in the current state, in Kestra's words (HTTP 400, e.g. `No backfill found`). */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** The request body is larger than the limit (HTTP 413). */
export class PayloadTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}
