import type { Settings } from '../config';
import { type BackfillRequest, backfillExecutionName, planBackfill, skipsTick } from '../domain/backfill';
import type { BackfillOrder } from '../domain/backfill-order';
import { FlowNotFoundError, TriggerNotFoundError } from '../domain/errors';
import { type FailurePolicy, toleratedFailures } from '../domain/failure-policy';
import { type Flow, type ScheduleTrigger, isSchedule } from '../domain/flow/model';
import { changeEvent } from '../domain/backfill-events';
import { byWindow, overlaps, windowOf } from '../domain/backfill-windows';
import { randomId } from '../domain/ids';
import { formatInZone } from '../domain/schedule';
import type { TriggerRef, TriggerState } from '../domain/trigger-state';
import type { BackfillWorkflows, Clock, ExecutionStore, FlowStore, TriggerStore } from '../ports';
import { type BackfillEstimate, estimateBackfill } from './backfill-estimate';
import { type AnnounceDeps, type FinalNotificationDeps, announce, notifyEnding } from './backfill-notifications';
import { scheduleOf } from './schedules';

/** What finding a trigger reads. */
export interface TriggerLookupDeps {
  flows: Pick<FlowStore, 'get'>;
  triggers: Pick<TriggerStore, 'get'>;
}

/** What planning a backfill request needs (creating and previewing share it). */
export interface PlanBackfillDeps extends TriggerLookupDeps {
  clock: Clock;
  settings: Pick<Settings, 'backfill' | 'dispatch' | 'notify'>;
}

export interface CreateBackfillDeps extends PlanBackfillDeps, AnnounceDeps, FinalNotificationDeps {
  triggers: Pick<TriggerStore, 'get' | 'startBackfill' | 'finishBackfill' | 'claimNotification' | 'recordNotification'>;
  workflows: Pick<BackfillWorkflows, 'start'>;
}

export interface PreviewBackfillDeps extends PlanBackfillDeps {
  executions: Pick<ExecutionStore, 'statesByTick' | 'search' | 'storedBytes'>;
  settings: Pick<Settings, 'backfill' | 'dispatch' | 'notify' | 'worker' | 'stateMachineArn'>;
}

export interface SetDisabledDeps extends TriggerLookupDeps {
  clock: Clock;
  triggers: Pick<TriggerStore, 'get' | 'updateSchedule'>;
}

export interface ResolvedTrigger {
  flow: Flow;
  trigger: ScheduleTrigger;
  state: TriggerState;
}

/** Finds the flow, its trigger definition and its state row, with Kestra's 404 messages (1.x's wording, 2.x's in `qualified`). */
export async function resolveTrigger(deps: TriggerLookupDeps, ref: TriggerRef): Promise<ResolvedTrigger> {
  const flow = await deps.flows.get(ref.namespace, ref.flowId);
  if (!flow) {
    throw new FlowNotFoundError(`Flow of trigger ${ref.triggerId} not found`, {
      qualified: `Flow ${ref.namespace}.${ref.flowId} of trigger ${ref.triggerId} not found`,
    });
  }
  const trigger = flow.triggers.find((t) => t.id === ref.triggerId);
  if (!trigger || !isSchedule(trigger)) {
    throw new TriggerNotFoundError(`Flow ${ref.flowId} has no trigger ${ref.triggerId}`, {
      qualified: `Flow ${ref.namespace}.${ref.flowId} has no schedule trigger ${ref.triggerId}`,
    });
  }
  const state = await deps.triggers.get(ref);
  if (!state) throw new TriggerNotFoundError(`Trigger ${ref.triggerId} of flow ${ref.namespace}.${ref.flowId} has no state yet`);
  return { flow, trigger, state };
}

/**
 * Starts a backfill: validated against the flow and the clock before anything is written, so a
 * rejected request changes nothing; then attached to the trigger beside its active backfills (409
 * when its window overlaps one of theirs) and its state machine started.
 */
export async function createBackfill(deps: CreateBackfillDeps, request: BackfillRequest): Promise<TriggerState> {
  const { ref, id, state, backfill, now } = await planRequest(deps, request);
  await deps.triggers.startBackfill(ref, backfill, now.toISOString(), { maxActive: deps.settings.backfill.maxPerTrigger });
  try {
    await deps.workflows.start(backfill.executionName, { backfill: { ...ref, id }, generation: 0, iteration: 0 });
  } catch (error) {
    // Without a state machine nothing would ever dispatch: take the backfill back off the trigger.
    if (await deps.triggers.finishBackfill(ref, id, 'ABANDONED', deps.clock.now().toISOString())) await notifyEnding(deps, ref, id);
    throw error;
  }
  await announce(deps, changeEvent('CREATED', ref, backfill, now.toISOString(), randomId()));
  // The answer's `backfill` is the one created (its id is what the caller follows), beside every active one.
  const backfills = [...state.backfills.filter((active) => active.id !== id), backfill].sort(byWindow);
  return { ...state, backfill, backfills, updatedDate: now.toISOString() };
}

/** Validates a backfill request against its flow and trigger and plans it, writing nothing. */
async function planRequest(deps: PlanBackfillDeps, request: BackfillRequest) {
  const { flow, trigger, state } = await resolveTrigger(deps, request);
  const now = deps.clock.now();
  const ref: TriggerRef = { namespace: request.namespace, flowId: request.flowId, triggerId: request.triggerId };
  const id = randomId();
  const schedule = scheduleOf(trigger);
  const backfill = planBackfill(request, flow, trigger, schedule, {
    id,
    now,
    maxTicks: deps.settings.backfill.maxTicks,
    maxInFlight: deps.settings.dispatch.maxInFlight,
    previousNextExecutionDate: state.nextExecutionDate,
    executionName: backfillExecutionName({ ...ref, id }, 0),
    webhooks: { allowLoopback: deps.settings.notify.allowLoopback },
  });
  return { ref, id, state, flow, trigger, schedule, backfill, now };
}

/** Ticks a preview lists; the count covers them all. */
export const PREVIEW_TICKS = 100;

/** Largest window whose covered ticks a preview counts (it reads the trigger's executions of the window). */
const PREVIEW_SKIP_LIMIT = 50_000;

export interface BackfillPreview {
  /** Ticks in the window: with `reprocess` ALL, one execution each. */
  count: number;
  /**
   * Ticks earlier executions cover, which `reprocess` skips (0 for ALL); null for a window larger
   * than PREVIEW_SKIP_LIMIT ticks, where only dispatch finds out, batch by batch.
   */
  skipped: number | null;
  /** The window as the backfill would store it (`end` resolved to now when null), in the trigger's zone. */
  start: string;
  end: string;
  /** Which ticks run first (the request's `order`). */
  order: BackfillOrder;
  /**
   * The ticks that run first (at most PREVIEW_TICKS), in the order they run (newest first for
   * NEWEST_FIRST), as the executions' `trigger.date` would show them.
   */
  ticks: string[];
  /** The window's first and last ticks, whatever the order. */
  firstTick: string;
  lastTick: string;
  /** Whether more ticks follow the ones listed. */
  truncated: boolean;
  /**
   * Creating it now would answer 409: its window overlaps an active backfill's (`conflictsWith`), or
   * the trigger runs as many backfills as it may (BACKFILL_MAX_PER_TRIGGER).
   */
  conflict: boolean;
  /** The active backfill whose window it overlaps. */
  conflictsWith?: { id: string; start: string; end: string };
  /** The largest `maxConcurrency` accepted, and a backfill's bound without one: the service's BACKFILL_MAX_IN_FLIGHT. */
  maxConcurrencyLimit: number;
  /** The flow revision it would pin (its current one); absent with `latestRevision`. */
  flowRevision?: number;
  latestRevision: boolean;
  /** How long it would take (ISO-8601, and in seconds), from the flow's recent executions; null without any (`estimate.duration.reason`). */
  estimatedDuration: string | null;
  estimatedDurationSeconds: number | null;
  /** What it would cost on AWS (also on the local default, which bills nothing: `estimate.cost.billed`). */
  estimatedCostUsd: number;
  /** What both figures stand on. */
  estimate: BackfillEstimate;
  /** The failure policy asked for, and how many FAILED executions it tolerates over this window. */
  failurePolicy?: FailurePolicy & { tolerated: number };
}

/**
 * A dry run (Airflow's `backfills/dry_run`; Kestra has none): the same validation and planning as
 * creating the backfill, the same 400s, and nothing written. The UI shows it while the dialog is
 * filled in, so nobody starts 46,000 executions by picking the wrong year.
 */
export async function previewBackfill(deps: PreviewBackfillDeps, request: BackfillRequest): Promise<BackfillPreview> {
  const { ref, state, flow, trigger, schedule, backfill } = await planRequest(deps, request);
  const startMs = Date.parse(backfill.start);
  const endMs = Date.parse(backfill.end);
  let skipped: number | null = 0;
  if (backfill.reprocess !== 'ALL') {
    skipped = null;
    if (backfill.totalTicks <= PREVIEW_SKIP_LIMIT) {
      const earlier = await deps.executions.statesByTick(ref, startMs, endMs);
      // Only ticks of the current cron count: runs of an earlier cron's ticks cover nothing in this window.
      const isTick = (ms: number) => schedule.ticksBetween(ms, ms, 1).length === 1;
      skipped = [...earlier].filter(
        ([tick, runs]) =>
          isTick(tick) &&
          skipsTick(
            backfill.reprocess,
            runs.map((run) => run.state),
          ),
      ).length;
    }
  }
  const newestFirst = backfill.order === 'NEWEST_FIRST';
  const ticks = newestFirst ? schedule.ticksBetweenNewestFirst(startMs, endMs, PREVIEW_TICKS) : schedule.ticksBetween(startMs, endMs, PREVIEW_TICKS);
  // The window holds at least one tick (planning refuses an empty one), so it has a first and a last.
  const [firstTick] = newestFirst ? schedule.ticksBetween(startMs, endMs, 1) : ticks;
  const [lastTick] = newestFirst ? ticks : schedule.ticksBetweenNewestFirst(startMs, endMs, 1);
  if (firstTick === undefined || lastTick === undefined)
    throw new Error(`Backfill window ${backfill.start}..${backfill.end} has no tick, which planning refuses`);
  const overlap = state.backfills.find((active) => overlaps(windowOf(active), windowOf(backfill)));
  const estimate = await estimateBackfill(deps, {
    flow,
    trigger,
    schedule,
    state,
    backfill,
    executions: backfill.totalTicks - (skipped ?? 0),
  });
  return {
    count: backfill.totalTicks,
    skipped,
    start: backfill.start,
    end: backfill.end,
    order: backfill.order,
    ticks: ticks.map((tick) => formatInZone(tick, trigger.timezone)),
    firstTick: formatInZone(firstTick, trigger.timezone),
    lastTick: formatInZone(lastTick, trigger.timezone),
    truncated: backfill.totalTicks > ticks.length,
    conflict: overlap !== undefined || state.backfills.length >= deps.settings.backfill.maxPerTrigger,
    ...(overlap ? { conflictsWith: { id: overlap.id, start: overlap.start, end: overlap.end } } : {}),
    maxConcurrencyLimit: deps.settings.dispatch.maxInFlight,
    ...(backfill.flowRevision !== undefined ? { flowRevision: backfill.flowRevision } : {}),
    latestRevision: backfill.flowRevision === undefined,
    estimatedDuration: estimate.duration.estimated,
    estimatedDurationSeconds: estimate.duration.seconds,
    estimatedCostUsd: estimate.cost.usd,
    estimate,
    ...(backfill.failurePolicy
      ? { failurePolicy: { ...backfill.failurePolicy, tolerated: toleratedFailures(backfill.failurePolicy, backfill.totalTicks) } }
      : {}),
  };
}

/**
 * Switches a trigger. Disabling keeps the live schedule's next tick, so that enabling again finds
 * the ticks missed meanwhile and recovers them as `recoverMissedSchedules` says.
 */
export async function setDisabled(deps: SetDisabledDeps, ref: TriggerRef, disabled: boolean): Promise<TriggerState> {
  const { trigger, state } = await resolveTrigger(deps, ref);
  const now = deps.clock.now();
  let nextExecutionDate = state.nextExecutionDate;
  if (!disabled && nextExecutionDate === null) {
    const next = scheduleOf(trigger).next(now.getTime());
    nextExecutionDate = next === null ? null : formatInZone(next, trigger.timezone);
  }
  await deps.triggers.updateSchedule(ref, { nextExecutionDate, disabled, updatedDate: now.toISOString() });
  return { ...state, nextExecutionDate, disabled, updatedDate: now.toISOString() };
}
