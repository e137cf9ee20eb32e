/// <reference lib="dom" />
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Backfill, type BackfillPreview, type BackfillRequest, type FlowInput, type Label, type Reprocess, type Trigger, api } from './api';
import { Modal, Time, html } from './ui';

/** `YYYY-MM-DDTHH:mm` in the viewer's zone, as `<input type="datetime-local">` wants it. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function parseLocal(value: string): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value); // no offset: the viewer's zone
  return Number.isNaN(d.getTime()) ? undefined : d;
}

type InputValues = Record<string, string>;

interface FormState {
  start: string;
  end: string;
  inputs: InputValues;
  labels: Label[];
  reprocess: Reprocess;
}

const REPROCESS_CHOICES: { value: Reprocess; label: string }[] = [
  { value: 'ALL', label: 'Every tick (as Kestra)' },
  { value: 'FAILED_AND_MISSING', label: 'Ticks without a successful run' },
  { value: 'MISSING', label: 'Ticks without any run' },
];

/** Client-side checks, keyed by the same paths the server names (without `backfill.`). */
export function validate(form: FormState, inputs: FlowInput[], now = new Date()): Record<string, string> {
  const errors: Record<string, string> = {};
  const start = parseLocal(form.start);
  const end = parseLocal(form.end);
  if (!form.start) errors.start = 'Start is required';
  else if (!start) errors.start = 'Not a valid date';
  else if (start > now) errors.start = 'Start cannot be in the future';
  if (form.end && !end) errors.end = 'Not a valid date';
  else if (end && end > now) errors.end = 'End cannot be in the future';
  else if (start && end && start > end) errors.end = 'End must be on or after start';
  for (const input of inputs) {
    const raw = form.inputs[input.id] ?? '';
    const key = `inputs.${input.id}`;
    if (raw === '') {
      if (input.required && input.defaults === undefined) errors[key] = 'Required';
      continue;
    }
    if (input.type === 'INT' && !/^-?\d+$/.test(raw.trim())) errors[key] = 'Expected an integer';
    if (input.type === 'FLOAT' && Number.isNaN(Number(raw))) errors[key] = 'Expected a number';
    if (input.type === 'DATETIME' && !parseLocal(raw)) errors[key] = 'Not a valid date';
    if (input.type === 'JSON') {
      try {
        JSON.parse(raw);
      } catch {
        errors[key] = 'Not valid JSON';
      }
    }
  }
  form.labels.forEach((label, i) => {
    if (!label.key.trim()) errors[`labels[${i}].key`] = 'Key is required';
    if (!label.value.trim()) errors[`labels[${i}].value`] = 'Value is required';
  });
  return errors;
}

function typedInputs(form: FormState, inputs: FlowInput[]): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const input of inputs) {
    const raw = form.inputs[input.id] ?? '';
    if (raw === '') continue;
    switch (input.type) {
      case 'INT':
        out[input.id] = Number.parseInt(raw, 10);
        break;
      case 'FLOAT':
        out[input.id] = Number(raw);
        break;
      case 'BOOLEAN':
        out[input.id] = raw === 'true';
        break;
      case 'DATETIME':
        out[input.id] = parseLocal(raw)!.toISOString();
        break;
      case 'JSON':
        out[input.id] = JSON.parse(raw);
        break;
      default:
        out[input.id] = raw;
    }
  }
  return Object.keys(out).length ? out : null;
}

function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? html`<span class="field-error" id=${id} role="alert">${message}</span>` : null;
}

function InputField({ input, value, error, onInput }: { input: FlowInput; value: string; error?: string; onInput: (v: string) => void }) {
  const id = `input-${input.id}`;
  const errId = `${id}-error`;
  const common = { id, name: input.id, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': error ? errId : undefined, required: input.required && input.defaults === undefined };
  const placeholder = input.defaults !== undefined ? `default: ${typeof input.defaults === 'string' ? input.defaults : JSON.stringify(input.defaults)}` : '';
  const onChange = (e: Event) => onInput((e.target as HTMLInputElement).value);
  let control;
  switch (input.type) {
    case 'BOOLEAN':
      control = html`<select ...${common} value=${value} onChange=${onChange}>
        <option value="">${input.defaults !== undefined ? `(default: ${String(input.defaults)})` : '(not set)'}</option>
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
  const mandatory = input.required && input.defaults === undefined;
  return html`<div class="field">
    <label for=${id}>${input.id}${mandatory ? html`<span class="required" aria-hidden="true"> *</span>` : null} <span class="muted">${input.type}</span></label>
    ${control}
    ${input.description ? html`<span class="hint">${input.description}</span>` : null}
    <${FieldError} id=${errId} message=${error} />
  </div>`;
}

export function BackfillDialog({ trigger, inputs, onClose, onCreated }: { trigger: Trigger; inputs: FlowInput[]; onClose: () => void; onCreated: () => void }) {
  const [form, setForm] = useState<FormState>({ start: '', end: '', inputs: {}, labels: [], reprocess: 'ALL' });
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const errors = validate(form, inputs);
  const valid = Object.keys(errors).length === 0;
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

  const request = (): BackfillRequest => ({
    start: parseLocal(form.start)!.toISOString(),
    end: form.end ? parseLocal(form.end)!.toISOString() : null,
    inputs: typedInputs(form, inputs),
    labels: form.labels.map((l) => ({ key: l.key.trim(), value: l.value.trim() })),
    reprocess: form.reprocess,
  });
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
    ${inputs.length
      ? html`<fieldset><legend>Inputs</legend>
          ${inputs.map(
            (input) => html`<${InputField} key=${input.id} input=${input} value=${form.inputs[input.id] ?? ''} error=${shown(`inputs.${input.id}`)}
              onInput=${(v: string) => update(`inputs.${input.id}`, { inputs: { ...form.inputs, [input.id]: v } })} />`,
          )}
        </fieldset>`
      : null}
    <fieldset>
      <legend>Labels</legend>
      ${form.labels.map(
        (label, i) => html`<div class="label-row" key=${i}>
          <div class="field">
            <input aria-label=${`Label ${i + 1} key`} name=${`label-key-${i}`} placeholder="key" value=${label.key}
              aria-invalid=${shown(`labels[${i}].key`) ? 'true' : undefined}
              onInput=${(e: Event) => setLabel(i, 'key', (e.target as HTMLInputElement).value)} />
            <${FieldError} id=${`label-${i}-key-error`} message=${shown(`labels[${i}].key`)} />
          </div>
          <div class="field">
            <input aria-label=${`Label ${i + 1} value`} name=${`label-value-${i}`} placeholder="value" value=${label.value}
              aria-invalid=${shown(`labels[${i}].value`) ? 'true' : undefined}
              onInput=${(e: Event) => setLabel(i, 'value', (e.target as HTMLInputElement).value)} />
            <${FieldError} id=${`label-${i}-value-error`} message=${shown(`labels[${i}].value`)} />
          </div>
          <button type="button" class="icon" aria-label=${`Remove label ${i + 1}`}
            onClick=${() => { setForm({ ...form, labels: form.labels.filter((_, j) => j !== i) }); setServerErrors({}); }}>✕</button>
        </div>`,
      )}
      <button type="button" class="secondary" onClick=${() => setForm({ ...form, labels: [...form.labels, { key: '', value: '' }] })}>Add label</button>
    </fieldset>
    <${PreviewLine} preview=${preview} />
    ${general ? html`<p class="error-box" role="alert">${general}</p>` : null}
    <footer class="dialog-foot">
      <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
      <button type="submit" class="primary" disabled=${!valid || busy}>${busy ? 'Starting…' : 'Execute backfill'}</button>
    </footer>
  </form>`;
}

type PreviewState = { preview?: BackfillPreview; error?: string; loading: boolean };

/**
 * The dry run of the request being filled in (POST /triggers/backfill/preview), asked again 300 ms
 * after the last change, so the count is in view before anyone presses "Execute backfill".
 */
function usePreview(trigger: Trigger, body: string | undefined): PreviewState {
  const [state, setState] = useState<PreviewState>({ loading: false });
  useEffect(() => {
    if (!body) {
      setState({ loading: false });
      return;
    }
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(async () => {
      try {
        const preview = await api.previewBackfill(trigger, JSON.parse(body));
        if (current) setState({ preview, loading: false });
      } catch (e) {
        if (current) setState({ error: e instanceof Error ? e.message : String(e), loading: false });
      }
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [trigger.namespace, trigger.flowId, trigger.triggerId, body]);
  return state;
}

function PreviewLine({ preview: { preview, error, loading } }: { preview: PreviewState }) {
  if (error) return html`<p class="preview field-error" role="status">${error}</p>`;
  if (!preview) return loading ? html`<p class="preview muted" role="status">Counting…</p>` : null;
  const runs = preview.count - (preview.skipped ?? 0);
  const n = runs.toLocaleString();
  const skippedNote =
    preview.skipped === null
      ? ` at most; ticks that earlier runs cover are skipped as the backfill goes`
      : preview.skipped > 0
        ? ` (${preview.skipped.toLocaleString()} of ${preview.count.toLocaleString()} ticks skipped: earlier runs cover them)`
        : '';
  return html`<p class="preview" role="status" data-count=${runs}>
    Will create <strong>${n} execution${runs === 1 ? '' : 's'}</strong>${skippedNote}${preview.count > 1
      ? html`, for the ticks from <${Time} iso=${preview.ticks[0]} /> to <${Time} iso=${preview.lastTick} />`
      : html`, for the tick at <${Time} iso=${preview.ticks[0]} />`}.${preview.conflict ? html` <span class="field-error">A backfill already runs on this trigger: delete it first.</span>` : null}
  </p>`;
}

export function progressOf(b: Backfill): { done: number; total: number; percent: number } {
  const p = b.progress;
  const done = (p?.succeeded ?? 0) + (p?.failed ?? 0) + (p?.skipped ?? 0);
  const total = p?.total ?? 0;
  return { done, total, percent: total > 0 ? Math.floor((done / total) * 100) : 0 };
}

export function BackfillCell({ trigger, onOpen, onDetails, onChanged }: { trigger: Trigger; onOpen: () => void; onDetails: () => void; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const b = trigger.backfill;
  const act = async (action: 'pause' | 'unpause' | 'delete') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.backfillAction(trigger, action);
      setConfirming(false);
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  if (!b) {
    return html`<div class="backfill-cell">
      <button type="button" class="secondary" disabled=${trigger.disabled} onClick=${onOpen}
        title=${trigger.disabled ? 'Enable the trigger to backfill it' : undefined}>Backfill executions</button>
    </div>`;
  }
  const { done, total, percent } = progressOf(b);
  return html`<div class="backfill-cell" data-backfill-id=${b.id}>
    <div class="progress-line">
      <span class=${`badge ${b.paused ? 'state-paused' : 'state-running'}`}>${b.paused ? 'Paused' : 'Running'}</span>
      <span class="progress-text" data-done=${done} data-total=${total}>${done} / ${total} (${percent}%)</span>
    </div>
    <div class="progress" role="progressbar" aria-label="Backfill progress" aria-valuemin="0" aria-valuemax=${total} aria-valuenow=${done} aria-valuetext=${`${done} of ${total} (${percent}%)`}>
      <div class="progress-fill" style=${{ width: `${percent}%` }}></div>
    </div>
    <div class="progress-counts muted">running ${b.progress?.running ?? 0} · queued ${b.progress?.queued ?? 0} · failed ${b.progress?.failed ?? 0}${b.progress?.skipped
      ? ` · skipped ${b.progress.skipped}`
      : ''}</div>
    <div class="actions">
      ${b.paused
        ? html`<button type="button" class="secondary" disabled=${busy} onClick=${() => act('unpause')}>Resume</button>`
        : html`<button type="button" class="secondary" disabled=${busy} onClick=${() => act('pause')}>Pause</button>`}
      ${confirming
        ? html`<button type="button" class="danger" disabled=${busy} onClick=${() => act('delete')}>Confirm delete</button>
            <button type="button" class="secondary" onClick=${() => setConfirming(false)}>Keep</button>`
        : html`<button type="button" class="secondary" disabled=${busy} onClick=${() => setConfirming(true)}>Delete</button>`}
      <button type="button" class="link" onClick=${onDetails}>Details</button>
    </div>
    ${error ? html`<p class="field-error" role="alert">${error}</p>` : null}
  </div>`;
}

function KeyValues({ value }: { value?: Record<string, unknown> | null }) {
  const entries = Object.entries(value ?? {});
  if (!entries.length) return html`<span class="muted">none</span>`;
  return html`<ul class="kv">${entries.map(([k, v]) => html`<li><code>${k}</code>: ${typeof v === 'string' ? v : JSON.stringify(v)}</li>`)}</ul>`;
}

export function Labels({ labels }: { labels?: Label[] }) {
  if (!labels?.length) return html`<span class="muted">none</span>`;
  return html`<span class="labels">${labels.map((l) => html`<span class="chip">${l.key}:${l.value}</span>`)}</span>`;
}

export function BackfillDetails({ trigger, onClose }: { trigger: Trigger; onClose: () => void }) {
  const b = trigger.backfill;
  return html`<div class="drawer-body">
    <header class="dialog-head">
      <h2>Backfill details</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${onClose}>✕</button>
    </header>
    ${!b
      ? html`<p>The backfill has ended.</p>`
      : html`<dl class="details">
          <dt>Trigger</dt><dd><code>${trigger.namespace}.${trigger.flowId}.${trigger.triggerId}</code></dd>
          <dt>Status</dt><dd>${b.paused ? 'Paused' : 'Running'}</dd>
          <dt>Start</dt><dd><${Time} iso=${b.start} /></dd>
          <dt>End</dt><dd>${b.end ? html`<${Time} iso=${b.end} />` : html`<span class="muted">now (at creation)</span>`}</dd>
          <dt>Cursor</dt><dd><${Time} iso=${b.currentDate} /></dd>
          <dt>Labels</dt><dd><${Labels} labels=${b.labels} /></dd>
          <dt>Inputs</dt><dd><${KeyValues} value=${b.inputs} /></dd>
          <dt>Replay</dt><dd>${REPROCESS_CHOICES.find((c) => c.value === (b.reprocess ?? 'ALL'))?.label}</dd>
          <dt>Counts</dt><dd><ul class="kv">${(['total', 'dispatched', 'queued', 'running', 'succeeded', 'failed', 'skipped'] as const).map((k) => html`<li>${k}: <strong>${b.progress?.[k] ?? 0}</strong></li>`)}</ul></dd>
          <dt>State machine execution</dt><dd><code class="wrap">${b.stateMachineExecutionName}</code>${b.stateMachineConsoleUrl
            ? html`<br /><a href=${b.stateMachineConsoleUrl} target="_blank" rel="noopener noreferrer">Open in the Step Functions console</a>`
            : null}</dd>
          <dt>Backfill id</dt><dd><code class="wrap">${b.id}</code></dd>
          <dt>Created</dt><dd><${Time} iso=${b.createdDate} /></dd>
        </dl>`}
  </div>`;
}

export { Modal };
