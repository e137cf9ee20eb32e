import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createTickHandler } from '../../../functions/tick';
import { liveOwner, tickExecutionId } from '../../../lib/domain/ids';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aFlow, aScheduleTrigger, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const FAST: TriggerRef = { namespace: 'dev', flowId: 'fast', triggerId: 'every10s' };
const START = '2026-03-01T12:00:00.000Z';
const LAMBDA_TIMEOUT_MS = 60_000;

describe('createTickHandler', () => {
  let deps: InMemoryDependencies;

  /** A Lambda context whose remaining time runs down with the fake clock. */
  const lambdaContext = () => {
    const deadline = deps.clock.now().getTime() + LAMBDA_TIMEOUT_MS;
    return { getRemainingTimeInMillis: () => deadline - deps.clock.now().getTime() };
  };

  beforeEach(async () => {
    deps = inMemoryDependencies({ now: START });
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T12:00:00Z' }));
  });

  async function givenSubMinuteTrigger(): Promise<void> {
    await deps.flows.create(aFlow({ id: 'fast', triggers: [aScheduleTrigger({ id: 'every10s', cron: '*/10 * * * * *', withSeconds: true })] }));
    await deps.triggers.createIfAbsent(aTriggerState({ ...FAST, nextExecutionDate: '2026-03-01T12:00:00Z' }));
    // The row as a previous tick left it: its last run 10 s before the next.
    await deps.triggers.advanceSchedule(FAST, '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z', '2026-03-01T11:59:50Z', START);
  }

  describe('without a Lambda context (the local default)', () => {
    it('makes one pass', async () => {
      await givenSubMinuteTrigger();
      const sleep = vi.spyOn(deps, 'sleep');

      const result = await createTickHandler(deps)();

      expect(result).toMatchObject({ created: 2, due: 2, subMinute: true });
      expect(sleep).not.toHaveBeenCalled();
    });
  });

  describe('with only minute-or-slower triggers', () => {
    it('makes one pass and returns at once', async () => {
      const sleep = vi.spyOn(deps, 'sleep');

      const result = await createTickHandler(deps)(undefined, lambdaContext());

      expect(result).toEqual({ created: 1, due: 1, subMinute: false, subMinuteTriggers: [] });
      expect(deps.queue.sentIds('live')).toEqual([tickExecutionId(liveOwner(REF), Date.parse('2026-03-01T12:00:00Z'))]);
      expect(sleep).not.toHaveBeenCalled();
    });
  });

  describe('with a sub-minute trigger', () => {
    it('keeps ticking every second until the margin before the timeout, catching each tick', async () => {
      await givenSubMinuteTrigger();

      const result = await createTickHandler(deps)(undefined, lambdaContext());

      // Ticks at :00, :10 … :50 of the fast trigger, plus the hourly one at 12:00.
      expect(result.created).toBe(7);
      expect(deps.queue.sentIds('live')).toHaveLength(7);
      const fastRow = await deps.triggers.get(FAST);
      expect(fastRow).toMatchObject({ date: '2026-03-01T12:00:50Z', nextExecutionDate: '2026-03-01T12:01:00Z' });
      // It stops once 6 s or less remain; the pass after its last sleep (≤ 1 s) still leaves ~5 s.
      const remaining = LAMBDA_TIMEOUT_MS - (deps.clock.now().getTime() - Date.parse(START));
      expect(remaining).toBeLessThanOrEqual(6000);
      expect(remaining).toBeGreaterThan(4990);
    });

    it('reads every trigger once, then only the sub-minute ones', async () => {
      await givenSubMinuteTrigger();
      const list = vi.spyOn(deps.triggers, 'list');
      const get = vi.spyOn(deps.triggers, 'get');

      await createTickHandler(deps)(undefined, lambdaContext());

      expect(list).toHaveBeenCalledTimes(1);
      expect(get.mock.calls.length).toBeGreaterThan(40);
      expect(get.mock.calls.every(([ref]) => ref.flowId === 'fast')).toBe(true);
    });

    it('sleeps to just past each next whole second', async () => {
      await givenSubMinuteTrigger();
      deps.clock.advance(250);
      const sleep = vi.spyOn(deps, 'sleep');

      await createTickHandler(deps)(undefined, lambdaContext());

      expect(sleep.mock.calls[0]?.[0]).toBe(755);
      expect(sleep.mock.calls.slice(1).every(([ms]) => ms === 1000)).toBe(true);
    });
  });
});
