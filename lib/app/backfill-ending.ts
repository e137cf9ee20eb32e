import { type LedgerPage, failuresOf, inFlightOf } from '../domain/ledger';
import { type BackfillOutcome, type BackfillState, type TriggerRef, activeBackfill } from '../domain/trigger-state';
import type { DispatchLedger, OpenPagesAtEnd, TriggerStore } from '../ports';
import { type FinalNotificationDeps, notifyEnding } from './backfill-notifications';

export interface EndBackfillDeps extends FinalNotificationDeps {
  triggers: Pick<TriggerStore, 'getBackfill' | 'finishBackfill'> & FinalNotificationDeps['triggers'];
  ledger: Pick<DispatchLedger, 'read'>;
}

/**
 * How many times ending retries when a fold changed the backfill's open pages between its read and
 * its write. A fold happens at most once per dispatch round, so a second try nearly always holds;
 * the bound only keeps a pathological race from looping.
 */
const MAX_ATTEMPTS = 5;

/** What a backfill's open pages hold: their failed executions (of which killed) and those not ended yet. */
function openPagesAtEnd(pageIds: string[], pages: LedgerPage[]): OpenPagesAtEnd {
  return {
    pages: pageIds,
    failed: pages.reduce((sum, page) => sum + failuresOf(page).failed, 0),
    killed: pages.reduce((sum, page) => sum + failuresOf(page).killed, 0),
    unfinished: pages.reduce((sum, page) => sum + inFlightOf(page), 0),
  };
}

/**
 * Ends the backfill with `outcome`, leaving its summary on the trigger (see `finishBackfill`): its
 * open pages are read, then one conditional write removes the backfill and records its counts, and
 * holds only while those pages are still the open ones. A fold in between fails it; the row is read
 * again and ending retried. Returns the backfill as it ended (its open pages are the caller's to
 * remove), or undefined when it was gone: someone else ended it.
 *
 * Every ending goes through here, and its write opens the final notification's outbox (the ending
 * event, and the POST to the backfill's webhook): it is delivered at once, before returning, and
 * what fails is retried by the sweep (`deliverFinalNotification`).
 */
export async function endBackfill(
  deps: EndBackfillDeps,
  ref: TriggerRef,
  backfill: BackfillState,
  outcome: BackfillOutcome,
  updatedDate: string,
  reason?: string,
): Promise<BackfillState | undefined> {
  let current = backfill;
  for (let attempt = 1; ; attempt++) {
    const pages = await deps.ledger.read(current.openPages);
    if (await deps.triggers.finishBackfill(ref, current.id, outcome, updatedDate, reason, openPagesAtEnd(current.openPages, pages))) {
      await notifyEnding(deps, ref, current.id);
      return current;
    }
    const latest = activeBackfill(await deps.triggers.getBackfill(ref, current.id));
    if (!latest) return undefined;
    if (attempt >= MAX_ATTEMPTS) throw new Error(`Backfill ${current.id}: its open pages kept changing while it ended (${attempt} attempts)`);
    current = latest;
  }
}
