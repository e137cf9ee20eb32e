/// <reference lib="dom" />
/** The drawer with everything about one of a trigger's active backfills, and the label chips it shares. */
import type { Backfill, Label, Trigger } from './api';
import { BackfillCursor } from './backfill-cell';
import { findBackfill } from './backfill-list';
import { REPROCESS_CHOICES } from './backfill-form';
import { paceText } from './backfill-pace';
import { backfillStatus } from './backfill-status';
import { ConcurrencyEditor } from './concurrency-editor';
import { Id, Time, html } from './ui';

function KeyValues({ value }: { value?: Record<string, unknown> | null }) {
  const entries = Object.entries(value ?? {});
  if (!entries.length) return html`<span class="muted">none</span>`;
  return html`<ul class="kv">${entries.map(([k, v]) => html`<li><code>${k}</code>: ${typeof v === 'string' ? v : JSON.stringify(v)}</li>`)}</ul>`;
}

/** "Pause after more than 2 FAILED, or 10% of the ticks". */
function failurePolicyText(policy: NonNullable<Backfill['failurePolicy']>): string {
  const limits = [
    policy.maxFailures !== undefined ? `${policy.maxFailures} FAILED` : '',
    policy.maxFailurePercent !== undefined ? `${policy.maxFailurePercent}% of the ticks` : '',
  ].filter(Boolean);
  return `${policy.action === 'PAUSE' ? 'Pause' : 'Cancel'} after more than ${limits.join(', or ')}${limits.length > 1 ? ' (the lower)' : ''}`;
}

/** Labels as `key:value` chips, or "none". */
export function Labels({ labels }: { labels?: Label[] }) {
  if (!labels?.length) return html`<span class="muted">none</span>`;
  return html`<span class="labels">${labels.map((l) => html`<span class="chip">${l.key}:${l.value}</span>`)}</span>`;
}

/**
 * The details of the trigger's active backfill `backfillId` (its concurrency editable), or a note that
 * it has ended; `onChanged` reloads the trigger.
 */
export function BackfillDetails({
  trigger,
  backfillId,
  onClose,
  onChanged,
}: {
  trigger: Trigger;
  backfillId: string;
  onClose: () => void;
  onChanged: () => void;
}) {
  const b = findBackfill(trigger, backfillId);
  return html`<div class="drawer-body">
    <header class="dialog-head">
      <h2>Backfill details</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${onClose}>✕</button>
    </header>
    ${
      !b
        ? html`<p>The backfill has ended.</p>`
        : html`<dl class="details">
          <dt>Trigger</dt><dd><${Id} value=${`${trigger.namespace}.${trigger.flowId}.${trigger.triggerId}`} label="trigger" /></dd>
          <dt>Status</dt><dd>${backfillStatus(b).label}${backfillStatus(b).note ? html`<br /><span class="muted">${backfillStatus(b).note}</span>` : null}</dd>
          <dt>Start</dt><dd><${Time} iso=${b.start} /></dd>
          <dt>End</dt><dd>${b.end ? html`<${Time} iso=${b.end} />` : html`<span class="muted">now (at creation)</span>`}</dd>
          <dt>Backfill at</dt><dd><${BackfillCursor} backfill=${b} /></dd>
          <dt>Labels</dt><dd><${Labels} labels=${b.labels} /></dd>
          <dt>Inputs</dt><dd><${KeyValues} value=${b.inputs} /></dd>
          <dt>Concurrency</dt><dd><${ConcurrencyEditor} trigger=${trigger} backfill=${b} onChanged=${onChanged} /></dd>
          <dt>Failure policy</dt><dd>${b.failurePolicy ? failurePolicyText(b.failurePolicy) : html`<span class="muted">none</span>`}</dd>
          <dt>Webhook</dt><dd>${b.notify ? html`<code>${b.notify.webhook}</code> <span class="muted">(its origin only)</span>` : html`<span class="muted">none</span>`}</dd>
          <dt>Order</dt><dd>${b.order === 'NEWEST_FIRST' ? 'Newest tick first (the cursor moves back)' : 'Oldest tick first'}</dd>
          <dt>Replay</dt><dd>${REPROCESS_CHOICES.find((c) => c.value === (b.reprocess ?? 'ALL'))?.label}</dd>
          <dt>Flow revision</dt><dd>${b.flowRevision !== undefined ? html`${b.flowRevision} <span class="muted">(pinned: later edits do not apply)</span>` : html`latest <span class="muted">(each execution runs the revision current when it is dispatched)</span>`}</dd>
          <dt>Pace</dt><dd>${paceText(b, Date.now())}${b.progress?.eta && !b.paused ? html`, at <${Time} iso=${b.progress.eta} />` : null}</dd>
          <dt>Counts</dt><dd><ul class="kv">${(['total', 'dispatched', 'queued', 'running', 'succeeded', 'failed', 'killed', 'skipped'] as const).map((k) => html`<li>${k}: <strong>${b.progress?.[k] ?? 0}</strong></li>`)}</ul></dd>
          <dt>State machine execution</dt><dd><${Id} value=${b.stateMachineExecutionName} label="state machine execution name" />${
            b.stateMachineConsoleUrl
              ? html`<br /><a href=${b.stateMachineConsoleUrl} target="_blank" rel="noopener noreferrer">Open in the Step Functions console</a>`
              : null
          }</dd>
          <dt>Backfill id</dt><dd><${Id} value=${b.id} label="backfill id" /></dd>
          <dt>Created</dt><dd><${Time} iso=${b.createdDate} /></dd>
        </dl>`
    }
  </div>`;
}
