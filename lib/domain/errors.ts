/**
 * The errors the domain, the use cases and the stores throw, named for what went wrong in the
 * product's terms. They carry no transport status: the API maps each kind to a status code in one
 * table (lib/api/error-response.ts), and every other caller (the state machine tasks, the worker,
 * the local default) handles them by kind.
 *
 * `ValidationError` belongs to this hierarchy too; it lives in ./flow/errors because flows and
 * requests share it.
 */

/** Base of every error the product throws on purpose; anything else is a bug or an outage. */
export abstract class DomainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The thing addressed does not exist. `message` keeps the wording Kestra 1.x clients match on
 * (`Flow of trigger schedule not found`); `qualified` names everything addressed
 * (`Flow dev.nope of trigger schedule not found`), which the Kestra 2.x routes answer with.
 */
export abstract class NotFoundError extends DomainError {
  readonly qualified: string;

  constructor(message: string, options?: ErrorOptions & { qualified?: string }) {
    super(message, options);
    this.qualified = options?.qualified ?? message;
  }
}

export class FlowNotFoundError extends NotFoundError {}

/** The flow exists but has no such trigger, or the trigger has no state row yet. */
export class TriggerNotFoundError extends NotFoundError {}

export class ExecutionNotFoundError extends NotFoundError {}

/** An asynchronous bulk operation unknown, or past its retention. */
export class OperationNotFoundError extends NotFoundError {}

/** The request is valid but collides with what exists now. */
export abstract class ConflictError extends DomainError {}

/**
 * A backfill's window overlaps one already active on the trigger (Kestra silently replaces the
 * active one; we refuse), or the trigger runs as many backfills as it may.
 */
export class BackfillAlreadyActiveError extends ConflictError {}

export class FlowAlreadyExistsError extends ConflictError {}

/** Someone else changed the flow between our read and our write. */
export class FlowChangedConcurrentlyError extends ConflictError {}

/** An execution already in the state an action would need it out of (killing an ended execution, restarting a running one). */
export class ExecutionStateConflictError extends ConflictError {}

/**
 * Pause, resume or delete found no backfill on the trigger. Kestra answers it as a client error
 * with the message `No backfill found`, which its users' scripts match on.
 */
export class NoBackfillError extends DomainError {
  /** With `backfillId`: that backfill is not (or no longer) active on the trigger. */
  constructor(backfillId?: string) {
    super(backfillId ? `No backfill found with id ${backfillId}` : 'No backfill found');
  }
}
