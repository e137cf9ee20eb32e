import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 22;

/** Encodes 16+ bytes as a 22-character base62 string, the shape of Kestra's ids (e.g. `4wjtkzwVGBM9yKnjm3yv8r`). */
function base62(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes.subarray(0, 17)) n = (n << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < ID_LENGTH; i++) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

/** A fresh random id, for executions and backfills created once by an API call. */
export function randomId(): string {
  return base62(randomBytes(17));
}

/**
 * The id of the execution created for one schedule tick by one owner (a backfill, or a trigger's
 * live schedule). It is derived, not random, so a retried batch, a re-run task state, an overlapping
 * tick or a redelivered message can only ever name the same execution: that is what makes creation
 * idempotent without transactions.
 */
export function tickExecutionId(owner: string, tickMs: number): string {
  return base62(createHash('sha256').update(`${owner}/${tickMs}`).digest());
}

/** The owner key of a trigger's live schedule, for `tickExecutionId` and the unfinished-work index. */
export function liveOwner(ref: { namespace: string; flowId: string; triggerId: string }): string {
  return `live:${ref.namespace}|${ref.flowId}|${ref.triggerId}`;
}

/**
 * An id derived from its parts (e.g. a bulk operation and the execution it replays), so that a
 * redelivered message can only ever name the same new execution.
 */
export function derivedId(...parts: string[]): string {
  return base62(createHash('sha256').update(parts.join('/')).digest());
}
