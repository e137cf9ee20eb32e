/// <reference lib="dom" />
/**
 * A flow's Triggers tab: each trigger's schedule, its switch, and its backfills (every active one,
 * with its own controls, and the dialog that starts another), refreshed every second.
 */
import { useState } from 'preact/hooks';
import { type Flow, type FlowTrigger, type Trigger, api } from './api';
import { BackfillAt, BackfillCell } from './backfill-cell';
import { BackfillDetails } from './backfill-details';
import { BackfillDialog } from './backfill-dialog';
import { nextScheduledDate } from './trigger-dates';
import { ErrorNote, Modal, Time, html, usePoll } from './ui';

export function TriggersTab({ flow }: { flow: Flow }) {
  const { data, error, reload } = usePoll(() => api.triggers(flow.namespace, flow.id), 1000, [flow.namespace, flow.id]);
  const [dialogFor, setDialogFor] = useState<string | undefined>(undefined);
  /** The backfill whose drawer is open: its trigger and its id (several may run on one trigger). */
  const [detailsFor, setDetailsFor] = useState<{ triggerId: string; backfillId: string } | undefined>(undefined);
  const [switchError, setSwitchError] = useState<string | undefined>(undefined);
  const states = new Map((data?.results ?? []).map((t) => [t.triggerId, t]));
  const rows = flow.triggers.map((def) => ({ def, state: states.get(def.id) }));
  const toggle = async (t: Trigger, enabled: boolean) => {
    setSwitchError(undefined);
    try {
      await api.setDisabled(t, !enabled);
    } catch (e) {
      setSwitchError(e instanceof Error ? e.message : String(e));
    }
    reload();
  };
  const dialogTrigger = dialogFor ? states.get(dialogFor) : undefined;
  const detailsTrigger = detailsFor ? states.get(detailsFor.triggerId) : undefined;
  return html`<section aria-label="Triggers">
    <${ErrorNote} error=${error ?? switchError} />
    ${
      rows.length === 0
        ? html`<p class="muted">This flow has no triggers.</p>`
        : html`<div class="table-wrap"><table class="triggers">
          <thead><tr><th scope="col">Id</th><th scope="col">Type</th><th scope="col">Cron</th><th scope="col">Time zone</th><th scope="col">Next execution</th><th scope="col">Enabled</th><th scope="col">Backfill at</th><th scope="col">Backfill</th></tr></thead>
          <tbody>${rows.map(
            ({ def, state }: { def: FlowTrigger; state?: Trigger }) => html`<tr key=${def.id} data-trigger=${def.id}>
            <td data-label="Id"><code>${def.id}</code></td>
            <td data-label="Type" title=${def.type}>${def.type.split('.').pop()}</td>
            <td data-label="Cron"><code>${def.cron}</code></td>
            <td data-label="Time zone">${def.timezone}</td>
            <td data-label="Next execution" class="next-execution"><${Time} iso=${state ? nextScheduledDate(state) : undefined} /></td>
            <td data-label="Enabled">${
              state
                ? html`<label class="switch"><input type="checkbox" role="switch" aria-label=${`Trigger ${def.id} enabled`} checked=${!state.disabled}
                  onChange=${(e: Event) => toggle(state, (e.target as HTMLInputElement).checked)} /><span aria-hidden="true"></span></label>`
                : html`<span class="muted">—</span>`
            }</td>
            <td data-label="Backfill at" class="backfill-at"><${BackfillAt} trigger=${state} /></td>
            <td data-label="Backfill">${
              state
                ? html`<${BackfillCell} trigger=${state} onOpen=${() => setDialogFor(def.id)} onDetails=${(backfillId: string) => setDetailsFor({ triggerId: def.id, backfillId })} onChanged=${reload} />`
                : null
            }</td>
          </tr>`,
          )}</tbody>
        </table></div>`
    }
    <${Modal} open=${!!dialogTrigger} onClose=${() => setDialogFor(undefined)} label="Backfill executions" className="dialog">
      ${
        dialogTrigger
          ? html`<${BackfillDialog} trigger=${dialogTrigger} inputs=${flow.inputs}
            triggerInputs=${flow.triggers.find((t) => t.id === dialogTrigger.triggerId)?.inputs ?? {}} onClose=${() => setDialogFor(undefined)}
            onCreated=${() => {
              setDialogFor(undefined);
              reload();
            }} />`
          : null
      }
    <//>
    <${Modal} open=${!!detailsTrigger} onClose=${() => setDetailsFor(undefined)} label="Backfill details" className="drawer">
      ${detailsTrigger && detailsFor ? html`<${BackfillDetails} trigger=${detailsTrigger} backfillId=${detailsFor.backfillId} onClose=${() => setDetailsFor(undefined)} onChanged=${reload} />` : null}
    <//>
  </section>`;
}
