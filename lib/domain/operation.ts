import type { TriggerRef } from './trigger-state';

/**
 * An asynchronous bulk action (Kestra 2.x's `by-triggers`, `by-ids` and `by-query` routes, answered
 * 202 `{operationId, totalItems}`): the API records it and queues its targets (triggers, or
 * executions) in parts; the operations function applies the action to each and records each part's
 * outcome once.
 */
export type TriggerOperationKind = 'BACKFILL_PAUSE' | 'BACKFILL_UNPAUSE' | 'BACKFILL_DELETE' | 'BACKFILL_CANCEL' | 'TRIGGER_DISABLE' | 'TRIGGER_ENABLE';
export type ExecutionOperationKind = 'EXECUTION_KILL' | 'EXECUTION_RESTART' | 'EXECUTION_REPLAY';
export type OperationKind = TriggerOperationKind | ExecutionOperationKind;

/** An execution an operation acts on. */
export interface ExecutionTarget {
  executionId: string;
}

/** What an operation acts on: triggers, or executions (by kind, see `isExecutionKind`). */
export type OperationTarget = TriggerRef | ExecutionTarget;

export function isExecutionKind(kind: OperationKind): kind is ExecutionOperationKind {
  return kind.startsWith('EXECUTION_');
}

export function isExecutionTarget(target: OperationTarget): target is ExecutionTarget {
  return 'executionId' in target;
}

/**
 * What re-enabling a trigger does with the ticks it missed while disabled (Kestra #17618's
 * `recoverMissedSchedules`, extended): `false` skips them (Kestra 2.x's default), `true` runs them
 * through the live schedule as the trigger's own `recoverMissedSchedules` (ALL, LAST, NONE) says,
 * and `BACKFILL` (ours) replays them as a backfill of the missed window.
 */
export type MissedScheduleRecovery = boolean | 'BACKFILL';

/** Why one target of an operation (a trigger, or an execution) could not be changed. */
export type OperationError = OperationTarget & { message: string };

/** A RUNNING operation still has parts whose outcome is not recorded; then SUCCESS if every trigger changed, else FAILED. */
export type OperationState = 'RUNNING' | 'SUCCESS' | 'FAILED';

/** An operation as stored (its head item): small whatever its size, the triggers live in its parts. */
export interface Operation {
  id: string;
  kind: OperationKind;
  /** For TRIGGER_ENABLE: what happens to the ticks missed while disabled. */
  recover?: MissedScheduleRecovery;
  totalItems: number;
  /** Parts the targets were split into (each at most OPERATION_PART_SIZE of them). */
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

/** The target as stored: only its identifying fields. */
function targetOf(target: OperationTarget): OperationTarget {
  if (isExecutionTarget(target)) return { executionId: target.executionId };
  return { namespace: target.namespace, flowId: target.flowId, triggerId: target.triggerId };
}

/** The targets without repeats, first occurrence kept: a trigger or execution named twice is changed (and counted) once. */
export function distinctTargets<T extends OperationTarget>(targets: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const target of targets) {
    const kept = targetOf(target) as T;
    const key = JSON.stringify(kept);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(kept);
  }
  return out;
}

/** An error entry, its message cut so that MAX_OPERATION_ERRORS of them stay small. */
export function operationError(target: OperationTarget, message: string): OperationError {
  const cut = message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…` : message;
  return { ...targetOf(target), message: cut };
}

/** The outcome of one part, recorded once. */
export interface PartOutcome {
  part: number;
  done: number;
  failed: number;
  errors: OperationError[];
}
