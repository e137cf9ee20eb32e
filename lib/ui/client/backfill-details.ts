/// <reference lib="dom" />
/** The drawer with everything about a trigger's current backfill, and the label chips it shares. */
import type { Label, Trigger } from './api';
import { REPROCESS_CHOICES } from './backfill-form';
import { backfillStatus } from './backfill-status';
import { Time, html } from './ui';

function KeyValues({ value }: { value?: Record<string, unknown> | null }) {
  const entries = Object.entries(value ?? {});
  if (!entries.length) return html`<span class="muted">none</span>`;
  return html`<ul class="kv">${entries.map(([k, v]) => html`<li><code>${k}</code>: ${typeof v === 'string' ? v : JSON.stringify(v)}</li>`)}</ul>`;
}

/** Labels as `key:value` chips, or "none". */
export function Labels({ labels }: { labels?: Label[] }) {
  if (!labels?.length) return html`<span class="muted">none</span>`;
  return html`<span class="labels">${labels.map((l) => html`<span class="chip">${l.key}:${l.value}</span>`)}</span>`;
}

/** The details of `trigger.backfill`, or a note that it has ended. */
export function BackfillDetails({ trigger, onClose }: { trigger: Trigger; onClose: () => void }) {
  const b = trigger.backfill;
  return html`<div class="drawer-body">
    <header class="dialog-head">
      <h2>Backfill details</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${onClose}>✕</button>
    </header>
    ${
      !b
        ? html`<p>The backfill has ended.</p>`
        : html`<dl class="details">
          <dt>Trigger</dt><dd><code>${trigger.namespace}.${trigger.flowId}.${trigger.triggerId}</code></dd>
          <dt>Status</dt><dd>${backfillStatus(b).label}${backfillStatus(b).note ? html`<br /><span class="muted">${backfillStatus(b).note}</span>` : null}</dd>
          <dt>Start</dt><dd><${Time} iso=${b.start} /></dd>
          <dt>End</dt><dd>${b.end ? html`<${Time} iso=${b.end} />` : html`<span class="muted">now (at creation)</span>`}</dd>
          <dt>Cursor</dt><dd><${Time} iso=${b.currentDate} /></dd>
          <dt>Labels</dt><dd><${Labels} labels=${b.labels} /></dd>
          <dt>Inputs</dt><dd><${KeyValues} value=${b.inputs} /></dd>
          <dt>Replay</dt><dd>${REPROCESS_CHOICES.find((c) => c.value === (b.reprocess ?? 'ALL'))?.label}</dd>
          <dt>Counts</dt><dd><ul class="kv">${(['total', 'dispatched', 'queued', 'running', 'succeeded', 'failed', 'killed', 'skipped'] as const).map((k) => html`<li>${k}: <strong>${b.progress?.[k] ?? 0}</strong></li>`)}</ul></dd>
          <dt>State machine execution</dt><dd><code class="wrap">${b.stateMachineExecutionName}</code>${
            b.stateMachineConsoleUrl
              ? html`<br /><a href=${b.stateMachineConsoleUrl} target="_blank" rel="noopener noreferrer">Open in the Step Functions console</a>`
              : null
          }</dd>
          <dt>Backfill id</dt><dd><code class="wrap">${b.id}</code></dd>
          <dt>Created</dt><dd><${Time} iso=${b.createdDate} /></dd>
        </dl>`
    }
  </div>`;
}
