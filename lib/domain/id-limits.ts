/**
 * How long the names a client chooses may be. They become DynamoDB keys, which have hard limits
 * (partition key 2,048 bytes, sort key 1,024 bytes): a longer value is refused by DynamoDB with an
 * error the API could only answer with a 500. Checked wherever a name enters (the flow parser, the
 * request schemas, path parameters), before the pattern, so that a refusal never echoes kilobytes.
 *
 * Namespace and flow id are Kestra's own limits (`AbstractFlow`: `@Size(max = 150)`, `@Size(max = 100)`).
 * Kestra sets none on task, trigger and input ids, label keys or execution ids; ours are the flow
 * id's. Every id pattern is ASCII, so characters are bytes, and the longest composite keys stay far
 * inside DynamoDB's limits:
 * - partition keys: `tickShard` `<ns>|<flow>|<trigger>|<shard>` and a live schedule's
 *   `pendingShard` `live:<ns>|<flow>|<trigger>|<shard>`: at most 5 + 150 + 1 + 100 + 1 + 100 + 2 = 359 bytes
 *   (of 2,048); `flowKey` `<ns>|<flow>` 251; an execution's or a log's `id`/`executionId` 100.
 * - sort keys: `sortKey` `<startDate>#<id>` and `pendingTick` `<tick>#<id>` at most 35 + 1 + 100 = 136
 *   bytes (of 1,024); a flow's `id` and a trigger's `triggerId` 100.
 *
 * Labels are not keys, but each is stored twice in an execution's item (its document and the
 * `labelKeys` set searches filter on), and DynamoDB items hold at most 400 KB: a bounded key, value
 * and count keep ASCII labels under 60 KB of an item (50 × 600 bytes × 2).
 */
import { ValidationError } from './flow/errors';

export const MAX_LENGTH = {
  namespace: 150,
  flowId: 100,
  /** Tasks, triggers and inputs. */
  elementId: 100,
  /** Our execution ids are 22 characters long (`randomId`); longer ones cannot exist. */
  executionId: 100,
  labelKey: 100,
  labelValue: 500,
} as const;

/** At most this many labels in one list (a flow's, a trigger's, a backfill's). */
export const MAX_LABELS = 50;

/** The message for a value longer than `max` characters, shared by the parsers and the request schemas. */
export function tooLongMessage(what: string, length: number, max: number): string {
  return `${what} is ${length} characters long; expected at most ${max}`;
}

/** Throws a `ValidationError` at `path` when `value` has more than `max` characters. */
export function checkLength(value: string, path: string, what: string, max: number): void {
  if (value.length > max) throw new ValidationError(path, tooLongMessage(what, value.length, max));
}
