import { beforeEach, describe, expect, it } from 'vitest';
import { triggerView } from '../../../lib/app/trigger-view';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aSettings, aStoredExecution, aTriggerState } from '../../support/factories';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Backfill';

describe('triggerView', () => {
  let deps: InMemoryDependencies;

  beforeEach(() => {
    deps = inMemoryDependencies();
  });

  describe('a trigger', () => {
    it("is Kestra's trigger JSON without a backfill", async () => {
      const json = await triggerView(deps, aTriggerState({ date: '2026-03-01T12:00:00Z' }));

      expect(json).toEqual({
        namespace: 'dev',
        flowId: 'reports',
        triggerId: 'hourly',
        date: '2026-03-01T12:00:00Z',
        nextExecutionDate: '2026-03-01T13:00:00Z',
        disabled: false,
        updatedDate: aTriggerState().updatedDate,
      });
    });

    it('shows the backfill cursor as the next execution date, and none when disabled', async () => {
      const backfill = aBackfill({ currentDate: '2026-02-01T03:00:00Z' });

      expect((await triggerView(deps, aTriggerState({ backfill }))).nextExecutionDate).toBe('2026-02-01T03:00:00Z');
      expect(await triggerView(deps, aTriggerState({ backfill, disabled: true }))).not.toHaveProperty('nextExecutionDate');
    });

    it("keeps the live schedule's own next tick beside a backfill's cursor (ours: the live schedule runs on), and only then", async () => {
      const backfill = aBackfill({ currentDate: '2026-02-01T03:00:00Z' });

      expect(await triggerView(deps, aTriggerState({ backfill }))).toMatchObject({
        nextExecutionDate: '2026-02-01T03:00:00Z',
        liveNextExecutionDate: aTriggerState().nextExecutionDate,
      });
      expect(await triggerView(deps, aTriggerState())).not.toHaveProperty('liveNextExecutionDate');
      expect(await triggerView(deps, aTriggerState({ backfill, disabled: true }))).not.toHaveProperty('liveNextExecutionDate');
    });
  });

  describe("a backfill's progress", () => {
    it('is counted from the folded counters and the open ledger pages', async () => {
      // Ticks 0-9 dispatched, one skipped. Folded earlier: 4 ended, 1 of them failed. Open: a page of
      // five, two ended (one failed), one running, two queued.
      const backfill = aBackfill({ cursorMs: T0 + 10 * HOUR, dispatched: 10, skipped: 1, ended: 4, failed: 1, openPages: ['bf1|p'] });
      await deps.ledger.open({ id: 'bf1|p', backfillId: 'bf1', ticks: [5, 6, 7, 8, 9].map((i) => T0 + i * HOUR), sentAt: 's', ended: [0, 3], failed: [3] });
      const running = aStoredExecution({ id: 'r', backfillId: 'bf1', tickMs: T0 + 6 * HOUR });
      running.execution.state = { ...running.execution.state, current: 'RUNNING' };
      await deps.executions.createClaimed(running, 'w', Number.MAX_SAFE_INTEGER);

      const json = await triggerView(deps, aTriggerState({ backfill }));

      expect(json.backfill?.progress).toEqual({
        total: 10,
        dispatched: 10,
        queued: 2,
        running: 1,
        succeeded: 4,
        failed: 2,
        killed: 0,
        skipped: 1,
        rate: null,
        eta: null,
      });
    });

    it('reads no page and counts nothing running when none is open', async () => {
      const backfill = aBackfill({ cursorMs: T0 + 10 * HOUR, dispatched: 10, ended: 10, failed: 0 });

      const json = await triggerView(deps, aTriggerState({ backfill }));

      expect(json.backfill?.progress).toEqual({
        total: 10,
        dispatched: 10,
        queued: 0,
        running: 0,
        succeeded: 10,
        failed: 0,
        killed: 0,
        skipped: 0,
        rate: null,
        eta: null,
      });
    });

    it('never shows a negative succeeded count', async () => {
      const backfill = aBackfill({ cursorMs: T0 + HOUR, dispatched: 0, openPages: ['bf1|p'] });
      await deps.ledger.open({ id: 'bf1|p', backfillId: 'bf1', ticks: [T0], sentAt: 's', ended: [], failed: [] });

      const json = await triggerView(deps, aTriggerState({ backfill }));

      expect(json.backfill?.progress).toMatchObject({ queued: 1, succeeded: 0 });
    });
  });

  describe('console links', () => {
    it('links the state machine execution on AWS', async () => {
      deps.settings = aSettings({ stateMachineArn: STATE_MACHINE });

      const json = await triggerView(deps, aTriggerState({ backfill: aBackfill({ executionName: 'reports-hourly-bf1-g0' }) }));

      expect(json.backfill).toMatchObject({
        stateMachineExecutionName: 'reports-hourly-bf1-g0',
        stateMachineExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Backfill:reports-hourly-bf1-g0',
        stateMachineConsoleUrl: expect.stringContaining('https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/'),
      });
    });

    it('has no links locally, where there is no state machine ARN', async () => {
      const json = await triggerView(deps, aTriggerState({ backfill: aBackfill() }));

      expect(json.backfill).not.toHaveProperty('stateMachineExecutionArn');
      expect(json.backfill).not.toHaveProperty('stateMachineConsoleUrl');
    });
  });
});
