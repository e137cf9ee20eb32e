import type { z } from 'zod';
import { ValidationError } from '../../domain/flow/errors';

/**
 * Stands for the path of the field being parsed, for rules that live outside zod and name paths
 * themselves (`parseLabels`, shared with the flow YAML parser): a transform cannot know where its
 * value sits, so it passes this as the field's path and `toValidationError` puts the real one in.
 */
export const FIELD_PATH = '\u0000';

/** A custom issue's `params` when a rule outside zod named the offending path (see `FIELD_PATH`). */
export interface OutsideRuleParams {
  /** E.g. `${FIELD_PATH}[0].key`. */
  path: string;
}

/** `['backfill', 'labels', 0, 'key']` → `backfill.labels[0].key`, as every message of the API names it. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out ? `${out}.${String(segment)}` : String(segment)), '');
}

/**
 * The first issue as our `ValidationError(path, expected)`. Every schema words its own messages
 * (what was expected, what came), so the message is used as is; only the path is built here.
 *
 * @param root the name of the whole value, for an issue about the value itself (`body`).
 */
function toValidationError(issue: z.core.$ZodIssue, root: string): ValidationError {
  const fieldPath = formatPath(issue.path);
  const outside = issue.code === 'custom' ? (issue.params as Partial<OutsideRuleParams> | undefined)?.path : undefined;
  if (outside === undefined) return new ValidationError(fieldPath || root, issue.message);
  const named = (text: string) => text.replaceAll(FIELD_PATH, fieldPath);
  return new ValidationError(named(outside).replace(/^\./, '') || root, named(issue.message));
}

/**
 * Parses a request body (already read as JSON) with its schema, once, in the route: the typed
 * command on success, else a `ValidationError` naming the first offending field.
 */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  if (!issue) throw new Error('The schema refused the value without saying why (zod reported no issue)');
  throw toValidationError(issue, 'body');
}

/** Whether a query field takes every value of a repeated parameter (its input is an array). */
function acceptsList(schema: z.core.$ZodType): boolean {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'array':
      return true;
    case 'pipe':
      return acceptsList(def.in);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return acceptsList(def.innerType);
    default:
      return false;
  }
}

/**
 * Parses a query string with its schema. A field whose schema takes an array gets every value of a
 * repeated parameter (`state=A&state=B`); any other field gets the first value, or `undefined`.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, query: URLSearchParams): z.output<S> {
  const input: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    input[name] = acceptsList(field) ? query.getAll(name) : (query.get(name) ?? undefined);
  }
  return parseBody(schema, input);
}
