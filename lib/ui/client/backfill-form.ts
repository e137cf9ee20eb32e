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

/** What the backfill dialog holds: every field as typed, before any conversion. */
export interface FormState {
  start: string;
  end: string;
  inputs: InputValues;
  labels: Label[];
  reprocess: Reprocess;
}

/** The `reprocess` policies, in the order and with the words the UI shows them. */
export const REPROCESS_CHOICES: { value: Reprocess; label: string }[] = [
  { value: 'ALL', label: 'Every tick (as Kestra)' },
  { value: 'FAILED_AND_MISSING', label: 'Ticks without a successful run' },
  { value: 'MISSING', label: 'Ticks without any run' },
];

/**
 * Client-side checks, keyed by the same paths the server names (without `backfill.`).
 *
 * @param now the latest instant start and end may name; a parameter so tests can fix it.
 * @returns a message per failing field; empty when the form can be sent.
 */
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
  };
}
