import { ValidationError } from './flow/errors';
import { resolveInputs } from './flow/inputs';
import { parseLabels } from './flow/labels';
import type { Flow, Label, ScheduleTrigger } from './flow/model';
import { type CompiledSchedule, formatInZone } from './schedule';
import type { BackfillState, TriggerRef } from './trigger-state';

/**
 * Which ticks a backfill replays (beyond Kestra, whose backfills replay every tick; Kestra's open
 * feature request #13873, Airflow 3's `reprocess_behavior`). Earlier runs are the trigger's other
 * executions of the same tick: live ones and those of earlier backfills.
 * - ALL: every tick in the window (Kestra's behaviour, the default);
 * - FAILED_AND_MISSING: skip ticks that already have a SUCCESS execution;
 * - MISSING: skip ticks that already have any execution, whatever its state.
 */
export const REPROCESS_MODES = ['ALL', 'FAILED_AND_MISSING', 'MISSING'] as const;
export type Reprocess = (typeof REPROCESS_MODES)[number];

/** `PUT /api/v1/triggers` with a `backfill`, validated. */
export interface BackfillRequest extends TriggerRef {
  start: Date;
  /** Null means "now", fixed when the backfill is created. */
  end: Date | null;
  inputs: Record<string, unknown> | null;
  labels: Label[];
  reprocess: Reprocess;
}

/** Whether a tick whose earlier executions are in `states` is skipped under `reprocess`. */
export function skipsTick(reprocess: Reprocess, states: readonly string[]): boolean {
  if (reprocess === 'MISSING') return states.length > 0;
  if (reprocess === 'FAILED_AND_MISSING') return states.includes('SUCCESS');
  return false;
}

/** ISO-8601 date-time with an offset or `Z`, optionally followed by a bracketed zone id as java.time prints it. */
const ZONED_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})(?:\[[A-Za-z0-9_+\-/]+\])?$/;
const EARLIEST = Date.UTC(1970, 0, 1);

/** Parses a request date the way Kestra's ZonedDateTime fields accept them; errors name the field. */
export function parseZonedDateTime(value: unknown, field: string): Date {
  const expected = 'an ISO-8601 date-time with an offset, e.g. "2024-03-28T06:30:00.000Z"';
  if (typeof value !== 'string') throw new ValidationError(field, `expected ${expected}, got ${describe(value)}`);
  const match = ZONED_DATE_TIME.exec(value);
  if (!match) throw new ValidationError(field, `"${value}" is not ${expected}`);
  const [, y, mo, d, h, mi, sec = '0', frac = '0', offset] = match;
  const month = Number(mo);
  const day = Number(d);
  const local = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec), Number(frac.padEnd(3, '0').slice(0, 3)));
  const check = new Date(local);
  if (month < 1 || month > 12 || check.getUTCDate() !== day || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    throw new ValidationError(field, `"${value}" is not a valid calendar date-time`);
  }
  let offsetMs = 0;
  if (offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 18 || om > 59) throw new ValidationError(field, `"${value}" has an offset out of range (±18:00)`);
    offsetMs = sign * (oh * 60 + om) * 60_000;
  }
  const instant = local - offsetMs;
  if (instant < EARLIEST) throw new ValidationError(field, `"${value}" is before 1970-01-01T00:00:00Z`);
  return new Date(instant);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value}"` : typeof value;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(field, `expected a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the trigger id fields every trigger route takes. */
export function parseTriggerRef(body: unknown): TriggerRef {
  if (!isObject(body)) throw new ValidationError('body', `expected a JSON object, got ${describe(body)}`);
  return {
    namespace: requiredString(body, 'namespace'),
    flowId: requiredString(body, 'flowId'),
    triggerId: requiredString(body, 'triggerId'),
  };
}

/** Validates the shape of a backfill request; checks against the flow come later in `planBackfill`. */
export function parseBackfillRequest(body: unknown): BackfillRequest {
  const ref = parseTriggerRef(body);
  const backfill = (body as Record<string, unknown>).backfill;
  if (!isObject(backfill)) throw new ValidationError('backfill', `expected an object with at least "start", got ${describe(backfill)}`);
  const start = parseZonedDateTime(backfill.start, 'backfill.start');
  const end = backfill.end === null || backfill.end === undefined ? null : parseZonedDateTime(backfill.end, 'backfill.end');
  const inputs = backfill.inputs ?? null;
  if (inputs !== null && !isObject(inputs)) {
    throw new ValidationError('backfill.inputs', `expected an object mapping input ids to values, got ${describe(inputs)}`);
  }
  const reprocess = backfill.reprocess ?? 'ALL';
  if (!REPROCESS_MODES.includes(reprocess as Reprocess)) {
    throw new ValidationError('backfill.reprocess', `expected one of ${REPROCESS_MODES.join(', ')}, got ${describe(reprocess)}`);
  }
  return { ...ref, start, end, inputs, labels: parseLabels(backfill.labels, 'backfill.labels'), reprocess: reprocess as Reprocess };
}

export interface BackfillPlan {
  id: string;
  now: Date;
  maxTicks: number;
  previousNextExecutionDate: string | null;
  executionName: string;
}

/**
 * Checks a request against the flow and the clock and builds the backfill to store. Stricter than
 * Kestra, which accepts a reversed or future window and lets the UI prevent it.
 */
export function planBackfill(
  request: BackfillRequest,
  flow: Flow,
  trigger: ScheduleTrigger,
  schedule: CompiledSchedule,
  plan: BackfillPlan,
): BackfillState {
  const nowMs = plan.now.getTime();
  const end = request.end ?? plan.now;
  if (end.getTime() > nowMs) {
    throw new ValidationError('backfill.end', `${end.toISOString()} is in the future; a backfill replays past ticks only (leave it null for "now")`);
  }
  if (request.start.getTime() > end.getTime()) {
    throw new ValidationError('backfill.start', `${request.start.toISOString()} is after backfill.end ${end.toISOString()}`);
  }
  const inputs = request.inputs === null ? null : resolveInputs(flow, request.inputs, 'backfill.inputs', { partial: true });
  // Counting stops one past the limit, so an absurd window costs no more than a valid one.
  const ticks = schedule.countBetween(request.start.getTime(), end.getTime(), plan.maxTicks + 1);
  if (ticks > plan.maxTicks) {
    throw new ValidationError(
      'backfill.start',
      `the window ${request.start.toISOString()} → ${end.toISOString()} holds more than ${plan.maxTicks} ticks of "${trigger.cron}" ` +
        `(the limit); split it into smaller backfills`,
    );
  }
  if (ticks === 0) {
    throw new ValidationError(
      'backfill.start',
      `the window ${request.start.toISOString()} → ${end.toISOString()} holds no tick of "${trigger.cron}" (${trigger.timezone})`,
    );
  }
  // Shown in the trigger's zone, like the cursor and the executions' trigger dates.
  const zoned = (date: Date) => formatInZone(date.getTime(), trigger.timezone);
  return {
    id: plan.id,
    start: zoned(request.start),
    end: zoned(end),
    cursorMs: request.start.getTime(),
    currentDate: zoned(request.start),
    paused: false,
    inputs,
    labels: request.labels,
    previousNextExecutionDate: plan.previousNextExecutionDate,
    totalTicks: ticks,
    dispatched: 0,
    reprocess: request.reprocess,
    skipped: 0,
    executionName: plan.executionName,
    generation: 0,
    createdDate: plan.now.toISOString(),
  };
}

/**
 * The Step Functions execution name of a backfill's generation: readable in the console
 * (flow and trigger first), unique (the backfill id), within the 80-character limit.
 */
export function backfillExecutionName(ref: TriggerRef & { id: string }, generation: number): string {
  const readable = `${ref.flowId}-${ref.triggerId}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48);
  return `${readable}-${ref.id}-g${generation}`;
}
