import { describe, expect, it } from 'vitest';
import { createParkHandler } from '../../../functions/park';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aRunInput, aTriggerState } from '../../support/factories';

describe('createParkHandler', () => {
  it("parks the paused backfill's state machine on its task token", async () => {
    const deps = inMemoryDependencies();
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.triggers.startBackfill(aTriggerState(), aBackfill({ paused: true }), deps.clock.now().toISOString());

    const result = await createParkHandler(deps)({ ...aRunInput(), taskToken: 'token-1' });

    expect(result).toEqual({ parked: true });
    expect((await deps.triggers.setBackfillPaused(aTriggerState(), 'bf1', false, 'x'))!.taskToken).toBe('token-1');
  });
});
