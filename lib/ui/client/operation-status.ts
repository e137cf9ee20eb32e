/// <reference lib="dom" />
/** A bulk action's progress under the toolbar: a sentence, a bar, and the triggers it could not change. */
import { type OperationProgress, describeOperation } from './operation-progress';
import { html } from './ui';

/** What the Triggers page knows of its last bulk action. */
export interface BulkOutcome {
  label: string;
  progress?: OperationProgress;
  /** The action was refused, or its progress could no longer be read. */
  error?: string;
}

export function OperationStatus({ outcome }: { outcome: BulkOutcome }) {
  const { label, progress, error } = outcome;
  if (!progress) return html`<p class="error-box" role="alert">${label}: ${error}</p>`;
  const { handled, total, percent, ended, text } = describeOperation(label, progress);
  const errors = progress.errors ?? [];
  const omitted = progress.errorsOmitted ?? 0;
  return html`<section class="operation" aria-label="Bulk action" data-state=${progress.state}>
    <p class=${progress.state === 'FAILED' ? 'field-error' : 'muted'} role="status">${text}${
      error ? ` No longer followed (${error}); it goes on in the background.` : ''
    }</p>
    <div class="progress" role="progressbar" aria-label="Bulk action progress" aria-valuemin="0" aria-valuemax=${total} aria-valuenow=${handled}
      aria-valuetext=${`${handled} of ${total} handled`}>
      <div class=${`progress-fill${ended && progress.failed > 0 ? ' failed' : ''}`} style=${{ width: `${percent}%` }}></div>
    </div>
    ${
      errors.length
        ? html`<ul class="operation-errors" aria-label="Triggers not changed">
          ${errors.map((e) =>
            // An operation acts on triggers or on executions (the UI starts only the former).
            'executionId' in e
              ? html`<li><code>${e.executionId}</code>: ${e.message}</li>`
              : html`<li><code>${e.namespace}.${e.flowId}</code> <code>${e.triggerId}</code>: ${e.message}</li>`,
          )}
          ${omitted ? html`<li class="muted">and ${omitted} more</li>` : null}
        </ul>`
        : null
    }
  </section>`;
}
