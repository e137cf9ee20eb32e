import { type BackfillOrder, initialCursorMs } from './backfill-order';
import { firstRateSample } from './backfill-rate';
import type { FailurePolicy } from './failure-policy';
import { ValidationError } from './flow/errors';
import { resolveInputs } from './flow/inputs';
import type { Flow, Label, ScheduleTrigger } from './flow/model';
import { type CompiledSchedule, formatInZone } from './schedule';
import type { BackfillNotify, BackfillState, TriggerRef } from './trigger-state';
import { type WebhookRules, checkWebhookUrl } from './webhook-url';
import { emptyTimeline } from './timeline';

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

/** A backfill asked for (`PUT /api/v1/triggers` with a `backfill`), its shape validated; `planBackfill` checks the rest. */
export interface BackfillRequest extends TriggerRef {
  start: Date;
  /** Null means "now", fixed when the backfill is created. */
  end: Date | null;
  inputs: Record<string, unknown> | null;
  labels: Label[];
  reprocess: Reprocess;
  /** Which ticks run first (see `BackfillOrder`). */
  order: BackfillOrder;
  /** Executions of this backfill in flight at once; null means the service's limit. */
  maxConcurrency: number | null;
  /**
   * Run whatever revision the flow has when each execution is dispatched, instead of the revision it
   * has now (the default: the backfill pins it, see `BackfillState.flowRevision`).
   */
  latestRevision: boolean;
  /** When too many of its executions FAIL, pause or cancel it; null: never. */
  failurePolicy: FailurePolicy | null;
  /** Where its final notification is POSTed besides its lifecycle event; null: nowhere. */
  notify: BackfillNotify | null;
}

/**
 * A request's options beyond its window, inputs and labels, when it names none: Kestra's behaviour
 * (every tick, oldest first), the service's concurrency, the flow's revision pinned, no failure
 * policy, no webhook. The values the request schemas give an absent field, and what a backfill the
 * service starts itself (the ticks a disabled trigger missed) asks for.
 */
export const DEFAULT_BACKFILL_OPTIONS = {
  reprocess: 'ALL',
  order: 'OLDEST_FIRST',
  maxConcurrency: null,
  latestRevision: false,
  failurePolicy: null,
  notify: null,
} as const satisfies Pick<BackfillRequest, 'reprocess' | 'order' | 'maxConcurrency' | 'latestRevision' | 'failurePolicy' | 'notify'>;

/**
 * Checks a backfill's `maxConcurrency` against the service's limit (`BACKFILL_MAX_IN_FLIGHT`): a
 * backfill may run fewer executions at once than the service allows, never more.
 */
export function checkMaxConcurrency(maxConcurrency: number, limit: number): number {
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > limit) {
    throw new ValidationError(
      'backfill.maxConcurrency',
      `expected an integer from 1 to ${limit} (the service's BACKFILL_MAX_IN_FLIGHT), got ${maxConcurrency}`,
    );
  }
  return maxConcurrency;
}

/** Whether a tick whose earlier executions are in `states` is skipped under `reprocess`. */
export function skipsTick(reprocess: Reprocess, states: readonly string[]): boolean {
  if (reprocess === 'MISSING') return states.length > 0;
  if (reprocess === 'FAILED_AND_MISSING') return states.includes('SUCCESS');
  return false;
}

export interface BackfillPlan {
  id: string;
  now: Date;
  maxTicks: number;
  /** The service's limit of executions in flight per backfill: the default and the largest `maxConcurrency`. */
  maxInFlight: number;
  previousNextExecutionDate: string | null;
  executionName: string;
  /** What a webhook may be (the service's `notify` settings). */
  webhooks: WebhookRules;
}

/**
 * Checks a request against the flow and the clock and builds the backfill to store. Stricter than
 * Kestra, which accepts a reversed or future window and lets the UI prevent it.
 */
export function planBackfill(request: BackfillRequest, flow: Flow, trigger: ScheduleTrigger, schedule: CompiledSchedule, plan: BackfillPlan): BackfillState {
  const nowMs = plan.now.getTime();
  const end = request.end ?? plan.now;
  if (end.getTime() > nowMs) {
    throw new ValidationError('backfill.end', `${end.toISOString()} is in the future; a backfill replays past ticks only (leave it null for "now")`);
  }
  if (request.start.getTime() > end.getTime()) {
    throw new ValidationError('backfill.start', `${request.start.toISOString()} is after backfill.end ${end.toISOString()}`);
  }
  const maxConcurrency = request.maxConcurrency === null ? plan.maxInFlight : checkMaxConcurrency(request.maxConcurrency, plan.maxInFlight);
  const notify = request.notify === null ? undefined : { webhook: checkWebhookUrl(request.notify.webhook, plan.webhooks) };
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
    cursorMs: initialCursorMs(request.order, request.start.getTime(), end.getTime()),
    // Kestra's cursor starts at the window's start; newest first, it starts at its end and moves back.
    currentDate: zoned(request.order === 'NEWEST_FIRST' ? end : request.start),
    paused: false,
    inputs,
    labels: request.labels,
    previousNextExecutionDate: plan.previousNextExecutionDate,
    totalTicks: ticks,
    dispatched: 0,
    reprocess: request.reprocess,
    order: request.order,
    maxConcurrency,
    ...(request.latestRevision ? {} : { flowRevision: flow.revision }),
    ...(notify ? { notify } : {}),
    skipped: 0,
    openPages: [],
    ended: 0,
    failed: 0,
    rateSamples: firstRateSample(nowMs),
    killed: 0,
    ...(request.failurePolicy ? { failurePolicy: request.failurePolicy } : {}),
    timeline: emptyTimeline(ticks),
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
