import { NoBackfillError } from '../domain/errors';
import type { BackfillState, BackfillTarget, TriggerRef, TriggerState } from '../domain/trigger-state';
import type { TriggerStore } from '../ports';

export function refOf({ namespace, flowId, triggerId }: TriggerRef): TriggerRef {
  return { namespace, flowId, triggerId };
}

/**
 * Runs `act` on each targeted backfill of `state`, one after the other; `act` answers whether the
 * backfill was still there to act on. Throws NoBackfillError (`No backfill found`, or naming the
 * asked id) when nothing was acted on: none active, the asked one not active, or every one ended
 * between the read and the write.
 */
export async function eachTargeted(state: TriggerState, target: BackfillTarget, act: (backfill: BackfillState) => Promise<boolean>): Promise<void> {
  const targeted = target.backfillId === undefined ? state.backfills : state.backfills.filter((b) => b.id === target.backfillId);
  let acted = 0;
  for (const backfill of targeted) if (await act(backfill)) acted++;
  if (acted === 0) throw new NoBackfillError(target.backfillId);
}

/** The trigger after an action, read again (its other backfills may have moved meanwhile); the state read before if it is gone. */
export async function reread(deps: { triggers: Pick<TriggerStore, 'get'> }, ref: TriggerRef, before: TriggerState): Promise<TriggerState> {
  return (await deps.triggers.get(ref)) ?? before;
}
