import { describe, expect, it } from 'vitest';
import { createContinueHandler } from '../../../functions/continue';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aRunInput, aTriggerState } from '../../support/factories';

describe('createContinueHandler', () => {
  it('hands the backfill over to its next generation', async () => {
    const deps = inMemoryDependencies();
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.triggers.startBackfill(aTriggerState(), aBackfill(), deps.clock.now().toISOString());

    const result = await createContinueHandler(deps)(aRunInput({ iteration: 500 }));

    expect(result).toEqual({ handedOverTo: 'reports-hourly-bf1-g1' });
    expect(deps.workflows.started.map((s) => s.name)).toEqual(['reports-hourly-bf1-g1']);
  });
});
