/// <reference lib="dom" />
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Trigger, type TriggerRef, api } from './api';
import { BackfillAt } from './backfill-cell';
import { refOf } from './backfill-requests';
import { activeBackfills, backfillsSummary } from './backfill-list';
import { acceptedProgress, followOperation } from './operation-progress';
import { nextScheduledDate } from './trigger-dates';
import { type BulkOutcome, OperationStatus } from './operation-status';
import { type StopAction, bulkStopConfirmation } from './stop-confirmation';
import { ErrorNote, Time, html, usePoll } from './ui';

const enc = encodeURIComponent;
const keyOf = (t: TriggerRef) => `${t.namespace}/${t.flowId}/${t.triggerId}`;

/** `stop`: the action ends backfills (delete, cancel), so it asks first, saying what becomes of their executions. */
type BulkAction = { label: string; run: (refs: TriggerRef[]) => Promise<{ operationId: string; totalItems: number }>; stop?: StopAction };

// Kestra 2.x's by-triggers routes: each answers 202 at once and changes the triggers in the background.
const BULK_ACTIONS: BulkAction[] = [
  // Each acts on every active backfill of the triggers chosen (their rows count them).
  { label: 'Pause backfills', run: (refs) => api.backfillActionMany(refs, 'pause') },
  { label: 'Resume backfills', run: (refs) => api.backfillActionMany(refs, 'unpause') },
  // Ours: delete that also kills their running and queued executions.
  { label: 'Cancel backfills', run: (refs) => api.backfillActionMany(refs, 'cancel'), stop: 'cancel' },
  { label: 'Delete backfills', run: (refs) => api.backfillActionMany(refs, 'delete'), stop: 'delete' },
  { label: 'Disable', run: (refs) => api.setDisabledMany(refs, true) },
  { label: 'Enable', run: (refs) => api.setDisabledMany(refs, false) },
];

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A trigger's active backfills at a glance: a Running or Paused badge (as on the flow's Triggers tab),
 * counting them when there are several ("2 backfills running"), and how far they got together.
 */
function BackfillSummary({ trigger }: { trigger: Trigger }) {
  const summary = backfillsSummary(activeBackfills(trigger));
  if (!summary) return html`<span class="muted">—</span>`;
  const { label, badge, state, count, done, total, percent, title } = summary;
  return html`<span class="backfill-summary" data-backfill-state=${state} data-backfills=${count}>
    <span class=${`badge ${badge}`} title=${title}>${label}</span>
    ${' '}${done}/${total} (${percent}%)</span>`;
}

/** What a bulk delete or cancel does to the backfills of the triggers chosen, before it is confirmed. */
function BulkStopNote({ action, chosen, onKeep }: { action: StopAction; chosen: Trigger[]; onKeep: () => void }) {
  const confirmation = bulkStopConfirmation(action, chosen.flatMap(activeBackfills));
  return html`<div class="bulk-confirm" role="alert" data-action=${action}>
    <p class="confirm-text" data-in-flight=${confirmation.inFlight} data-not-dispatched=${confirmation.notDispatched}>
      <strong>${confirmation.title}</strong> ${confirmation.text}
    </p>
    <button type="button" class="secondary" onClick=${onKeep}>Keep backfills</button>
  </div>`;
}

/**
 * Every trigger of every flow (or of a namespace and its children), with their backfills: after an
 * outage that hit many flows, one place to follow, pause, resume, cancel or delete their backfills, and to
 * switch triggers off and on, several at a time (Kestra 2.x's bulk `by-triggers` routes), following
 * each bulk action's progress until it ends, then showing the rows as it left them.
 */
export function TriggersPage({ query }: { query: string }) {
  const namespace = new URLSearchParams(query).get('namespace') ?? '';
  const [filter, setFilter] = useState(namespace);
  const [shownFor, setShownFor] = useState(namespace);
  if (shownFor !== namespace) {
    setShownFor(namespace);
    setFilter(namespace);
  }
  const { data, error, reload } = usePoll(() => api.searchTriggers(namespace), 2000, [namespace]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<BulkOutcome>();
  // The stopping action asking for confirmation, by its label.
  const [confirming, setConfirming] = useState<string>();
  // A bulk action's reads stop when the page is left (the action itself goes on on the server).
  const mounted = useRef(true);
  useEffect(() => {
    document.title = 'Triggers · Backfills';
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const triggers = (data?.results ?? []).map((r) => r.state);
  const chosen = triggers.filter((t) => selected.has(keyOf(t)));
  const allChosen = triggers.length > 0 && chosen.length === triggers.length;
  const confirmingAction = BULK_ACTIONS.find((a) => a.label === confirming);
  const toggle = (t: Trigger, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(keyOf(t));
    else next.delete(keyOf(t));
    setSelected(next);
  };
  const apply = async (action: BulkAction) => {
    if (action.stop && confirming !== action.label) {
      setConfirming(action.label);
      return;
    }
    setConfirming(undefined);
    setBusy(true);
    const { label } = action;
    let progress: BulkOutcome['progress'];
    try {
      const accepted = await action.run(chosen.map(refOf));
      progress = acceptedProgress(accepted);
      setOutcome({ label, progress });
      const last = await followOperation(accepted.operationId, {
        read: api.operation,
        onUpdate: (view) => {
          progress = view;
          setOutcome({ label, progress });
        },
        wait,
        stopped: () => !mounted.current,
      });
      if (last?.state === 'RUNNING' && mounted.current) setOutcome({ label, progress, error: 'it has not ended after many reads' });
    } catch (e) {
      if (mounted.current) setOutcome({ label, progress, error: e instanceof Error ? e.message : String(e) });
    } finally {
      if (mounted.current) {
        setBusy(false);
        reload(); // the rows as the action left them, without waiting for the next poll
      }
    }
  };

  return html`<main>
    <h1>Triggers</h1>
    <form class="filters" onSubmit=${(e: Event) => {
      e.preventDefault();
      const value = filter.trim();
      location.hash = `#/triggers${value ? `?namespace=${enc(value)}` : ''}`;
    }}>
      <div class="field">
        <label for="namespace-filter">Namespace</label>
        <input id="namespace-filter" placeholder="dev" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="secondary">Filter</button>
    </form>
    <${ErrorNote} error=${error} />
    <div class="bulk" role="toolbar" aria-label="Bulk actions">
      <span class="muted">${chosen.length} selected</span>
      ${BULK_ACTIONS.map(
        (
          action,
        ) => html`<button type="button" class=${action.stop ? 'danger' : 'secondary'} disabled=${busy || chosen.length === 0} onClick=${() => apply(action)}>
          ${confirming === action.label ? `Confirm: ${action.label.toLowerCase()}` : action.label}
        </button>`,
      )}
    </div>
    ${confirmingAction?.stop ? html`<${BulkStopNote} action=${confirmingAction.stop} chosen=${chosen} onKeep=${() => setConfirming(undefined)} />` : null}
    ${outcome ? html`<${OperationStatus} outcome=${outcome} />` : null}
    ${
      !data
        ? error
          ? null
          : html`<p class="loading">Loading…</p>`
        : triggers.length === 0
          ? html`<p class="muted">No triggers${namespace ? ` in ${namespace}` : ''}.</p>`
          : html`<div class="table-wrap"><table class="triggers all-triggers">
            <thead><tr>
              <th scope="col"><input type="checkbox" aria-label="Select all triggers" checked=${allChosen}
                onChange=${(e: Event) => setSelected(new Set((e.target as HTMLInputElement).checked ? triggers.map(keyOf) : []))} /></th>
              <th scope="col">Flow</th><th scope="col">Trigger</th><th scope="col">Next execution</th><th scope="col">Enabled</th><th scope="col">Backfill at</th><th scope="col">Backfill</th>
            </tr></thead>
            <tbody>${triggers.map(
              (t) => html`<tr key=${keyOf(t)} data-trigger=${keyOf(t)}>
              <td data-label="Select"><input type="checkbox" aria-label=${`Select ${t.namespace}.${t.flowId} ${t.triggerId}`} checked=${selected.has(keyOf(t))}
                onChange=${(e: Event) => toggle(t, (e.target as HTMLInputElement).checked)} /></td>
              <td data-label="Flow"><a href=${`#/flows/${enc(t.namespace)}/${enc(t.flowId)}/triggers`}>${t.namespace}.${t.flowId}</a></td>
              <td data-label="Trigger"><code>${t.triggerId}</code></td>
              <td data-label="Next execution" class="next-execution"><${Time} iso=${nextScheduledDate(t)} /></td>
              <td data-label="Enabled">${t.disabled ? html`<span class="badge state-killed">Disabled</span>` : html`<span class="badge state-success">Enabled</span>`}</td>
              <td data-label="Backfill at" class="backfill-at"><${BackfillAt} trigger=${t} /></td>
              <td data-label="Backfill"><${BackfillSummary} trigger=${t} /></td>
            </tr>`,
            )}</tbody>
          </table></div>`
    }
  </main>`;
}
