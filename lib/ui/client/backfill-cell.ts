/// <reference lib="dom" />
/** A trigger's backfill column: every active backfill with its controls, and the button that starts another. */
import type { Backfill, Trigger } from './api';
import { BackfillBlock } from './backfill-block';
import { activeBackfills, cursorOf } from './backfill-list';
import { type LastBackfillNote, lastBackfillNote } from './last-backfill';
import { Time, html } from './ui';

/**
 * Each active backfill of the trigger (earliest window first), its controls acting on it alone, and
 * "Backfill executions" (`onOpen` opens the dialog) for another window, beside those running;
 * with none, the previous backfill's summary. `onDetails` opens the drawer of the backfill it names.
 */
export function BackfillCell({
  trigger,
  onOpen,
  onDetails,
  onChanged,
}: {
  trigger: Trigger;
  onOpen: () => void;
  onDetails: (backfillId: string) => void;
  onChanged: () => void;
}) {
  const backfills = activeBackfills(trigger);
  const last = lastBackfillNote(trigger);
  return html`<div class="backfill-cell" data-backfills=${backfills.length}>
    ${backfills.map((b) => html`<${BackfillBlock} key=${b.id} trigger=${trigger} backfill=${b} onDetails=${() => onDetails(b.id)} onChanged=${onChanged} />`)}
    <button type="button" class="secondary start-backfill" disabled=${trigger.disabled} onClick=${onOpen}
      title=${
        trigger.disabled
          ? 'Enable the trigger to backfill it'
          : backfills.length
            ? 'Start another backfill, on a window that overlaps none of those running'
            : undefined
      }>Backfill executions</button>
    ${last ? html`<${LastBackfillSummary} last=${last} />` : null}
  </div>`;
}

/** Where a backfill has got to: the next tick it dispatches (its cursor). */
export function BackfillCursor({ backfill }: { backfill: Backfill }) {
  const cursor = cursorOf(backfill);
  return cursor
    ? html`<span title="The next tick this backfill dispatches"><${Time} iso=${cursor} /></span>`
    : html`<span class="muted">every tick dispatched</span>`;
}

/**
 * Where the trigger's backfills have got to, one line each in the order the backfill column lists
 * them, under their own heading, apart from the trigger's next scheduled execution.
 */
export function BackfillAt({ trigger }: { trigger?: Trigger }) {
  const backfills = trigger ? activeBackfills(trigger) : [];
  if (!backfills.length) return html`<span class="muted">—</span>`;
  if (backfills.length === 1) return html`<${BackfillCursor} backfill=${backfills[0]} />`;
  return html`<ul class="cursors">${backfills.map((b) => html`<li key=${b.id} data-backfill-id=${b.id}><${BackfillCursor} backfill=${b} /></li>`)}</ul>`;
}

/** The previous backfill: outcome, window, counts, when it started and ended (and why, if it FAILED). */
function LastBackfillSummary({ last }: { last: LastBackfillNote }) {
  const c = last.counts;
  return html`<div class="last-backfill" role="status" data-outcome=${last.outcome}>
    <span class=${`badge ${last.badge}`}>Last backfill ${last.outcome}</span>
    ${last.start && last.end ? html`<div class="last-backfill-window">Window <${Time} iso=${last.start} /> → <${Time} iso=${last.end} /></div>` : null}
    ${
      c
        ? html`<div class="last-backfill-counts muted" data-total=${c.total} data-dispatched=${c.dispatched} data-succeeded=${c.succeeded}
            data-failed=${c.failed} data-skipped=${c.skipped} data-unfinished=${c.unfinished}>${last.countsText}</div>`
        : null
    }
    <div class="last-backfill-times muted">${last.createdDate ? html`Started <${Time} iso=${last.createdDate} />, ended ` : 'Ended '}<${Time} iso=${last.endedDate} /></div>
    ${last.reason ? html`<div class="muted last-backfill-reason">${last.reason}</div>` : null}
  </div>`;
}
