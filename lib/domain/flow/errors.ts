import { DomainError } from '../errors';

/**
 * The one error type for rejected user input (flow YAML, backfill requests, inputs, labels…).
 *
 * It deliberately knows nothing about flows: the API answers any `ValidationError` with a client
 * error whose body names `path` and the message, whatever the request was.
 */

/** Where in a text source (e.g. the flow YAML) the offending value is; 1-based. */
export interface SourceLocation {
  line: number;
  column: number;
}

/**
 * A value failed validation.
 *
 * `message` is always `"<path>: <expected>"`, plus ` (line L, column C)` when the value came
 * from a text source whose position is known, so a client can show the message alone.
 */
export class ValidationError extends DomainError {
  /** Dotted/indexed path of the offending value, e.g. `tasks[1].type` or `backfill.labels[0].key`. */
  readonly path: string;
  /** What is wrong and what was expected, without the path, e.g. `unknown time zone "Mars/Base": …`. */
  readonly expected: string;
  /** Position in the source text when known (YAML sources only). */
  readonly line?: number;
  readonly column?: number;

  constructor(path: string, expected: string, location?: SourceLocation) {
    super(`${path}: ${expected}` + (location ? ` (line ${location.line}, column ${location.column})` : ''));
    this.name = 'ValidationError';
    this.path = path;
    this.expected = expected;
    if (location) {
      this.line = location.line;
      this.column = location.column;
    }
  }

  /** The same error with a source position attached (used once the YAML node is located). */
  withLocation(location: SourceLocation): ValidationError {
    return new ValidationError(this.path, this.expected, location);
  }
}

/** Type guard usable across module copies (e.g. bundled Lambdas), where `instanceof` may fail. */
export function isValidationError(error: unknown): error is ValidationError {
  return (
    error instanceof ValidationError ||
    (error instanceof Error &&
      error.name === 'ValidationError' &&
      typeof (error as { path?: unknown }).path === 'string' &&
      typeof (error as { expected?: unknown }).expected === 'string')
  );
}
