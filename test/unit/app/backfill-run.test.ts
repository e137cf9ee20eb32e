import { beforeEach, describe, expect, it } from 'vitest';
import { continueAsNew, parkUntilResumed } from '../../../lib/app/backfill-run';
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

  describe('parkUntilResumed', () => {
    it('keeps the token with a paused backfill and waits', async () => {
      await givenBackfill({ paused: true });

      const result = await parkUntilResumed(deps, { ...aRunInput(), taskToken: 'token-1' });

      expect(result).toEqual({ parked: true });
      expect(deps.workflows.resumed).toEqual([]);
      expect((await deps.triggers.setBackfillPaused(REF, false, 'x'))!.taskToken).toBe('token-1');
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
