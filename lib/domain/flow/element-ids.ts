/**
 * Ids of the elements inside a flow (tasks, triggers, inputs): Kestra's pattern for them, and
 * the uniqueness that tasks and triggers share.
 */
import { MAX_LENGTH, checkLength } from '../id-limits';
import { ValidationError } from './errors';
import { checkPattern } from './field-readers';

/** Kestra's id pattern for tasks, triggers and inputs (no dots). */
const ELEMENT_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

/** Checks a task, trigger or input id (`what`, e.g. "task id") at `path`: its length, then Kestra's pattern. */
export function checkElementId(id: string, path: string, what: string): void {
  checkLength(id, path, what, MAX_LENGTH.elementId);
  checkPattern(id, path, ELEMENT_ID_PATTERN, what);
}

/**
 * Records that the element at `path` (ending in `.id`) uses `id`, and throws a
 * `ValidationError` at `path` if an earlier element already did.
 */
export type ClaimId = (id: string, path: string) => void;

/**
 * A fresh {@link ClaimId} for one flow. Tasks and triggers share it because Kestra requires
 * their ids to be unique across both lists.
 */
export function uniqueIdClaimer(): ClaimId {
  const ids = new Map<string, string>();
  return (elementId: string, path: string) => {
    const first = ids.get(elementId);
    if (first !== undefined) {
      throw new ValidationError(path, `duplicate id ${JSON.stringify(elementId)}, already used by ${first}; expected ids unique across tasks and triggers`);
    }
    ids.set(elementId, path.replace(/\.id$/, ''));
  };
}
