import { type StateType, countsAsFailed } from './execution';

/**
 * The dispatch ledger: what a backfill has sent to run and what of it has ended, kept per batch.
 *
 * Dispatch does not write an execution per tick. It writes one page per batch (the ticks it sent,
 * and when), sends each tick's execution document in its queue message, and the worker writes the
 * execution once, when it ends (or once when it starts, for tasks that run for a while). The worker
 * then marks the execution's slot ended on its page, one write per page for a whole delivery. So a
 * tick costs one write of the execution and its index entries instead of three (created, claimed,
 * finished), and dispatch learns how many executions are still in flight from a few pages instead of
 * counting an index. Pages whose slots have all ended are folded into the backfill's counters on its
 * trigger row, then deleted: a backfill's open pages stay few whatever its size.
 */
export interface LedgerPage {
  /** `<backfillId>|<first tick>`: a re-run batch finds the page an earlier attempt wrote. */
  id: string;
  backfillId: string;
  /** The ticks sent to run, in order; an execution's slot is its tick's place here. Skipped ticks are not in it. */
  ticks: number[];
  /** When dispatch sent them: the executions' creation date, so a re-sent message rebuilds the same document. */
  sentAt: string;
  /** Slots whose execution ended, and those of them that did not succeed (FAILED or KILLED). */
  ended: number[];
  failed: number[];
  /**
   * Of the `failed` slots, those whose execution was KILLED (absent when none): a failure policy
   * counts only the executions that FAILED, and a backfill's counts tell the two apart.
   */
  killed?: number[];
  /** When the sweep last sent its stuck executions again (see `sweepStuck`), if ever. */
  sweptAt?: string;
  /**
   * Slots a worker did not start because the backfill was paused: their messages were dropped, and
   * dispatch sends them again once the backfill runs again. Pausing thus stops every execution not
   * yet started, not only those not yet dispatched.
   */
  held?: number[];
}

/** An execution that ended, as its page records it. */
export interface SlotMark {
  pageId: string;
  slot: number;
  /** It ended FAILED or KILLED. */
  failed: boolean;
  /** It ended KILLED (then `failed` too). */
  killed?: boolean;
}

/** The mark of an execution of `page`'s slot that ended in `state`. */
export function slotMarkOf(page: { id: string; slot: number }, state: StateType): SlotMark {
  return { pageId: page.id, slot: page.slot, failed: countsAsFailed(state), ...(state === 'KILLED' ? { killed: true } : {}) };
}

/** The page id of a batch starting at `firstTickMs`: fixed-width, so ids sort by tick. */
export function ledgerPageId(backfillId: string, firstTickMs: number): string {
  return `${backfillId}|${String(firstTickMs).padStart(15, '0')}`;
}

/** The backfill a page id names (see ledgerPageId; backfill ids hold no `|`). */
export function backfillOfPage(pageId: string): string {
  return pageId.slice(0, pageId.indexOf('|'));
}

/** Executions of the page still queued or running. */
export function inFlightOf(page: LedgerPage): number {
  return page.ticks.length - new Set(page.ended).size;
}

/** Whether every execution the page sent has ended: it can be folded into the trigger row. */
export function hasEnded(page: LedgerPage): boolean {
  return inFlightOf(page) <= 0;
}

/** Executions of `pages` that ended: with the row's folded `ended`, all of a backfill's that ended so far. */
export function endedIn(pages: readonly LedgerPage[]): number {
  return pages.reduce((sum, page) => sum + new Set(page.ended).size, 0);
}

/** Executions of the page that ended without success: all of them (FAILED or KILLED), and those KILLED. */
export function failuresOf(page: LedgerPage): { failed: number; killed: number } {
  return { failed: new Set(page.failed).size, killed: new Set(page.killed ?? []).size };
}

/** What a page adds to the backfill's counters once folded. */
export function foldOf(page: LedgerPage): { pageId: string; ended: number; failed: number; killed: number } {
  return { pageId: page.id, ended: new Set(page.ended).size, ...failuresOf(page) };
}
