import { parseTriggerRef } from '../domain/backfill';
import { BadRequestError } from '../domain/errors';
import { ValidationError } from '../domain/flow/errors';
import { inNamespace } from '../domain/namespaces';
import type { TriggerRef, TriggerState } from '../domain/trigger-state';
import type { Services } from '../services';
import { resolveTrigger, setDisabled } from './backfills';

const NO_BACKFILL = 'No backfill found';

/**
 * Pause: the flag is all it takes. The state machine finishes the batch in hand, sees the flag on
 * its next iteration and parks on a task token stored with the backfill.
 */
export async function pauseBackfill(svc: Services, body: unknown): Promise<TriggerState> {
  const ref = parseTriggerRef(body);
  await resolveTrigger(svc, ref);
  const result = await svc.triggers.setBackfillPaused(ref, true, svc.clock.now().toISOString());
  if (!result) throw new BadRequestError(NO_BACKFILL);
  return result.state;
}

/**
 * Unpause: clears the flag and hands the parked token back. If the machine has not parked yet,
 * there is no token; it will see the flag cleared when it stores its token and resume itself.
 */
export async function unpauseBackfill(svc: Services, body: unknown): Promise<TriggerState> {
  const ref = parseTriggerRef(body);
  await resolveTrigger(svc, ref);
  const result = await svc.triggers.setBackfillPaused(ref, false, svc.clock.now().toISOString());
  if (!result) throw new BadRequestError(NO_BACKFILL);
  if (result.taskToken) await svc.workflows.resume(result.taskToken, { resumedBy: 'unpause' });
  return result.state;
}

/**
 * Delete: removes the backfill (restoring the live `nextExecutionDate`) and stops its state machine
 * execution. Executions already created are kept, as in Kestra.
 */
export async function deleteBackfill(svc: Services, body: unknown): Promise<TriggerState> {
  const ref = parseTriggerRef(body);
  const { state } = await resolveTrigger(svc, ref);
  const backfill = state.backfill;
  if (!backfill) throw new BadRequestError(NO_BACKFILL);
  const updatedDate = svc.clock.now().toISOString();
  if (!(await svc.triggers.finishBackfill(ref, backfill.id, 'DELETED', updatedDate))) throw new BadRequestError(NO_BACKFILL);
  // A hand-over may have started the next generation meanwhile; it finds the backfill gone and ends by itself.
  await svc.workflows.stop(backfill.executionName);
  const { backfill: _removed, ...rest } = state;
  return { ...rest, updatedDate };
}

type Action = (svc: Services, body: unknown) => Promise<TriggerState>;

/** Applies an action to many triggers; those without a backfill (or unknown) are skipped, as Kestra does. */
async function applyAll(svc: Services, refs: TriggerRef[], action: Action): Promise<{ count: number }> {
  let count = 0;
  for (const ref of refs) {
    try {
      await action(svc, ref);
      count++;
    } catch (error) {
      if (!(error instanceof BadRequestError) && (error as Error).name !== 'NotFoundError') throw error;
    }
  }
  return { count };
}

export async function applyByTriggers(svc: Services, body: unknown, action: Action): Promise<{ count: number }> {
  if (!Array.isArray(body)) throw new ValidationError('body', 'expected a JSON array of {namespace, flowId, triggerId}');
  const refs = body.map((item, i) => {
    try {
      return parseTriggerRef(item);
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError(`[${i}].${error.path}`, error.expected);
      throw error;
    }
  });
  return applyAll(svc, refs, action);
}

/**
 * Applies an action to the triggers a query selects: `namespace` matches the namespace and its
 * children (Kestra's prefix filter), `flowId` matches exactly. Backfill actions look only at
 * triggers with a backfill; the others at every trigger.
 */
export async function applyByQuery(
  svc: Services,
  query: { namespace?: string; flowId?: string },
  action: Action,
  rowsWith: 'backfill' | 'any' = 'backfill',
): Promise<{ count: number }> {
  const candidates = rowsWith === 'backfill' ? await svc.triggers.listWithBackfill() : await svc.triggers.list();
  const rows = candidates.filter(
    (row) =>
      inNamespace(row.namespace, query.namespace) &&
      (!query.flowId || row.flowId === query.flowId),
  );
  return applyAll(svc, rows, action);
}

/** Kestra's `set-disabled/by-triggers` body: `{triggers: [...], disabled}`. */
export async function setDisabledByTriggers(svc: Services, body: unknown): Promise<{ count: number }> {
  const fields = body as { triggers?: unknown; disabled?: unknown } | null;
  if (!fields || typeof fields !== 'object' || !Array.isArray(fields.triggers) || fields.triggers.length === 0) {
    throw new ValidationError('triggers', 'expected a non-empty array of {namespace, flowId, triggerId}');
  }
  if (typeof fields.disabled !== 'boolean') throw new ValidationError('disabled', `expected true or false, got ${JSON.stringify(fields.disabled ?? null)}`);
  const disabled = fields.disabled;
  return applyByTriggers(svc, fields.triggers, (s, ref) => setDisabled(s, ref, disabled));
}

export const BACKFILL_ACTIONS: Record<'pause' | 'unpause' | 'delete', Action> = {
  pause: pauseBackfill,
  unpause: unpauseBackfill,
  delete: deleteBackfill,
};
