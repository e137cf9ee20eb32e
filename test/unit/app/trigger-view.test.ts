import { beforeEach, describe, expect, it } from 'vitest';
import { triggerView } from '../../../lib/app/trigger-view';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { finishExecution } from '../../support/fakes/in-memory-execution-store';
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
  });

  describe("a backfill's progress", () => {
    it('is counted from the executions below the cursor', async () => {
      // Ticks 0-5 dispatched, tick 5 skipped: one queued, one running, one failed, two succeeded. Tick 6
      // is beyond the cursor (a batch being written) and must not count yet.
      const backfill = aBackfill({ cursorMs: T0 + 6 * HOUR, dispatched: 6, skipped: 1 });
      const make = (id: string, i: number) => aStoredExecution({ id, backfillId: 'bf1', tickMs: T0 + i * HOUR });
      await deps.executions.createMany([make('q', 0), make('r', 1), make('f', 2), make('s1', 3), make('s2', 4), make('beyond', 6)]);
      await deps.executions.claim('r', 'w', Number.MAX_SAFE_INTEGER, deps.clock.now());
      await finishExecution(deps.executions, 'f', 'FAILED', deps.clock.now());
      await finishExecution(deps.executions, 's1', 'SUCCESS', deps.clock.now());
      await finishExecution(deps.executions, 's2', 'SUCCESS', deps.clock.now());

      const json = await triggerView(deps, aTriggerState({ backfill }));

      expect(json.backfill?.progress).toEqual({ total: 10, dispatched: 6, queued: 1, running: 1, succeeded: 2, failed: 1, skipped: 1 });
    });

    it('never shows a negative succeeded count', async () => {
      const backfill = aBackfill({ cursorMs: T0 + HOUR, dispatched: 0 });
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'q', backfillId: 'bf1', tickMs: T0 }));

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
