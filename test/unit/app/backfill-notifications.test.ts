import { beforeEach, describe, expect, it } from 'vitest';
import { backfillEvent } from '../../../lib/api/openapi/response-schemas';
import { endBackfill } from '../../../lib/app/backfill-ending';
import { deleteBackfill, pauseBackfill, unpauseBackfill, updateBackfill } from '../../../lib/app/backfill-control';
import { deliverFinalNotification, retryPendingNotifications } from '../../../lib/app/backfill-notifications';
import { createBackfill } from '../../../lib/app/backfills';
import { NOTIFY_MAX_ATTEMPTS, detailTypeOf } from '../../../lib/domain/backfill-events';
import { type BackfillOutcome, type TriggerRef, toTriggerJson } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aBackfillRequest, aFlow, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const WEBHOOK = 'https://hooks.example.com/services/T0/B0/secret?token=abc';

describe('backfill lifecycle events and final notifications', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  const givenBackfill = (overrides: Parameters<typeof aBackfill>[0] = {}) =>
    deps.triggers.startBackfill(REF, aBackfill(overrides), deps.clock.now().toISOString());
  const types = () => deps.events.published.map((e) => e.type);
  const notifyOf = async () => (await deps.triggers.get(REF))?.lastBackfill?.notify;

  describe('changes made to a running backfill: one event each, in the documented shape', () => {
    it('created, paused, resumed, updated, deleted', async () => {
      const created = await createBackfill(deps, aBackfillRequest({ maxConcurrency: 5 }));
      const id = created.backfill!.id;
      await pauseBackfill(deps, REF);
      await unpauseBackfill(deps, REF);
      await updateBackfill(deps, REF, 3);
      await deleteBackfill(deps, REF);

      expect(types()).toEqual(['CREATED', 'PAUSED', 'RESUMED', 'UPDATED', 'DELETED']);
      for (const event of deps.events.published) {
        expect(backfillEvent.safeParse(event).error).toBeUndefined();
        expect(event.backfill).toMatchObject({ ...REF, id, start: '2026-02-01T00:00:00Z', end: '2026-02-01T09:00:00Z' });
      }
      expect(deps.events.published[3]!.backfill.maxConcurrency).toBe(3);
      expect(new Set(deps.events.published.map((e) => e.eventId)).size).toBe(5);
      expect(deps.events.published[4]!.backfill).toMatchObject({
        outcome: 'DELETED',
        counts: { total: 10, dispatched: 0, succeeded: 0, failed: 0, skipped: 0, unfinished: 0 },
        durationSeconds: 0,
      });
      expect(detailTypeOf('PAUSED_BY_FAILURE_POLICY')).toBe('Backfill Paused By Failure Policy');
    });

    it('a pause of a paused backfill, or the same maxConcurrency again, announces nothing', async () => {
      await givenBackfill({ maxConcurrency: 4 });
      await pauseBackfill(deps, REF);
      await pauseBackfill(deps, REF);
      await updateBackfill(deps, REF, 4);

      expect(types()).toEqual(['PAUSED']);
    });

    it('an event that cannot be published does not fail the change: it is logged', async () => {
      await givenBackfill();
      deps.events.failNext();

      const state = await pauseBackfill(deps, REF);

      expect(state.backfill?.paused).toBe(true);
      expect(deps.events.published).toEqual([]);
      expect(deps.telemetry.lines.some((l) => l.level === 'WARN' && l.message === 'Backfill event not published')).toBe(true);
    });
  });

  describe('endings: the outbox opened by the ending write', () => {
    for (const outcome of ['COMPLETED', 'FAILED', 'ABANDONED', 'DELETED'] as BackfillOutcome[]) {
      it(`${outcome}: exactly one ending event and one POST, recorded DELIVERED`, async () => {
        await givenBackfill({ notify: { webhook: WEBHOOK } });
        deps.clock.advance(90_000);
        const ended = await endBackfill(deps, REF, aBackfill(), outcome, deps.clock.now().toISOString(), outcome === 'FAILED' ? 'it broke' : undefined);

        expect(ended?.id).toBe('bf1');
        expect(types()).toEqual([outcome]);
        const event = deps.events.published[0]!;
        expect(event.eventId).toBe(`bf1-${outcome.toLowerCase()}`);
        expect(event.backfill).toMatchObject({ outcome, durationSeconds: 90, endedDate: deps.clock.now().toISOString(), createdDate: aBackfill().createdDate });
        if (outcome === 'FAILED') expect(event.backfill.reason).toBe('it broke');
        expect(deps.webhooks.delivered).toEqual([{ url: WEBHOOK, event }]);
        expect(await notifyOf()).toEqual({ webhook: WEBHOOK, status: 'DELIVERED', attempts: 1, eventSent: true });
      });
    }

    it('without a webhook, the ending event alone is the notification', async () => {
      await givenBackfill();
      await endBackfill(deps, REF, aBackfill(), 'COMPLETED', deps.clock.now().toISOString());

      expect(types()).toEqual(['COMPLETED']);
      expect(deps.webhooks.attempts).toEqual([]);
      expect(await notifyOf()).toEqual({ status: 'DELIVERED', attempts: 1, eventSent: true });
    });

    it('a POST that fails is retried by the sweep after its backoff and delivered once; the event is not published again', async () => {
      await givenBackfill({ notify: { webhook: WEBHOOK } });
      deps.webhooks.failNext();
      await endBackfill(deps, REF, aBackfill(), 'COMPLETED', deps.clock.now().toISOString());

      expect(await notifyOf()).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'answered 503', eventSent: true });
      // Not due before its backoff (30 s).
      expect(await retryPendingNotifications(deps)).toEqual({ delivered: 0, retried: 0, failed: 0 });
      deps.clock.advance(30_000);
      expect(await retryPendingNotifications(deps)).toEqual({ delivered: 1, retried: 0, failed: 0 });

      expect(deps.webhooks.attempts).toHaveLength(2);
      expect(deps.webhooks.delivered).toHaveLength(1);
      expect(deps.webhooks.attempts[0]!.event.eventId).toBe(deps.webhooks.attempts[1]!.event.eventId);
      expect(types()).toEqual(['COMPLETED']);
      expect(await notifyOf()).toEqual({ webhook: WEBHOOK, status: 'DELIVERED', attempts: 2, eventSent: true });
      // Delivered: later sweeps and another sender send nothing more.
      deps.clock.advance(3_600_000);
      expect(await retryPendingNotifications(deps)).toEqual({ delivered: 0, retried: 0, failed: 0 });
      expect(await deliverFinalNotification(deps, REF, 'bf1')).toBe('NOT_DUE');
      expect(deps.webhooks.attempts).toHaveLength(2);
    });

    it('an event bus outage is retried the same way, and the POST waits for the event', async () => {
      await givenBackfill({ notify: { webhook: WEBHOOK } });
      deps.events.failNext();
      await endBackfill(deps, REF, aBackfill(), 'COMPLETED', deps.clock.now().toISOString());

      expect(await notifyOf()).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'simulated EventBridge outage', eventSent: false });
      expect(deps.webhooks.attempts).toEqual([]);
      deps.clock.advance(30_000);
      await retryPendingNotifications(deps);
      expect(types()).toEqual(['COMPLETED']);
      expect(deps.webhooks.delivered).toHaveLength(1);
    });

    it('a crash between the ending write and the delivery loses nothing: the sweep delivers it', async () => {
      await givenBackfill({ notify: { webhook: WEBHOOK } });
      // The ending write alone, as if its process died right after it.
      await deps.triggers.finishBackfill(REF, 'bf1', 'COMPLETED', deps.clock.now().toISOString());
      expect(await notifyOf()).toEqual({ webhook: WEBHOOK, status: 'PENDING', attempts: 0, eventSent: false });

      expect(await retryPendingNotifications(deps)).toEqual({ delivered: 1, retried: 0, failed: 0 });
      expect(types()).toEqual(['COMPLETED']);
      expect(deps.webhooks.delivered).toHaveLength(1);
    });

    it('a sender that died mid-attempt keeps others off until its claim lapses, then the sweep sends it', async () => {
      await givenBackfill({ notify: { webhook: WEBHOOK } });
      await deps.triggers.finishBackfill(REF, 'bf1', 'COMPLETED', deps.clock.now().toISOString());
      const nowMs = deps.clock.now().getTime();
      // Claimed by a sender that then died.
      expect(await deps.triggers.claimNotification(REF, 'bf1', nowMs, nowMs + 60_000)).toBeDefined();

      expect(await retryPendingNotifications(deps)).toEqual({ delivered: 0, retried: 0, failed: 0 });
      expect(await deliverFinalNotification(deps, REF, 'bf1')).toBe('NOT_DUE');
      deps.clock.advance(60_000);
      expect(await retryPendingNotifications(deps)).toEqual({ delivered: 1, retried: 0, failed: 0 });
      expect(deps.webhooks.delivered).toHaveLength(1);
      expect(await notifyOf()).toMatchObject({ status: 'DELIVERED', attempts: 2 });
    });

    it(`is given up (FAILED) after ${NOTIFY_MAX_ATTEMPTS} attempts, saying why`, async () => {
      await givenBackfill({ notify: { webhook: WEBHOOK } });
      deps.webhooks.failNext(100);
      await endBackfill(deps, REF, aBackfill(), 'COMPLETED', deps.clock.now().toISOString());
      for (let i = 1; i < NOTIFY_MAX_ATTEMPTS; i++) {
        deps.clock.advance(3_600_000);
        await retryPendingNotifications(deps);
      }

      expect(await notifyOf()).toEqual({ webhook: WEBHOOK, status: 'FAILED', attempts: NOTIFY_MAX_ATTEMPTS, lastError: 'answered 503', eventSent: true });
      deps.clock.advance(3_600_000);
      expect(await retryPendingNotifications(deps)).toEqual({ delivered: 0, retried: 0, failed: 0 });
      expect(deps.webhooks.attempts).toHaveLength(NOTIFY_MAX_ATTEMPTS);
    });

    it('an ending that is retried (someone else ended it) sends nothing twice', async () => {
      await givenBackfill({ notify: { webhook: WEBHOOK } });
      await endBackfill(deps, REF, aBackfill(), 'COMPLETED', deps.clock.now().toISOString());
      expect(await endBackfill(deps, REF, aBackfill(), 'COMPLETED', deps.clock.now().toISOString())).toBeUndefined();

      expect(types()).toEqual(['COMPLETED']);
      expect(deps.webhooks.attempts).toHaveLength(1);
    });
  });

  it('answers show the webhook as its origin only, in the backfill and in lastBackfill', async () => {
    await givenBackfill({ notify: { webhook: WEBHOOK } });
    expect(toTriggerJson((await deps.triggers.get(REF))!).backfill?.notify).toEqual({ webhook: 'https://hooks.example.com/…' });
    deps.webhooks.failNext();
    await endBackfill(deps, REF, aBackfill(), 'COMPLETED', deps.clock.now().toISOString());

    expect(toTriggerJson((await deps.triggers.get(REF))!).lastBackfill?.notify).toEqual({
      webhook: 'https://hooks.example.com/…',
      status: 'PENDING',
      attempts: 1,
      lastError: 'answered 503',
    });
  });
});
