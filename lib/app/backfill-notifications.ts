import { type BackfillEvent, NOTIFY_MAX_ATTEMPTS, changeEvent, endingEvent, notifyBackoffMs } from '../domain/backfill-events';
import { type FailurePolicyTrip, describeTrip } from '../domain/failure-policy';
import type { BackfillState, TriggerRef } from '../domain/trigger-state';
import type { BackfillEvents, Clock, Telemetry, TriggerStore, WebhookSender } from '../ports';

export interface AnnounceDeps {
  events: BackfillEvents;
  telemetry: Pick<Telemetry, 'warn'>;
}

/**
 * Publishes the event of a change made to a running backfill (created, paused, resumed, updated,
 * paused by its failure policy), after the write that made it. A publish that fails is logged and
 * does not undo or fail the change: these events are at most once (a crash between the write and
 * the publish loses one). Endings are different: see `deliverFinalNotification`.
 */
export async function announce(deps: AnnounceDeps, event: BackfillEvent): Promise<void> {
  try {
    await deps.events.publish(event);
  } catch (error) {
    deps.telemetry.warn('Backfill event not published', { eventId: event.eventId, type: event.type, backfillId: event.backfill.id, error: shortError(error) });
  }
}

export interface PolicyPauseNotificationDeps extends AnnounceDeps {
  webhooks: WebhookSender;
}

/**
 * Tells that the backfill's failure policy paused it: its lifecycle event, and a POST to its webhook
 * (the full URL is on the running backfill). Sent by dispatch after the write that paused it, once:
 * a dispatch that reads the backfill paused does not pause it again. Like the other change events it
 * is at most once (a crash between the pause and the POST loses it, and a failed POST is logged, not
 * retried); only endings have an outbox (see `deliverFinalNotification`). The id is stable for the
 * pause (the backfill and when it tripped), so a receiver can deduplicate.
 */
export async function announceFailurePolicyPause(
  deps: PolicyPauseNotificationDeps,
  ref: TriggerRef,
  backfill: BackfillState,
  trip: FailurePolicyTrip,
): Promise<void> {
  const event = changeEvent(
    'PAUSED_BY_FAILURE_POLICY',
    ref,
    backfill,
    trip.at,
    `${backfill.id}-paused-by-failure-policy-${Date.parse(trip.at)}`,
    describeTrip(trip),
  );
  await announce(deps, event);
  const webhook = backfill.notify?.webhook;
  if (!webhook) return;
  try {
    await deps.webhooks.post(webhook, event);
  } catch (error) {
    deps.telemetry.warn('Backfill webhook not delivered', { eventId: event.eventId, type: event.type, backfillId: backfill.id, error: shortError(error) });
  }
}

export interface FinalNotificationDeps {
  clock: Clock;
  triggers: Pick<TriggerStore, 'claimNotification' | 'recordNotification'>;
  events: BackfillEvents;
  webhooks: WebhookSender;
}

/**
 * How long a claimed attempt keeps other senders off: the webhook's POST is bounded by its timeout
 * (seconds), so a claim this long has ended unless its sender died, and then the sweep takes over.
 */
const CLAIM_MS = 60_000;

/** What one call to `deliverFinalNotification` came to. */
export type DeliveryOutcome = 'DELIVERED' | 'RETRY' | 'FAILED' | 'NOT_DUE';

/**
 * Delivers the final notification of the trigger's ended backfill `backfillId` (its outbox, opened
 * by the write that ended it): publishes its ending event unless an earlier attempt did, then POSTs
 * it to the backfill's webhook if it has one, and records it DELIVERED. Each attempt is claimed first
 * (one conditional write that counts it), so a concurrent sender (the ender and the sweep) does not
 * send it too; a failed attempt is recorded with its error and retried by the sweep after a backoff
 * (30 s, doubling), at most NOTIFY_MAX_ATTEMPTS times, then FAILED. A sender that dies after the POST
 * but before recording it leaves it to be sent again: at least once, with the same event id.
 */
export async function deliverFinalNotification(deps: FinalNotificationDeps, ref: TriggerRef, backfillId: string): Promise<DeliveryOutcome> {
  const nowMs = deps.clock.now().getTime();
  const claimed = await deps.triggers.claimNotification(ref, backfillId, nowMs, nowMs + CLAIM_MS);
  const last = claimed;
  const notify = last?.notify;
  if (!last || !notify) return 'NOT_DUE';
  const event = endingEvent(ref, last);
  let eventSent = notify.eventSent;
  let failure: string | undefined;
  try {
    if (!eventSent) {
      await deps.events.publish(event);
      eventSent = true;
    }
    if (notify.webhook) await deps.webhooks.post(notify.webhook, event);
  } catch (error) {
    failure = shortError(error);
  }
  if (failure === undefined) {
    await deps.triggers.recordNotification(ref, backfillId, { status: 'DELIVERED', eventSent });
    return 'DELIVERED';
  }
  const giveUp = notify.attempts >= NOTIFY_MAX_ATTEMPTS;
  await deps.triggers.recordNotification(ref, backfillId, {
    status: giveUp ? 'FAILED' : 'PENDING',
    lastError: failure,
    eventSent,
    nextAttemptMs: deps.clock.now().getTime() + notifyBackoffMs(notify.attempts),
  });
  return giveUp ? 'FAILED' : 'RETRY';
}

/**
 * Delivers it right after the ending, for whoever ended the backfill: an error here (the store
 * unreachable) fails nothing, since the outbox keeps the notification PENDING for the sweep.
 */
export async function notifyEnding(deps: FinalNotificationDeps, ref: TriggerRef, backfillId: string): Promise<void> {
  try {
    await deliverFinalNotification(deps, ref, backfillId);
  } catch {
    // Left PENDING: the sweep retries it (see retryPendingNotifications).
  }
}

export interface RetryNotificationsDeps extends FinalNotificationDeps {
  triggers: FinalNotificationDeps['triggers'] & Pick<TriggerStore, 'listPendingNotifications'>;
}

/** What a sweep's pass over pending notifications did: delivered, to be retried, given up. */
export interface NotificationRetryReport {
  delivered: number;
  retried: number;
  failed: number;
}

/**
 * The sweep's part: every final notification still PENDING and due (its sender died before
 * claiming it, or its last attempt failed and its backoff passed) is attempted again.
 */
export async function retryPendingNotifications(deps: RetryNotificationsDeps): Promise<NotificationRetryReport> {
  const report: NotificationRetryReport = { delivered: 0, retried: 0, failed: 0 };
  const nowMs = deps.clock.now().getTime();
  for (const { ref, lastBackfill: last } of await deps.triggers.listPendingNotifications()) {
    if (!last.notify || (last.notify.nextAttemptMs !== undefined && last.notify.nextAttemptMs > nowMs)) continue;
    const outcome = await deliverFinalNotification(deps, ref, last.id);
    if (outcome === 'DELIVERED') report.delivered++;
    else if (outcome === 'RETRY') report.retried++;
    else if (outcome === 'FAILED') report.failed++;
  }
  return report;
}

/** An error as the outbox keeps it: its message, bounded (the receiver's answer is never in it). */
function shortError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 299)}…` : message;
}
