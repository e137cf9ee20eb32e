import { expect } from 'vitest';
import { ValidationError } from '../../../lib/domain/flow/errors';

/**
 * Runs `fn`, asserts it throws a ValidationError at exactly `path`, and that the message
 * contains every fragment (so each test pins what the user is told was expected).
 */
export function expectValidationError(fn: () => unknown, path: string, ...fragments: string[]): ValidationError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a ValidationError to be thrown').toBeInstanceOf(ValidationError);
  const error = thrown as ValidationError;
  expect(error.path).toBe(path);
  expect(error.message.startsWith(`${path}: `)).toBe(true);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}
