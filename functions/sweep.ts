import { type NotificationRetryReport, type RetryNotificationsDeps, retryPendingNotifications } from '../lib/app/backfill-notifications';
import { type SweepDeps, type SweepReport, sweepStuck } from '../lib/app/stuck-executions';
import type { Telemetry } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export interface SweepHandlerDeps extends SweepDeps, RetryNotificationsDeps {
  triggers: SweepDeps['triggers'] & RetryNotificationsDeps['triggers'];
  telemetry: Telemetry;
}

export type SweepHandler = (event?: unknown) => Promise<SweepReport & { notifications: NotificationRetryReport }>;

/**
 * The sweep (see `sweepStuck`): an EventBridge rule calls it every `SWEEP_INTERVAL_SECONDS` on AWS;
 * the local default calls the same handler on a timer. It sends again what no worker will run any
 * more, logs what it did, and emits its counts, among them `StalledBackfills`, the backfills that
 * made no progress for `STALL_ALARM_SECONDS` (an alarm watches it), every run, zeros included, so
 * that the alarm always has a value to compare. It also retries the backfills' final notifications
 * still pending (`retryPendingNotifications`): those whose sender died, or whose last attempt failed
 * and whose backoff has passed.
 */
export function createSweepHandler(deps: SweepHandlerDeps): SweepHandler {
  const { telemetry } = deps;
  return async () => {
    try {
      const report = await sweepStuck(deps, {
        staleAfterMs: deps.settings.sweep.staleAfterSeconds * 1000,
        stallAfterMs: deps.settings.sweep.stallAlarmSeconds * 1000,
      });
      const { stalled, oldestOpenPageSeconds, ...counts } = report;
      if (counts.resent || counts.requeued || counts.repaired || counts.cancelsCarriedOn) telemetry.info('sweep', { ...counts });
      for (const backfill of stalled) {
        telemetry.warn(`Backfill made no progress for ${deps.settings.sweep.stallAlarmSeconds} s (STALL_ALARM_SECONDS)`, { ...backfill });
      }
      telemetry.metric('SweepResent', 'Count', counts.resent);
      telemetry.metric('SweepRequeued', 'Count', counts.requeued);
      telemetry.metric('SweepRepaired', 'Count', counts.repaired);
      telemetry.metric('StalledBackfills', 'Count', stalled.length);
      telemetry.metric('OldestOpenPageAge', 'Seconds', oldestOpenPageSeconds);
      const notifications = await retryPendingNotifications(deps);
      if (notifications.delivered || notifications.retried || notifications.failed) telemetry.info('sweep: final notifications', { ...notifications });
      if (notifications.failed) telemetry.warn('Backfill notifications given up after their last attempt', { ...notifications });
      telemetry.metric('NotificationsGivenUp', 'Count', notifications.failed);
      return { ...report, notifications };
    } catch (error) {
      telemetry.error('Sweep failed', { error });
      throw error;
    } finally {
      telemetry.publish();
    }
  };
}

export const handler = onFirstCall(() => createSweepHandler(awsDependencies()));
