/**
 * The backfill form's rules, with no Preact in sight: what the fields hold, what makes them
 * valid, and the request they become. Pure, so they are unit-tested without a browser.
 */
import type { BackfillRequest, FlowInput, Label, Reprocess } from './api';

/** `YYYY-MM-DDTHH:mm` in the viewer's zone, as `<input type="datetime-local">` wants it. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value of a `datetime-local` field as a date, or `undefined` when empty or invalid. */
function parseLocal(value: string): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value); // no offset: the viewer's zone
  return Number.isNaN(d.getTime()) ? undefined : d;
}

type InputValues = Record<string, string>;

type Order = NonNullable<BackfillRequest['order']>;
type FailureAction = NonNullable<BackfillRequest['failurePolicy']>['action'];

/** What the backfill dialog holds: every field as typed, before any conversion. */
export interface FormState {
  start: string;
  end: string;
  inputs: InputValues;
  labels: Label[];
  reprocess: Reprocess;
  /** Executions in flight at once, as typed; empty: the service's limit (`BACKFILL_MAX_IN_FLIGHT`). */
  maxConcurrency: string;
  order: Order;
  /** What the failure policy does once exceeded; `NONE`: no policy (the thresholds are then ignored). */
  failureAction: 'NONE' | FailureAction;
  maxFailures: string;
  maxFailurePercent: string;
  /** Where the final notification is POSTed; empty: none. */
  webhook: string;
  /** Run the flow's latest revision as each execution is dispatched, instead of pinning the current one. */
  latestRevision: boolean;
}

/** A fresh dialog: Kestra's defaults (oldest first, every tick, the current revision pinned), no policy, no webhook. */
export function emptyForm(): FormState {
  return {
    start: '',
    end: '',
    inputs: {},
    labels: [],
    reprocess: 'ALL',
    maxConcurrency: '',
    order: 'OLDEST_FIRST',
    failureAction: 'NONE',
    maxFailures: '',
    maxFailurePercent: '',
    webhook: '',
    latestRevision: false,
  };
}

/** The two orders, with the words the UI shows them. */
export const ORDER_CHOICES: { value: Order; label: string }[] = [
  { value: 'OLDEST_FIRST', label: 'Oldest first (as Kestra)' },
  { value: 'NEWEST_FIRST', label: 'Newest first' },
];

/** The failure policy's choices: none, or what happens once more executions FAIL than tolerated. */
export const FAILURE_ACTION_CHOICES: { value: FormState['failureAction']; label: string }[] = [
  { value: 'NONE', label: 'None: run every tick whatever fails' },
  { value: 'PAUSE', label: 'Pause the backfill' },
  { value: 'CANCEL', label: 'Cancel the backfill (kill its executions)' },
];

/**
 * The dry run's `tolerated` figure in words: "Pauses after more than 3 executions FAIL" (the
 * policy trips once failures exceed it, so `0` stops at the first).
 */
export function toleratedText(policy: { tolerated: number; action: FailureAction }): string {
  const verb = policy.action === 'PAUSE' ? 'Pauses' : 'Is cancelled';
  if (policy.tolerated === 0) return `${verb} at the first execution that FAILs`;
  return `${verb} after more than ${policy.tolerated.toLocaleString('en-US')} execution${policy.tolerated === 1 ? '' : 's'} FAIL`;
}

/** The `reprocess` policies, in the order and with the words the UI shows them. */
export const REPROCESS_CHOICES: { value: Reprocess; label: string }[] = [
  { value: 'ALL', label: 'Every tick (as Kestra)' },
  { value: 'FAILED_AND_MISSING', label: 'Ticks without a successful run' },
  { value: 'MISSING', label: 'Ticks without any run' },
];

/** What an input the backfill leaves empty gets: the trigger's value if it sets one, else the flow's default. */
export interface InputPreset {
  value: unknown;
  from: 'trigger' | 'flow';
}

/**
 * The value an execution gets for `input` when the backfill names none: its executions take the
 * flow's defaults, then the trigger's inputs over them, then the backfill's (as the live schedule's
 * do), so the trigger's value wins where it sets one.
 */
export function presetOf(input: FlowInput, triggerInputs: Record<string, unknown>): InputPreset | undefined {
  if (triggerInputs[input.id] !== undefined) return { value: triggerInputs[input.id], from: 'trigger' };
  if (input.defaults !== undefined) return { value: input.defaults, from: 'flow' };
  return undefined;
}

/** A preset as the empty field shows it: "trigger: eu-west" or "default: 2". */
export function presetText(preset: InputPreset): string {
  const value = typeof preset.value === 'string' ? preset.value : JSON.stringify(preset.value);
  return `${preset.from === 'trigger' ? 'trigger' : 'default'}: ${value}`;
}

/**
 * What is wrong with a concurrency as typed (the dialog's, or the running backfill's new one), if
 * anything. Only the lower bound: the service's limit is the server's to name (a 400 that says it).
 */
export function concurrencyProblem(value: string): string | undefined {
  const trimmed = value.trim();
  return /^\d+$/.test(trimmed) && Number(trimmed) >= 1 ? undefined : 'Expected a whole number of 1 or more';
}

/**
 * Client-side checks, keyed by the same paths the server names (without `backfill.`).
 *
 * @param now the latest instant start and end may name; a parameter so tests can fix it.
 * @param triggerInputs the trigger's own inputs: a required input the trigger sets needs no value here.
 * @returns a message per failing field; empty when the form can be sent.
 */
export function validate(form: FormState, inputs: FlowInput[], now = new Date(), triggerInputs: Record<string, unknown> = {}): Record<string, string> {
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
      if (input.required && !presetOf(input, triggerInputs)) errors[key] = 'Required';
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
  // The upper bound is the service's: the dry run's 400 names it at the field.
  const concurrency = form.maxConcurrency.trim() ? concurrencyProblem(form.maxConcurrency) : undefined;
  if (concurrency) errors.maxConcurrency = concurrency;
  if (form.failureAction !== 'NONE') {
    const failures = form.maxFailures.trim();
    const percent = form.maxFailurePercent.trim();
    if (failures && !/^\d+$/.test(failures)) errors['failurePolicy.maxFailures'] = 'Expected a whole number of 0 or more';
    if (percent && !(/^\d+(\.\d+)?$/.test(percent) && Number(percent) <= 100)) errors['failurePolicy.maxFailurePercent'] = 'Expected a number from 0 to 100';
    if (!failures && !percent) errors.failurePolicy = 'Give a number of failures, a percentage or both';
  }
  return errors;
}

/**
 * Why a label row cannot be sent, said at the row: a label is a key and a value, and a row with
 * only one of them (or a fresh, empty one) would otherwise just keep "Execute backfill" off.
 */
export function labelRowProblem(label: Label): string | undefined {
  const hasKey = label.key.trim() !== '';
  const hasValue = label.value.trim() !== '';
  if (hasKey && hasValue) return undefined;
  if (!hasKey && !hasValue) return 'Key and value are both needed (or remove this label)';
  return `${hasKey ? 'A value' : 'A key'} is needed too (or remove this label)`;
}

/**
 * Everything that keeps "Execute backfill" off, one line a field, in the form's order, for the
 * note beside the button: a disabled button alone does not say what is missing.
 */
export function submitBlockers(errors: Record<string, string>, form: FormState): string[] {
  const lines: string[] = [];
  const line = (field: string, message: string) => {
    if (message.startsWith(field)) return message;
    if (message === 'Required') return `${field} is required`;
    return `${field}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
  };
  if (errors.start) lines.push(line('Start', errors.start));
  if (errors.end) lines.push(line('End', errors.end));
  for (const [key, message] of Object.entries(errors)) {
    if (key.startsWith('inputs.')) lines.push(line(`Input ${key.slice('inputs.'.length)}`, message));
  }
  form.labels.forEach((label, i) => {
    const problem = labelRowProblem(label);
    if (problem) lines.push(line(`Label ${i + 1}`, problem));
  });
  if (errors.maxConcurrency) lines.push(line('Concurrency', errors.maxConcurrency));
  if (errors['failurePolicy.maxFailures']) lines.push(line('Max failures', errors['failurePolicy.maxFailures']));
  if (errors['failurePolicy.maxFailurePercent']) lines.push(line('Max failure %', errors['failurePolicy.maxFailurePercent']));
  if (errors.failurePolicy) lines.push(line('Failure policy', errors.failurePolicy));
  return lines;
}

/** The inputs that were filled in, converted to their declared types; `null` when none were. */
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

/**
 * The request a {@link validate}d form becomes: times as UTC ISO strings, inputs typed, labels
 * trimmed. Only call it on a form without errors.
 */
export function toBackfillRequest(form: FormState, inputs: FlowInput[]): BackfillRequest {
  return {
    start: parseLocal(form.start)!.toISOString(),
    end: form.end ? parseLocal(form.end)!.toISOString() : null,
    inputs: typedInputs(form, inputs),
    labels: form.labels.map((l) => ({ key: l.key.trim(), value: l.value.trim() })),
    reprocess: form.reprocess,
    order: form.order,
    latestRevision: form.latestRevision,
    ...(form.maxConcurrency.trim() ? { maxConcurrency: Number(form.maxConcurrency) } : {}),
    ...(form.failureAction !== 'NONE' ? { failurePolicy: failurePolicyOf(form, form.failureAction) } : {}),
    ...(form.webhook.trim() ? { notify: { webhook: form.webhook.trim() } } : {}),
  };
}

/** The thresholds that were filled in, with the action. */
function failurePolicyOf(form: FormState, action: FailureAction): NonNullable<BackfillRequest['failurePolicy']> {
  return {
    ...(form.maxFailures.trim() ? { maxFailures: Number(form.maxFailures) } : {}),
    ...(form.maxFailurePercent.trim() ? { maxFailurePercent: Number(form.maxFailurePercent) } : {}),
    action,
  };
}

/**
 * The form field a server error's `path` names (`backfill.notify.webhook` → `notify.webhook`), or
 * `undefined` when the dialog has no field for it and the error is shown above the buttons.
 */
export function fieldOfPath(path: string | undefined): string | undefined {
  if (!path?.startsWith('backfill.')) return undefined;
  const key = path.slice('backfill.'.length);
  const fields = [
    'start',
    'end',
    'maxConcurrency',
    'order',
    'latestRevision',
    'failurePolicy',
    'failurePolicy.maxFailures',
    'failurePolicy.maxFailurePercent',
    'notify.webhook',
  ];
  if (fields.includes(key) || key.startsWith('inputs.') || /^labels\[\d+\]\.(key|value)$/.test(key)) return key;
  // `notify` itself, or the policy's action: the fields that build them.
  if (key === 'notify') return 'notify.webhook';
  if (key.startsWith('failurePolicy.')) return 'failurePolicy';
  return undefined;
}
