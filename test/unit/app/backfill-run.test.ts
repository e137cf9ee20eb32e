import { beforeEach, describe, expect, it } from 'vitest';
import { continueAsNew, failBackfill, failureReason, parkUntilResumed } from '../../../lib/app/backfill-run';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aRunInput, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };

describe('backfill-run', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  const givenBackfill = (overrides: Parameters<typeof aBackfill>[0] = {}) =>
    deps.triggers.startBackfill(REF, aBackfill(overrides), deps.clock.now().toISOString());

  describe('continueAsNew', () => {
    it('records the next generation on the backfill, then starts it from iteration 0', async () => {
      await givenBackfill({ generation: 2, executionName: 'reports-hourly-bf1-g2' });

      const result = await continueAsNew(deps, aRunInput({ generation: 2, iteration: 500 }));

      expect(result).toEqual({ handedOverTo: 'reports-hourly-bf1-g3' });
      expect((await deps.triggers.get(REF))!.backfill).toMatchObject({ generation: 3, executionName: 'reports-hourly-bf1-g3' });
      expect(deps.workflows.started).toEqual([{ name: 'reports-hourly-bf1-g3', input: aRunInput({ generation: 3, iteration: 0 }) }]);
    });

    it('hands over once when retried', async () => {
      await givenBackfill();

      await continueAsNew(deps, aRunInput());
      await continueAsNew(deps, aRunInput());

      expect(deps.workflows.started).toHaveLength(1);
      expect((await deps.triggers.get(REF))!.backfill!.generation).toBe(1);
    });
  });

  describe('continueAsNew over a generation that exists already', () => {
    it.each(['FAILED', 'TIMED_OUT', 'ABORTED'] as const)('steps over a generation that ended %s: starts the next one and records it', async (status) => {
      await givenBackfill();
      await continueAsNew(deps, aRunInput()); // g1 started …
      deps.workflows.end('reports-hourly-bf1-g1', status); // … and died: nothing drives the backfill

      const result = await continueAsNew(deps, aRunInput()); // a retried or redriven hand-over of g0

      expect(result).toEqual({ handedOverTo: 'reports-hourly-bf1-g2' });
      expect(deps.workflows.started.map((s) => s.name)).toEqual(['reports-hourly-bf1-g1', 'reports-hourly-bf1-g2']);
      expect(deps.workflows.started[1]!.input).toEqual(aRunInput({ generation: 2, iteration: 0 }));
      expect((await deps.triggers.get(REF))!.backfill).toMatchObject({ generation: 2, executionName: 'reports-hourly-bf1-g2' });
    });

    it.each(['RUNNING', 'SUCCEEDED'] as const)('hands over to a generation that is %s, starting nothing', async (status) => {
      await givenBackfill();
      await continueAsNew(deps, aRunInput());
      if (status === 'SUCCEEDED') deps.workflows.end('reports-hourly-bf1-g1', status);

      const result = await continueAsNew(deps, aRunInput());

      expect(result).toEqual({ handedOverTo: 'reports-hourly-bf1-g1' });
      expect(deps.workflows.started).toHaveLength(1);
      expect((await deps.triggers.get(REF))!.backfill!.generation).toBe(1);
    });

    it('steps over several dead generations, and fails (for the state to retry) past five', async () => {
      await givenBackfill();
      for (let generation = 1; generation <= 6; generation++) {
        const name = `reports-hourly-bf1-g${generation}`;
        await deps.workflows.start(name, aRunInput({ generation }));
        deps.workflows.end(name, 'FAILED');
      }

      await expect(continueAsNew(deps, aRunInput())).rejects.toThrow('generations 1 to 6 all ended without success');
      deps.workflows.end('reports-hourly-bf1-g1', 'FAILED');
      expect(await continueAsNew(deps, aRunInput({ generation: 1 }))).toEqual({ handedOverTo: 'reports-hourly-bf1-g7' });
      expect((await deps.triggers.get(REF))!.backfill!.generation).toBe(7);
    });
  });

  describe('failBackfill', () => {
    const failure = {
      Error: 'ProvisionedThroughputExceededException',
      Cause: JSON.stringify({ errorType: 'ProvisionedThroughputExceededException', errorMessage: 'Rate exceeded', trace: ['at …'] }),
    };

    it('ends the backfill FAILED with the last error as its reason, drops its ledger pages, and frees the trigger', async () => {
      await givenBackfill();
      const start = Date.parse('2026-02-01T00:00:00Z');
      await deps.ledger.open({ id: 'bf1|page-a', backfillId: 'bf1', ticks: [start], sentAt: deps.clock.now().toISOString(), ended: [], failed: [] });
      await deps.triggers.advanceBackfill(REF, 'bf1', start, {
        cursorMs: start + 3_600_000,
        currentDate: '2026-02-01T01:00:00Z',
        dispatchedDelta: 1,
        openedPage: 'bf1|page-a',
      });

      const result = await failBackfill(deps, { ...aRunInput(), failedRounds: 36, failure });

      const reason = "The state machine's tasks failed 36 rounds in a row; last error ProvisionedThroughputExceededException: Rate exceeded";
      expect(result).toEqual({ failed: true, reason });
      const state = (await deps.triggers.get(REF))!;
      expect(state.backfill).toBeUndefined();
      // Its one execution still queued: counted unfinished (it runs on).
      expect(state.lastBackfill).toEqual({
        id: 'bf1',
        outcome: 'FAILED',
        endedDate: deps.clock.now().toISOString(),
        reason,
        start: '2026-02-01T00:00:00Z',
        end: '2026-02-01T09:00:00Z',
        createdDate: aBackfill().createdDate,
        labels: [],
        reprocess: 'ALL',
        latestRevision: true,
        order: 'OLDEST_FIRST',
        counts: { total: 10, dispatched: 1, succeeded: 0, failed: 0, killed: 0, skipped: 0, unfinished: 1 },
        notify: { status: 'DELIVERED', attempts: 1, eventSent: true },
      });
      expect(await deps.ledger.read(['bf1|page-a'])).toEqual([]);
    });

    it('changes nothing when the backfill was deleted or replaced meanwhile', async () => {
      await givenBackfill({ id: 'bf2' });

      const result = await failBackfill(deps, { ...aRunInput(), failedRounds: 36, failure });

      expect(result.failed).toBe(false);
      expect((await deps.triggers.get(REF))!.backfill!.id).toBe('bf2');
    });
  });

  describe('failureReason', () => {
    it("takes the message out of Lambda's error document, or the cause as it is", () => {
      expect(failureReason({ failedRounds: 36, iteration: 144, failure: { Error: 'States.Timeout', Cause: 'Task timed out' } })).toBe(
        "The state machine's tasks failed 36 rounds in a row; last error States.Timeout: Task timed out",
      );
      expect(failureReason({ failedRounds: 36, iteration: 144, failure: {} })).toBe(
        "The state machine's tasks failed 36 rounds in a row; last error unknown error",
      );
    });

    it('says when the execution could not hand over rather than how many rounds failed', () => {
      expect(failureReason({ failedRounds: 1, iteration: 2000, failure: { Error: 'AccessDeniedException', Cause: 'denied' } })).toBe(
        "The state machine's tasks kept failing until its execution reached 2000 iterations without handing over to a new one; last error AccessDeniedException: denied",
      );
    });

    it('stays within 1,000 characters', () => {
      const reason = failureReason({ failedRounds: 36, iteration: 144, failure: { Error: 'Error', Cause: 'x'.repeat(5000) } });
      expect(reason).toHaveLength(1000);
      expect(reason.endsWith('…')).toBe(true);
    });
  });

  describe('parkUntilResumed', () => {
    it('keeps the token with a paused backfill and waits', async () => {
      await givenBackfill({ paused: true });

      const result = await parkUntilResumed(deps, { ...aRunInput(), taskToken: 'token-1' });

      expect(result).toEqual({ parked: true });
      expect(deps.workflows.resumed).toEqual([]);
      expect((await deps.triggers.setBackfillPaused(REF, 'bf1', false, 'x'))!.taskToken).toBe('token-1');
    });

    it('resumes itself when the backfill was unpaused before the token was stored', async () => {
      await givenBackfill({ paused: false });

      const result = await parkUntilResumed(deps, { ...aRunInput(), taskToken: 'token-1' });

      expect(result).toEqual({ parked: false });
      expect(deps.workflows.resumed).toEqual([{ taskToken: 'token-1', output: { resumedBy: 'park' } }]);
    });

    it('resumes itself when the backfill is gone, so the next dispatch ends the execution', async () => {
      const result = await parkUntilResumed(deps, { ...aRunInput(), taskToken: 'token-1' });

      expect(result).toEqual({ parked: false });
      expect(deps.workflows.resumed).toHaveLength(1);
    });
  });
});
