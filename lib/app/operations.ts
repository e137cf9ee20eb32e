import { DomainError, NoBackfillError, NotFoundError, OperationNotFoundError } from '../domain/errors';
import { ValidationError, isValidationError } from '../domain/flow/errors';
import { derivedId, randomId } from '../domain/ids';
import {
  MAX_OPERATION_ITEMS,
  type MissedScheduleRecovery,
  OPERATION_RETENTION_MS,
  type Operation,
  type OperationError,
  type OperationKind,
  type OperationState,
  type OperationTarget,
  distinctTargets,
  isExecutionKind,
  isExecutionTarget,
  operationError,
  operationState,
  partsOf,
} from '../domain/operation';
import type { Clock, OperationMessage, OperationQueue, OperationStore } from '../ports';
import type { BackfillOutcome, TriggerRef } from '../domain/trigger-state';
import { type CancelBackfillDeps, cancelBackfill } from './backfill-cancel';
import { type DeleteBackfillDeps, type PauseBackfillDeps, type UnpauseBackfillDeps, deleteBackfill, pauseBackfill, unpauseBackfill } from './backfill-control';
import { type KillExecutionDeps, killExecution } from './execution-kill';
import { type ReplayExecutionDeps, type RestartExecutionDeps, replayExecution, restartExecution } from './execution-rerun';
import { type SwitchTriggerDeps, switchTrigger } from './trigger-switch';

/** The operation's answer to the request: Kestra 2.x's `ApiAsyncOperationResponse`. */
export interface AsyncOperationResponse {
  operationId: string;
  totalItems: number;
}

/** What `GET /api/v1/{tenant}/operations/{operationId}` answers (ours: Kestra has no such route). */
export interface OperationView {
  operationId: string;
  kind: OperationKind;
  totalItems: number;
  done: number;
  failed: number;
  /** Why triggers or executions could not be changed: the first 100 (`errorsOmitted` counts the rest). */
  errors: OperationError[];
  errorsOmitted: number;
  state: OperationState;
  createdAt: string;
  /** Once no part is left. */
  endedAt?: string;
}

export interface OperationRequest {
  kind: OperationKind;
  /** Triggers for a trigger kind, executions for an execution kind (see `isExecutionKind`). */
  targets: readonly OperationTarget[];
  /** TRIGGER_ENABLE only: what becomes of the ticks missed while disabled (see `switchTrigger`). */
  recover?: MissedScheduleRecovery;
}

export interface StartOperationDeps {
  clock: Clock;
  operations: Pick<OperationStore, 'create' | 'recordPart'>;
  operationQueue: Pick<OperationQueue, 'send'>;
}

/**
 * Accepts a bulk action: records the operation and its triggers in parts, then queues one message
 * per part (the operations function applies them). A part that cannot be queued is recorded failed
 * at once, each of its triggers with the reason, so the operation still ends; were its message sent
 * after all, the consumer finds the part recorded and changes nothing.
 *
 * `selectedBy` names the request's field that chose the triggers, for the 422 past MAX_OPERATION_ITEMS.
 */
export async function startOperation(deps: StartOperationDeps, request: OperationRequest, selectedBy: string): Promise<AsyncOperationResponse> {
  const targets = distinctTargets(request.targets);
  const noun = isExecutionKind(request.kind) ? 'executions' : 'triggers';
  if (targets.length > MAX_OPERATION_ITEMS) {
    throw new ValidationError(selectedBy, `selects ${targets.length} ${noun}; one operation takes at most ${MAX_OPERATION_ITEMS} (narrow the selection)`);
  }
  const now = deps.clock.now();
  const createdAt = now.toISOString();
  const parts = partsOf(targets);
  const operation: Operation = {
    id: randomId(),
    kind: request.kind,
    ...(request.kind === 'TRIGGER_ENABLE' && request.recover !== undefined ? { recover: request.recover } : {}),
    totalItems: targets.length,
    parts: parts.length,
    recordedParts: [],
    done: 0,
    failed: 0,
    errors: [],
    errorsOmitted: 0,
    createdAt,
    updatedAt: createdAt,
    // Whole seconds: DynamoDB's TTL attribute is in seconds.
    expiresAtMs: Math.ceil((now.getTime() + OPERATION_RETENTION_MS) / 1000) * 1000,
  };
  await deps.operations.create(operation, parts);
  const messages: OperationMessage[] = parts.map((_, part) => ({ operationId: operation.id, part }));
  let unsent: OperationMessage[];
  let reason = 'its message could not be queued';
  try {
    unsent = await deps.operationQueue.send(messages);
  } catch (error) {
    unsent = messages;
    reason = `its message could not be queued: ${(error as Error).message}`;
  }
  for (const { part } of unsent) {
    const refs = parts[part] ?? [];
    await deps.operations.recordPart(operation.id, { part, done: 0, failed: refs.length, errors: refs.map((ref) => operationError(ref, reason)) }, createdAt);
  }
  return { operationId: operation.id, totalItems: targets.length };
}

export type RunOperationDeps = PauseBackfillDeps &
  UnpauseBackfillDeps &
  DeleteBackfillDeps &
  CancelBackfillDeps &
  SwitchTriggerDeps &
  KillExecutionDeps &
  RestartExecutionDeps &
  ReplayExecutionDeps & {
    operations: Pick<OperationStore, 'get' | 'part' | 'recordPart'>;
  };

/** What became of one part's message. */
export type PartRunOutcome = 'APPLIED' | 'ALREADY_RECORDED' | 'UNKNOWN';

/**
 * Applies the action to each trigger of one part, then records the part's outcome once. A
 * trigger the action refuses (unknown, no backfill to act on, a conflict, a validation failure)
 * counts failed with the reason; anything else (an outage) throws, and the message comes back.
 *
 * Redelivery is safe: a recorded part is not applied again, and one whose outcome was not recorded
 * (the function died between applying and recording) is applied again, which changes nothing twice:
 * pausing a paused backfill, resuming a running one, switching a trigger to where it is are
 * no-ops, cancelling a backfill being cancelled carries the first cancel on, and a delete (a cancel)
 * that finds the backfill already deleted (cancelled) since the operation started counts as done
 * (the trigger is as asked). Another caller's change meanwhile reads the same way.
 */
export async function runOperationPart(deps: RunOperationDeps, message: OperationMessage): Promise<PartRunOutcome> {
  const operation = await deps.operations.get(message.operationId);
  if (!operation) return 'UNKNOWN';
  if (operation.recordedParts.includes(message.part)) return 'ALREADY_RECORDED';
  const targets = await deps.operations.part(message.operationId, message.part);
  if (!targets) return 'UNKNOWN';
  let done = 0;
  const errors: OperationError[] = [];
  for (const target of targets) {
    try {
      if (isExecutionTarget(target)) await applyToExecution(deps, operation, target.executionId);
      else await apply(deps, operation, target);
      done++;
    } catch (error) {
      if (!(error instanceof DomainError) && !isValidationError(error)) throw error;
      errors.push(operationError(target, error instanceof NotFoundError ? error.qualified : error.message));
    }
  }
  const recorded = await deps.operations.recordPart(operation.id, { part: message.part, done, failed: errors.length, errors }, deps.clock.now().toISOString());
  return recorded ? 'APPLIED' : 'ALREADY_RECORDED';
}

/**
 * An execution action of an operation. Each says who asked (the operation), so a redelivered part
 * finds what its earlier delivery did and counts it done rather than failing on it.
 */
async function applyToExecution(deps: RunOperationDeps, operation: Operation, executionId: string): Promise<void> {
  const by = `asked by bulk operation ${operation.id}`;
  switch (operation.kind) {
    case 'EXECUTION_KILL':
      await killExecution(deps, executionId, by, { sameRequesterAgain: true });
      return;
    case 'EXECUTION_RESTART':
      await restartExecution(deps, executionId, { doneIfRestartedSince: operation.createdAt });
      return;
    case 'EXECUTION_REPLAY':
      await replayExecution(deps, executionId, derivedId('replay', operation.id, executionId));
      return;
    default:
      throw new ValidationError('kind', `${operation.kind} does not act on executions`);
  }
}

async function apply(deps: RunOperationDeps, operation: Operation, ref: TriggerRef): Promise<void> {
  switch (operation.kind) {
    case 'BACKFILL_PAUSE':
      await pauseBackfill(deps, ref);
      return;
    case 'BACKFILL_UNPAUSE':
      await unpauseBackfill(deps, ref);
      return;
    case 'BACKFILL_DELETE':
      try {
        await deleteBackfill(deps, ref);
      } catch (error) {
        if (!(error instanceof NoBackfillError) || !(await endedSince(deps, ref, 'DELETED', operation.createdAt))) throw error;
      }
      return;
    case 'BACKFILL_CANCEL':
      try {
        // Who asked, for the killed executions' log lines.
        await cancelBackfill(deps, ref, `asked by bulk operation ${operation.id}`);
      } catch (error) {
        // Its backfills already ended CANCELLED: an earlier delivery whose executions have all stopped since.
        if (!(error instanceof NoBackfillError) || !(await endedSince(deps, ref, 'CANCELLED', operation.createdAt))) throw error;
      }
      return;
    case 'TRIGGER_DISABLE':
      await switchTrigger(deps, ref, true);
      return;
    case 'TRIGGER_ENABLE':
      await switchTrigger(deps, ref, false, operation.recover ?? false);
      return;
    default:
      throw new ValidationError('kind', `${operation.kind} does not act on triggers`);
  }
}

/** Whether the trigger's last backfill ended so (DELETED, CANCELLED) since `since` (by this operation's earlier delivery, or by anyone). */
async function endedSince(deps: RunOperationDeps, ref: TriggerRef, outcome: BackfillOutcome, since: string): Promise<boolean> {
  const last = (await deps.triggers.get(ref))?.lastBackfill;
  return last?.outcome === outcome && Date.parse(last.endedDate) >= Date.parse(since);
}

export interface GiveUpPartDeps {
  clock: Clock;
  operations: Pick<OperationStore, 'get' | 'part' | 'recordPart'>;
}

/**
 * A part whose message failed every delivery the queue allows (dead-lettered): records each of its
 * triggers failed with `reason`, unless the part was recorded, so the operation ends. Some of them
 * may have changed before the deliveries failed; the error says so.
 */
export async function giveUpOperationPart(deps: GiveUpPartDeps, message: OperationMessage, reason: string): Promise<PartRunOutcome> {
  const operation = await deps.operations.get(message.operationId);
  if (!operation) return 'UNKNOWN';
  if (operation.recordedParts.includes(message.part)) return 'ALREADY_RECORDED';
  const targets = (await deps.operations.part(message.operationId, message.part)) ?? [];
  const errors = targets.map((target) => operationError(target, reason));
  const recorded = await deps.operations.recordPart(
    operation.id,
    { part: message.part, done: 0, failed: targets.length, errors },
    deps.clock.now().toISOString(),
  );
  return recorded ? 'APPLIED' : 'ALREADY_RECORDED';
}

export interface GetOperationDeps {
  clock: Clock;
  operations: Pick<OperationStore, 'get'>;
}

/** The operation's progress; an unknown or expired one is a 404 (DynamoDB deletes expired items within days, not at once). */
export async function getOperation(deps: GetOperationDeps, operationId: string): Promise<OperationView> {
  const operation = await deps.operations.get(operationId);
  if (!operation || operation.expiresAtMs <= deps.clock.now().getTime()) {
    throw new OperationNotFoundError(`Operation ${operationId} not found (operations are kept ${OPERATION_RETENTION_MS / 86_400_000} days)`);
  }
  const state = operationState(operation);
  return {
    operationId: operation.id,
    kind: operation.kind,
    totalItems: operation.totalItems,
    done: operation.done,
    failed: operation.failed,
    errors: operation.errors,
    errorsOmitted: operation.errorsOmitted,
    state,
    createdAt: operation.createdAt,
    ...(state === 'RUNNING' ? {} : { endedAt: operation.updatedAt }),
  };
}

export interface ResendOperationsDeps {
  operationQueue: Pick<OperationQueue, 'send'>;
}

/**
 * Sends again the parts of these operations not recorded yet: the local default's queue lives in
 * memory, so after a restart their messages are gone (on AWS, SQS keeps them). A part sent twice is
 * applied once: see `runOperationPart`. Returns how many parts it sent.
 */
export async function resendUnrecordedParts(deps: ResendOperationsDeps, operations: readonly Operation[]): Promise<number> {
  const messages = operations.flatMap((operation) =>
    Array.from({ length: operation.parts }, (_, part) => part)
      .filter((part) => !operation.recordedParts.includes(part))
      .map((part) => ({ operationId: operation.id, part })),
  );
  if (messages.length) await deps.operationQueue.send(messages);
  return messages.length;
}
