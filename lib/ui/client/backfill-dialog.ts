/// <reference lib="dom" />
/** The "Backfill executions" dialog: the form, its field errors, the dry-run line and the submit. */
import { useState } from 'preact/hooks';
import { ApiError, type FlowInput, type Reprocess, type Trigger, api } from './api';
import {
  FAILURE_ACTION_CHOICES,
  type FormState,
  type InputPreset,
  ORDER_CHOICES,
  REPROCESS_CHOICES,
  emptyForm,
  fieldOfPath,
  labelRowProblem,
  presetText,
  presetOf,
  submitBlockers,
  toBackfillRequest,
  toLocalInput,
  toleratedText,
  validate,
} from './backfill-form';
import { activeBackfills } from './backfill-list';
import { ActiveWindows, PreviewLine, type PreviewState, usePreview } from './backfill-preview';
import { html } from './ui';

function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? html`<span class="field-error" id=${id} role="alert">${message}</span>` : null;
}

function InputField({
  input,
  preset,
  value,
  error,
  onInput,
}: {
  input: FlowInput;
  /** What the execution gets if this stays empty: the trigger's value, else the flow's default. */
  preset?: InputPreset;
  value: string;
  error?: string;
  onInput: (v: string) => void;
}) {
  const id = `input-${input.id}`;
  const errId = `${id}-error`;
  const common = {
    id,
    name: input.id,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': error ? errId : undefined,
    required: input.required && !preset,
  };
  const placeholder = preset ? presetText(preset) : '';
  const onChange = (e: Event) => onInput((e.target as HTMLInputElement).value);
  let control: unknown;
  switch (input.type) {
    case 'BOOLEAN':
      control = html`<select ...${common} value=${value} onChange=${onChange}>
        <option value="">${preset ? `(${presetText(preset)})` : '(not set)'}</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>`;
      break;
    case 'JSON':
      control = html`<textarea ...${common} rows="3" placeholder=${placeholder} value=${value} onInput=${onChange}></textarea>`;
      break;
    default: {
      const type = { INT: 'number', FLOAT: 'number', DATETIME: 'datetime-local', DATE: 'date', STRING: 'text' }[input.type] ?? 'text';
      control = html`<input ...${common} type=${type} step=${input.type === 'FLOAT' ? 'any' : input.type === 'INT' ? '1' : undefined} placeholder=${placeholder} value=${value} onInput=${onChange} />`;
    }
  }
  const mandatory = input.required && !preset;
  return html`<div class="field">
    <label for=${id}>${input.id}${mandatory ? html`<span class="required" aria-hidden="true"> *</span>` : null} <span class="muted">${input.type}</span></label>
    ${control}
    ${input.description ? html`<span class="hint">${input.description}</span>` : null}
    <${FieldError} id=${errId} message=${error} />
  </div>`;
}

/** A field of the form, its hint and its error, wired for screen readers. */
function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: unknown; error?: string; children?: unknown }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children}
    ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
    <${FieldError} id=${`${id}-error`} message=${error} />
  </div>`;
}

/** ARIA for a control in a {@link Field}: invalid when its error shows, described by its hint and error. */
const described = (id: string, error: string | undefined, hint = true) => ({
  id,
  'aria-invalid': error ? 'true' : undefined,
  'aria-describedby': [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined,
});

/**
 * Our controls beyond Kestra's form: concurrency, order, failure policy, webhook and the revision
 * pin. The service's concurrency limit comes with every dry run (`maxConcurrencyLimit`); a value
 * over it comes back from the dry run as a 400 naming the limit, shown at the field.
 */
function ControlsFields({
  form,
  preview,
  shown,
  update,
}: {
  form: FormState;
  preview: PreviewState;
  shown: (key: string) => string | undefined;
  update: (key: string, next: Partial<FormState>) => void;
}) {
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  const policy = preview.preview?.failurePolicy;
  const revision = preview.preview?.flowRevision;
  // The service's limit, once a dry run has answered (a server from before did not publish it).
  const limit = preview.preview?.maxConcurrencyLimit;
  return html`<fieldset class="controls">
    <legend>How it runs</legend>
    <div class="grid2">
      <${Field} id="bf-max-concurrency" label="Concurrency" error=${shown('maxConcurrency')}
        hint=${`Its executions queued or running at once. Empty: the service's limit${limit ? `, ${limit}` : ''}.`}>
        <input ...${described('bf-max-concurrency', shown('maxConcurrency'))} name="maxConcurrency" type="number" min="1" max=${limit} step="1" inputmode="numeric"
          value=${form.maxConcurrency} onInput=${(e: Event) => update('maxConcurrency', { maxConcurrency: value(e) })} />
      <//>
      <${Field} id="bf-order" label="Order" error=${shown('order')} hint="Which ticks run first.">
        <select ...${described('bf-order', shown('order'))} name="order" value=${form.order}
          onChange=${(e: Event) => update('order', { order: value(e) as FormState['order'] })}>
          ${ORDER_CHOICES.map((c) => html`<option value=${c.value}>${c.label}</option>`)}
        </select>
      <//>
    </div>
    <${Field} id="bf-failure-action" label="Failure policy" error=${shown('failurePolicy')}
      hint=${
        form.failureAction === 'NONE'
          ? 'Whatever fails, every tick runs.'
          : policy
            ? html`<span class="tolerated" data-tolerated=${policy.tolerated}>${toleratedText(policy)}.</span> Only FAILED executions count${
                form.failureAction === 'PAUSE' ? '; Resume continues, counting failures anew' : ''
              }.`
            : 'Only FAILED executions count.'
      }>
      <select ...${described('bf-failure-action', shown('failurePolicy'))} name="failureAction" value=${form.failureAction}
        onChange=${(e: Event) => update('failurePolicy', { failureAction: value(e) as FormState['failureAction'] })}>
        ${FAILURE_ACTION_CHOICES.map((c) => html`<option value=${c.value}>${c.label}</option>`)}
      </select>
    <//>
    ${
      form.failureAction === 'NONE'
        ? null
        : html`<div class="grid2">
          <${Field} id="bf-max-failures" label="Max failures" error=${shown('failurePolicy.maxFailures')} hint="FAILED executions tolerated; 0 stops at the first.">
            <input ...${described('bf-max-failures', shown('failurePolicy.maxFailures'))} name="maxFailures" type="number" min="0" step="1" inputmode="numeric"
              value=${form.maxFailures} onInput=${(e: Event) => update('failurePolicy.maxFailures', { maxFailures: value(e) })} />
          <//>
          <${Field} id="bf-max-failure-percent" label="Max failure %" error=${shown('failurePolicy.maxFailurePercent')}
            hint="Of the window's ticks, rounded down. With both, the lower applies.">
            <input ...${described('bf-max-failure-percent', shown('failurePolicy.maxFailurePercent'))} name="maxFailurePercent" type="number" min="0" max="100" step="any"
              value=${form.maxFailurePercent} onInput=${(e: Event) => update('failurePolicy.maxFailurePercent', { maxFailurePercent: value(e) })} />
          <//>
        </div>`
    }
    <${Field} id="bf-webhook" label="Webhook URL" error=${shown('notify.webhook')}
      hint="POSTed the final counts when the backfill ends, and when its failure policy pauses it. Only its origin (https://host/…) is shown back: the rest of a webhook URL is its secret.">
      <input ...${described('bf-webhook', shown('notify.webhook'))} name="webhook" type="url" placeholder="https://hooks.example.com/…" autocomplete="off"
        value=${form.webhook} onInput=${(e: Event) => update('notify.webhook', { webhook: value(e) })} />
    <//>
    <div class="field checkbox-field">
      <label><input type="checkbox" id="bf-latest-revision" name="latestRevision" checked=${form.latestRevision} aria-describedby="bf-latest-revision-hint"
        onChange=${(e: Event) => update('latestRevision', { latestRevision: (e.target as HTMLInputElement).checked })} /> Run the flow's latest revision</label>
      <span class="hint" id="bf-latest-revision-hint" data-flow-revision=${revision ?? ''}>${
        form.latestRevision
          ? 'Each execution runs the revision the flow has when it is dispatched: edits made meanwhile apply.'
          : `Off: the backfill pins ${revision !== undefined ? `revision ${revision}` : "the flow's current revision"}, so edits made meanwhile change nothing it runs.`
      }</span>
      <${FieldError} id="bf-latest-revision-error" message=${shown('latestRevision')} />
    </div>
  </fieldset>`;
}

/**
 * The form that starts a backfill of `trigger`. Errors show once a field is touched, or when
 * the server names the field; `onCreated` runs after the backfill is accepted.
 */
export function BackfillDialog({
  trigger,
  inputs,
  triggerInputs,
  onClose,
  onCreated,
}: {
  trigger: Trigger;
  inputs: FlowInput[];
  /** The trigger's own inputs (its definition in the flow): they win over the flow's defaults. */
  triggerInputs: Record<string, unknown>;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [form, setForm] = useState<FormState>(emptyForm);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const errors = validate(form, inputs, new Date(), triggerInputs);
  const valid = Object.keys(errors).length === 0;
  const blockers = submitBlockers(errors, form);
  const request = () => toBackfillRequest(form, inputs);
  const preview = usePreview(trigger, valid ? JSON.stringify(request()) : undefined);
  // A 400 of the dry run that names a field shows at that field, as the creation's own would.
  const previewField = fieldOfPath(preview.errorPath);
  const fromServer = (key: string) => serverErrors[key] ?? (previewField === key ? preview.error : undefined);
  const shown = (key: string) => serverErrors[key] ?? (touched[key] ? errors[key] : undefined) ?? fromServer(key);
  const update = (key: string, next: Partial<FormState>) => {
    setForm({ ...form, ...next });
    setTouched({ ...touched, [key]: true });
    if (serverErrors[key]) {
      const { [key]: _gone, ...rest } = serverErrors;
      setServerErrors(rest);
    }
  };
  const setLabel = (i: number, part: 'key' | 'value', value: string) =>
    update(`labels[${i}].${part}`, { labels: form.labels.map((l, j) => (j === i ? { ...l, [part]: value } : l)) });

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    setGeneral(undefined);
    try {
      await api.createBackfill(trigger, request());
      onCreated();
    } catch (err) {
      const key = err instanceof ApiError ? fieldOfPath(err.path) : undefined;
      if (err instanceof ApiError && key) {
        setServerErrors({ [key]: err.message });
      } else {
        setGeneral(err instanceof Error ? err.message : String(err)); // a 409's message names the active backfill the window overlaps
      }
    } finally {
      setBusy(false);
    }
  };

  const max = toLocalInput(new Date());
  return html`<form class="backfill-form" onSubmit=${submit} novalidate>
    <header class="dialog-head">
      <h2 id="backfill-title">Backfill executions</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${onClose}>✕</button>
    </header>
    <p class="muted">${trigger.namespace}.${trigger.flowId} · trigger <code>${trigger.triggerId}</code>. Times are in your zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}).</p>
    <div class="grid2">
      <div class="field">
        <label for="bf-start">Start<span class="required" aria-hidden="true"> *</span></label>
        <input id="bf-start" name="start" type="datetime-local" required max=${max} value=${form.start}
          aria-invalid=${shown('start') ? 'true' : undefined} aria-describedby="bf-start-error"
          onInput=${(e: Event) => update('start', { start: (e.target as HTMLInputElement).value })} />
        <${FieldError} id="bf-start-error" message=${shown('start')} />
      </div>
      <div class="field">
        <label for="bf-end">End</label>
        <input id="bf-end" name="end" type="datetime-local" max=${max} value=${form.end}
          aria-invalid=${shown('end') ? 'true' : undefined} aria-describedby="bf-end-error"
          onInput=${(e: Event) => update('end', { end: (e.target as HTMLInputElement).value })} />
        <span class="hint">Empty: up to now</span>
        <${FieldError} id="bf-end-error" message=${shown('end')} />
      </div>
    </div>
    <${ActiveWindows} backfills=${activeBackfills(trigger)} />
    <div class="field">
      <label for="bf-reprocess">Replay</label>
      <select id="bf-reprocess" value=${form.reprocess} aria-describedby="bf-reprocess-hint"
        onChange=${(e: Event) => update('reprocess', { reprocess: (e.target as HTMLSelectElement).value as Reprocess })}>
        ${REPROCESS_CHOICES.map((c) => html`<option value=${c.value}>${c.label}</option>`)}
      </select>
      <span class="hint" id="bf-reprocess-hint">Runs are the trigger's live executions and earlier backfills' of the same tick.</span>
    </div>
    ${
      inputs.length
        ? html`<fieldset><legend>Inputs</legend>
          ${inputs.map(
            (input) => html`<${InputField} key=${input.id} input=${input} preset=${presetOf(input, triggerInputs)} value=${form.inputs[input.id] ?? ''}
              error=${shown(`inputs.${input.id}`)}
              onInput=${(v: string) => update(`inputs.${input.id}`, { inputs: { ...form.inputs, [input.id]: v } })} />`,
          )}
        </fieldset>`
        : null
    }
    <fieldset>
      <legend>Labels</legend>
      ${form.labels.map((label, i) => {
        // Said at the row from the start: a fresh row is incomplete too, and would only keep the button off.
        const problem = labelRowProblem(label);
        const problemId = `label-${i}-problem`;
        const keyError = fromServer(`labels[${i}].key`);
        const valueError = fromServer(`labels[${i}].value`);
        return html`<div class="label-row" key=${i} data-label-row=${i}>
          <div class="field">
            <input aria-label=${`Label ${i + 1} key`} name=${`label-key-${i}`} placeholder="key" value=${label.key}
              aria-invalid=${keyError || (problem && !label.key.trim() && touched[`labels[${i}].key`]) ? 'true' : undefined}
              aria-describedby=${problem ? problemId : undefined}
              onInput=${(e: Event) => setLabel(i, 'key', (e.target as HTMLInputElement).value)} />
            <${FieldError} id=${`label-${i}-key-error`} message=${keyError} />
          </div>
          <div class="field">
            <input aria-label=${`Label ${i + 1} value`} name=${`label-value-${i}`} placeholder="value" value=${label.value}
              aria-invalid=${valueError || (problem && !label.value.trim() && touched[`labels[${i}].value`]) ? 'true' : undefined}
              aria-describedby=${problem ? problemId : undefined}
              onInput=${(e: Event) => setLabel(i, 'value', (e.target as HTMLInputElement).value)} />
            <${FieldError} id=${`label-${i}-value-error`} message=${valueError} />
          </div>
          <button type="button" class="icon" aria-label=${`Remove label ${i + 1}`}
            onClick=${() => {
              setForm({ ...form, labels: form.labels.filter((_, j) => j !== i) });
              setServerErrors({});
            }}>✕</button>
          ${problem ? html`<p class="label-problem" id=${problemId}>${problem}</p>` : null}
        </div>`;
      })}
      <button type="button" class="secondary" onClick=${() => setForm({ ...form, labels: [...form.labels, { key: '', value: '' }] })}>Add label</button>
    </fieldset>
    <${ControlsFields} form=${form} preview=${preview} shown=${shown} update=${update} />
    <${PreviewLine} preview=${preview} errorAtField=${previewField !== undefined} active=${activeBackfills(trigger).length} />
    ${general ? html`<p class="error-box" role="alert">${general}</p>` : null}
    <footer class="dialog-foot">
      ${
        blockers.length
          ? html`<div class="blockers" id="bf-blockers">
            <span>Execute backfill is off until:</span>
            <ul>${blockers.map((line) => html`<li>${line}</li>`)}</ul>
          </div>`
          : null
      }
      <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
      <button type="submit" class="primary" disabled=${!valid || busy} aria-describedby=${blockers.length ? 'bf-blockers' : undefined}>${
        busy ? 'Starting…' : 'Execute backfill'
      }</button>
    </footer>
  </form>`;
}
