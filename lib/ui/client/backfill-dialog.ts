/// <reference lib="dom" />
/** The "Backfill executions" dialog: the form, its field errors, the dry-run line and the submit. */
import { useState } from 'preact/hooks';
import { ApiError, type FlowInput, type Reprocess, type Trigger, api } from './api';
import {
  type FormState,
  type InputPreset,
  REPROCESS_CHOICES,
  labelRowProblem,
  presetText,
  presetOf,
  submitBlockers,
  toBackfillRequest,
  toLocalInput,
  validate,
} from './backfill-form';
import { PreviewLine, usePreview } from './backfill-preview';
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
  const [form, setForm] = useState<FormState>({ start: '', end: '', inputs: {}, labels: [], reprocess: 'ALL' });
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const errors = validate(form, inputs, new Date(), triggerInputs);
  const valid = Object.keys(errors).length === 0;
  const blockers = submitBlockers(errors, form);
  const shown = (key: string) => serverErrors[key] ?? (touched[key] ? errors[key] : undefined);
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

  const request = () => toBackfillRequest(form, inputs);
  const preview = usePreview(trigger, valid ? JSON.stringify(request()) : undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    setGeneral(undefined);
    try {
      await api.createBackfill(trigger, request());
      onCreated();
    } catch (err) {
      if (err instanceof ApiError && err.path && err.path.startsWith('backfill.')) {
        const key = err.path.slice('backfill.'.length);
        const known = ['start', 'end'].includes(key) || key.startsWith('inputs.') || /^labels\[\d+\]\.(key|value)$/.test(key);
        if (known) setServerErrors({ [key]: err.message });
        else setGeneral(err.message);
      } else {
        setGeneral(err instanceof Error ? err.message : String(err)); // a 409's message already says a backfill is active
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
        const keyError = serverErrors[`labels[${i}].key`];
        const valueError = serverErrors[`labels[${i}].value`];
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
    <${PreviewLine} preview=${preview} />
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
