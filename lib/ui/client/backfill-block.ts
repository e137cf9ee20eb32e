/// <reference lib="dom" />
/** One active backfill in a trigger's backfill column: its window, progress, pace, timeline and controls. */
import { useState } from 'preact/hooks';
import { type Backfill, type Trigger, api } from './api';
import { progressOf } from './backfill-list';
import { paceText } from './backfill-pace';
import { backfillStatus } from './backfill-status';
import { BackfillTimelineStrip } from './backfill-timeline';
import { pausedNote } from './paused-note';
import { type StopAction, stopConfirmation } from './stop-confirmation';
import { Modal, Time, html } from './ui';

/** The window a backfill covers (the server records an open end as the time it was created). */
export function BackfillWindow({ backfill }: { backfill: { start: string; end?: string | null } }) {
  return html`<span class="backfill-window-range"><${Time} iso=${backfill.start} /> → ${
    backfill.end ? html`<${Time} iso=${backfill.end} />` : html`<span class="muted">now (at creation)</span>`
  }</span>`;
}

/**
 * The backfill's progress with pause/resume, Cancel and Delete (each confirmed in a dialog that says
 * what it does) and `onDetails`. Every control names this backfill (`backfillId`), so it acts on it
 * alone when others run on the trigger.
 */
export function BackfillBlock({
  trigger,
  backfill: b,
  onDetails,
  onChanged,
}: {
  trigger: Trigger;
  backfill: Backfill;
  onDetails: () => void;
  onChanged: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<StopAction | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const act = async (action: 'pause' | 'unpause' | StopAction) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.backfillAction(trigger, action, b.id);
      setConfirming(undefined);
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const { done, total, percent } = progressOf(b);
  const status = backfillStatus(b);
  return html`<div class="backfill-block" data-backfill-id=${b.id} data-backfill-state=${status.label.toLowerCase()}>
    <div class="progress-line">
      <span class=${`badge ${status.badge}`}>${status.label}</span>
      <span class="progress-text" data-done=${done} data-total=${total}>${done} / ${total} (${percent}%)</span>
    </div>
    <div class="backfill-window muted">Window <${BackfillWindow} backfill=${b} /></div>
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
          <p class="confirm-window muted">Window <${BackfillWindow} backfill=${backfill} /></p>
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
