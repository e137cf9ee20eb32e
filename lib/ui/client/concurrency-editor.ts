/// <reference lib="dom" />
/**
 * A running backfill's concurrency, changed in place (`PUT …/triggers/backfill/update`): dispatch
 * re-reads it before every batch and while it waits for room, so it applies within seconds. It names
 * the backfill, so another one running on the trigger keeps its own.
 */
import { useState } from 'preact/hooks';
import { type Backfill, type Trigger, api } from './api';
import { concurrencyProblem } from './backfill-form';
import { html } from './ui';

export function ConcurrencyEditor({ trigger, backfill, onChanged }: { trigger: Trigger; backfill: Backfill; onChanged: () => void }) {
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  /** The value last saved, until the poll brings it back. */
  const [saved, setSaved] = useState<number | undefined>(undefined);
  const current = backfill.maxConcurrency;
  const pending = saved !== undefined && saved !== current ? saved : undefined;
  const save = async (e: Event) => {
    e.preventDefault();
    const problem = concurrencyProblem(draft);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.updateBackfill(trigger, Number(draft), backfill.id);
      setSaved(Number(draft));
      setDraft('');
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err)); // a 400 names the service's limit
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="concurrency">
    <span class="concurrency-current" data-max-concurrency=${current ?? ''}>${
      current === undefined ? html`the service's limit` : html`<strong>${current}</strong>`
    } at once <span class="muted">(queued or running)</span></span>
    ${pending !== undefined ? html`<span class="muted small" role="status"> · ${pending} saved, applies at dispatch's next check</span>` : null}
    <form class="concurrency-edit" onSubmit=${save} novalidate>
      <input type="number" min="1" step="1" inputmode="numeric" aria-label="New concurrency" placeholder=${String(current ?? '')} value=${draft}
        aria-invalid=${error ? 'true' : undefined} aria-describedby=${error ? 'concurrency-error' : undefined}
        onInput=${(e: Event) => {
          setDraft((e.target as HTMLInputElement).value);
          setError(undefined);
        }} />
      <button type="submit" class="secondary" disabled=${busy || !draft.trim()}>${busy ? 'Saving…' : 'Save'}</button>
    </form>
    ${error ? html`<span class="field-error" id="concurrency-error" role="alert">${error}</span>` : null}
  </div>`;
}
