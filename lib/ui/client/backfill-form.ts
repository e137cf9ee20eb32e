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
  };
}
