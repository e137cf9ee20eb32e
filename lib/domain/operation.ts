import type { TriggerRef } from './trigger-state';

/**
 * An asynchronous bulk action (Kestra 2.x's `by-triggers` and `by-query` routes, answered 202
 * `{operationId, totalItems}`): the API records it and queues its triggers in parts; the operations
 * function applies the action to each trigger and records each part's outcome once.
 */
export type OperationKind = 'BACKFILL_PAUSE' | 'BACKFILL_UNPAUSE' | 'BACKFILL_DELETE' | 'TRIGGER_DISABLE' | 'TRIGGER_ENABLE';

/**
 * What re-enabling a trigger does with the ticks it missed while disabled (Kestra #17618's
 * `recoverMissedSchedules`, extended): `false` skips them (Kestra 2.x's default), `true` runs them
 * through the live schedule as the trigger's own `recoverMissedSchedules` (ALL, LAST, NONE) says,
 * and `BACKFILL` (ours) replays them as a backfill of the missed window.
 */
export type MissedScheduleRecovery = boolean | 'BACKFILL';

/** Why one trigger of an operation could not be changed. */
export interface OperationError extends TriggerRef {
  message: string;
}

/** A RUNNING operation still has parts whose outcome is not recorded; then SUCCESS if every trigger changed, else FAILED. */
export type OperationState = 'RUNNING' | 'SUCCESS' | 'FAILED';

/** An operation as stored (its head item): small whatever its size, the triggers live in its parts. */
export interface Operation {
  id: string;
  kind: OperationKind;
  /** For TRIGGER_ENABLE: what happens to the ticks missed while disabled. */
  recover?: MissedScheduleRecovery;
  totalItems: number;
  /** Parts the triggers were split into (each at most OPERATION_PART_SIZE triggers). */
  parts: number;
  /** The parts whose outcome is recorded (each exactly once). */
  recordedParts: number[];
  done: number;
  failed: number;
  /** The first MAX_OPERATION_ERRORS errors; `errorsOmitted` counts the rest. */
  errors: OperationError[];
  errorsOmitted: number;
  createdAt: string;
  /** When the last part's outcome was recorded: the end, once every part is. */
  updatedAt: string;
  /** After this the operation is forgotten (DynamoDB's TTL deletes it within days; reads ignore it at once). */
  expiresAtMs: number;
}

/** Triggers per part: one queue message, one write of its outcome; at a few writes per trigger, a part takes about a second. */
export const OPERATION_PART_SIZE = 25;
/** Triggers one operation takes at most: 400 parts, whose numbers the head item holds (a few KB). */
export const MAX_OPERATION_ITEMS = 10_000;
/** Errors kept per operation: with a message of at most MAX_ERROR_MESSAGE characters, under 100 KB. */
export const MAX_OPERATION_ERRORS = 100;
const MAX_ERROR_MESSAGE = 300;
/** How long an operation can be read after it was created. */
export const OPERATION_RETENTION_MS = 7 * 24 * 3600_000;

export function operationState(operation: Pick<Operation, 'parts' | 'recordedParts' | 'failed'>): OperationState {
  if (operation.recordedParts.length < operation.parts) return 'RUNNING';
  return operation.failed > 0 ? 'FAILED' : 'SUCCESS';
}

/** The triggers split into parts of at most `size`, in order. */
export function partsOf<T>(items: readonly T[], size = OPERATION_PART_SIZE): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}

/** The triggers without repeats, first occurrence kept: a trigger named twice is changed (and counted) once. */
export function distinctTriggers(refs: readonly TriggerRef[]): TriggerRef[] {
  const seen = new Set<string>();
  const out: TriggerRef[] = [];
  for (const { namespace, flowId, triggerId } of refs) {
    const key = JSON.stringify([namespace, flowId, triggerId]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ namespace, flowId, triggerId });
  }
  return out;
}

/** An error entry, its message cut so that MAX_OPERATION_ERRORS of them stay small. */
export function operationError(ref: TriggerRef, message: string): OperationError {
  const cut = message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…` : message;
  return { namespace: ref.namespace, flowId: ref.flowId, triggerId: ref.triggerId, message: cut };
}

/** The outcome of one part, recorded once. */
export interface PartOutcome {
  part: number;
  done: number;
  failed: number;
  errors: OperationError[];
}
