/// <reference lib="dom" />
/** A trigger's backfill column: a start button, or the running backfill's progress and controls. */
import { useState } from 'preact/hooks';
import { type Backfill, type Trigger, api } from './api';
import { paceText } from './backfill-pace';
import { backfillStatus } from './backfill-status';
import { type LastBackfillNote, lastBackfillNote } from './last-backfill';
import { BackfillTimelineStrip } from './backfill-timeline';
import { pausedNote } from './paused-note';
import { type StopAction, stopConfirmation } from './stop-confirmation';
import { backfillCursor } from './trigger-dates';
import { Modal, Time, html } from './ui';

/** Ticks finished (succeeded, failed, killed or skipped) out of the total, and the whole percentage. */
export function progressOf(b: Backfill): { done: number; total: number; percent: number } {
  const p = b.progress;
  const done = (p?.succeeded ?? 0) + (p?.failed ?? 0) + (p?.killed ?? 0) + (p?.skipped ?? 0);
  const total = p?.total ?? 0;
  return { done, total, percent: total > 0 ? Math.floor((done / total) * 100) : 0 };
}

/**
 * "Backfill executions" when the trigger has no backfill (`onOpen` opens the dialog);
 * otherwise its progress with pause/resume, Cancel and Delete (each confirmed in a dialog that says
 * what it does) and `onDetails`.
 */
export function BackfillCell({
  trigger,
  onOpen,
  onDetails,
  onChanged,
}: {
  trigger: Trigger;
  onOpen: () => void;
  onDetails: () => void;
  onChanged: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<StopAction | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const b = trigger.backfill;
  const act = async (action: 'pause' | 'unpause' | StopAction) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.backfillAction(trigger, action);
      setConfirming(undefined);
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  if (!b) {
    const last = lastBackfillNote(trigger);
    return html`<div class="backfill-cell">
      <button type="button" class="secondary" disabled=${trigger.disabled} onClick=${onOpen}
        title=${trigger.disabled ? 'Enable the trigger to backfill it' : undefined}>Backfill executions</button>
      ${last ? html`<${LastBackfillSummary} last=${last} />` : null}
    </div>`;
  }
  const { done, total, percent } = progressOf(b);
  const status = backfillStatus(b);
  return html`<div class="backfill-cell" data-backfill-id=${b.id}>
    <div class="progress-line">
      <span class=${`badge ${status.badge}`}>${status.label}</span>
      <span class="progress-text" data-done=${done} data-total=${total}>${done} / ${total} (${percent}%)</span>
    </div>
    <div class="progress" role="progressbar" aria-label="Backfill progress" aria-valuemin="0" aria-valuemax=${total} aria-valuenow=${done} aria-valuetext=${`${done} of ${total} (${percent}%)`}>
      <div class="progress-fill" style=${{ width: `${percent}%` }}></div>
    </div>
    <div class="progress-counts muted">running ${b.progress?.running ?? 0} · queued ${b.progress?.queued ?? 0} · failed ${b.progress?.failed ?? 0}${
      b.progress?.killed ? ` · killed ${b.progress.killed}` : ''
    }${b.progress?.skipped ? ` · skipped ${b.progress.skipped}` : ''}</div>
    <${BackfillTimelineStrip} trigger=${trigger} backfill=${b} />
    <div class="progress-pace muted" title=${b.progress?.eta ? `Expected end: ${b.progress.eta}` : undefined}>${paceText(b, Date.now())}</div>
    ${status.note ? html`<p class="backfill-status-note" role="status">${status.note}</p>` : null}
    ${b.paused && !b.cancelling ? html`<p class="paused-note" role="status">${pausedNote(b.progress)}</p>` : null}
    <div class="actions">
      ${
        // Being cancelled, it only waits for its killed executions to stop: nothing is left to pause, cancel or delete.
        b.cancelling
          ? null
          : html`${
              b.paused
                ? html`<button type="button" class="secondary" disabled=${busy} onClick=${() => act('unpause')}>Resume</button>`
                : html`<button type="button" class="secondary" disabled=${busy} onClick=${() => act('pause')}>Pause</button>`
            }
      <button type="button" class="secondary" disabled=${busy} onClick=${() => setConfirming('cancel')}>Cancel</button>
      <button type="button" class="secondary" disabled=${busy} onClick=${() => setConfirming('delete')}>Delete</button>`
      }
      <button type="button" class="link" onClick=${onDetails}>Details</button>
    </div>
    ${error && !confirming ? html`<p class="field-error" role="alert">${error}</p>` : null}
    <${StopDialog} action=${confirming} backfill=${b} busy=${busy} error=${error} onConfirm=${act}
      onClose=${() => {
        setConfirming(undefined);
        setError(undefined);
      }} />
  </div>`;
}

/** Delete's or Cancel's confirmation, its numbers following the poll while it is open. */
function StopDialog({
  action,
  backfill,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  action?: StopAction;
  backfill: Backfill;
  busy: boolean;
  error?: string;
  onConfirm: (action: StopAction) => void;
  onClose: () => void;
}) {
  const confirmation = stopConfirmation(action ?? 'delete', backfill.progress);
  return html`<${Modal} open=${!!action} onClose=${onClose} label=${confirmation.title} className="dialog confirm">
    ${
      action
        ? html`<div class="confirm-body">
          <header class="dialog-head"><h2>${confirmation.title}</h2></header>
          <p class="confirm-text" data-in-flight=${confirmation.inFlight} data-not-dispatched=${confirmation.notDispatched}>${confirmation.text}</p>
          ${error ? html`<p class="error-box" role="alert">${error}</p>` : null}
          <footer class="dialog-foot">
            <button type="button" class="secondary" onClick=${onClose}>Keep backfill</button>
            <button type="button" class="danger" disabled=${busy} onClick=${() => onConfirm(action)}>${busy ? 'Working…' : confirmation.confirm}</button>
          </footer>
        </div>`
        : null
    }
  <//>`;
}

/**
 * Where the trigger's backfill has got to: the next tick it dispatches (its cursor), under its own
 * heading, apart from the trigger's next scheduled execution.
 */
export function BackfillAt({ trigger }: { trigger?: Trigger }) {
  if (!trigger?.backfill) return html`<span class="muted">—</span>`;
  const cursor = backfillCursor(trigger);
  return cursor
    ? html`<span title="The next tick this backfill dispatches"><${Time} iso=${cursor} /></span>`
    : html`<span class="muted">every tick dispatched</span>`;
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
