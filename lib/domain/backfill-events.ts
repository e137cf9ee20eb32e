import type { BackfillOutcome, BackfillState, LastBackfill, LastBackfillCounts, TriggerRef } from './trigger-state';

/**
 * Every change in a backfill's life, as its lifecycle events name it. The endings are the
 * outcomes `lastBackfill` records (one event each, sent through the ending's outbox, see
 * `LastBackfillNotify`); the others are sent by the action that made them.
 */
export const BACKFILL_EVENT_TYPES = [
  'CREATED',
  'PAUSED',
  'RESUMED',
  'UPDATED',
  'PAUSED_BY_FAILURE_POLICY',
  'COMPLETED',
  'DELETED',
  'CANCELLED',
  'FAILED',
  'ABANDONED',
] as const;
export type BackfillEventType = (typeof BACKFILL_EVENT_TYPES)[number];

/** The ending types: a backfill's outcome is its ending event's type. */
export type EndingEventType = Extract<BackfillEventType, BackfillOutcome | 'CANCELLED'>;

/** The events' `source` on EventBridge (rules match on it). */
export const BACKFILL_EVENT_SOURCE = 'kestra.backfills';

/** The EventBridge `detail-type` of each event: `Backfill Created`, …, `Backfill Paused By Failure Policy`. */
export function detailTypeOf(type: BackfillEventType): string {
  const words = type.split('_').map((word) => word.charAt(0) + word.slice(1).toLowerCase());
  return `Backfill ${words.join(' ')}`;
}

/** The backfill as an event describes it: what it is, and for an ending how it ended. */
export interface BackfillEventBackfill extends TriggerRef {
  id: string;
  /** Its window (both inclusive), as the backfill stores it. */
  start: string;
  end: string;
  createdDate: string;
  /** Executions in flight at once, at most (absent on an ending: no longer relevant). */
  maxConcurrency?: number;
  /** Endings only: the outcome, its final counts, when it ended and how long it lasted. */
  outcome?: EndingEventType;
  counts?: LastBackfillCounts;
  endedDate?: string;
  durationSeconds?: number;
  /** Why: a FAILED ending's last error, a pause's tripped failure policy. */
  reason?: string;
}

/**
 * One lifecycle event: the EventBridge event's `detail`, and the body of a webhook's POST. The JSON
 * schema is `BackfillEvent` in the OpenAPI document's components, also in docs/backfill-event.schema.json.
 */
export interface BackfillEvent {
  /** Stable across retries of the same event: receivers deduplicate on it (also `X-Backfill-Event-Id`). */
  eventId: string;
  type: BackfillEventType;
  /** When the change happened. */
  time: string;
  backfill: BackfillEventBackfill;
}

/** An event of a change made to a running backfill (created, paused, resumed, updated, paused by its failure policy). */
export function changeEvent(
  type: Exclude<BackfillEventType, EndingEventType>,
  ref: TriggerRef,
  backfill: BackfillState,
  time: string,
  eventId: string,
  reason?: string,
): BackfillEvent {
  return {
    eventId,
    type,
    time,
    backfill: {
      namespace: ref.namespace,
      flowId: ref.flowId,
      triggerId: ref.triggerId,
      id: backfill.id,
      start: backfill.start,
      end: backfill.end,
      createdDate: backfill.createdDate,
      ...(backfill.maxConcurrency !== undefined ? { maxConcurrency: backfill.maxConcurrency } : {}),
      ...(reason ? { reason } : {}),
    },
  };
}

/**
 * The event of a backfill's ending, from the summary its ending left. Its id is derived from the
 * backfill's (a backfill ends once), so every retry sends the same one.
 */
export function endingEvent(ref: TriggerRef, last: LastBackfill): BackfillEvent {
  const durationMs = last.createdDate ? Date.parse(last.endedDate) - Date.parse(last.createdDate) : undefined;
  return {
    eventId: `${last.id}-${last.outcome.toLowerCase()}`,
    type: last.outcome,
    time: last.endedDate,
    backfill: {
      namespace: ref.namespace,
      flowId: ref.flowId,
      triggerId: ref.triggerId,
      id: last.id,
      start: last.start ?? '',
      end: last.end ?? '',
      createdDate: last.createdDate ?? '',
      outcome: last.outcome,
      ...(last.counts ? { counts: last.counts } : {}),
      endedDate: last.endedDate,
      ...(durationMs !== undefined && Number.isFinite(durationMs) ? { durationSeconds: Math.max(0, durationMs) / 1000 } : {}),
      ...(last.reason ? { reason: last.reason } : {}),
    },
  };
}

/** How many times the final notification is tried before it is given up (`FAILED`). */
export const NOTIFY_MAX_ATTEMPTS = 8;

/** Delay before attempt `attempt + 1` (1-based `attempt` just made): 30 s, 1 min, 2 min… capped at an hour. */
export function notifyBackoffMs(attempt: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
}
