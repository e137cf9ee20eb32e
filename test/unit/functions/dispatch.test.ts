import { describe, expect, it } from 'vitest';
import { createDispatchHandler } from '../../../functions/dispatch';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aTriggerState } from '../../support/factories';

describe('createDispatchHandler', () => {
  it("dispatches the state machine's next batch and returns the use case's output", async () => {
    const deps = inMemoryDependencies();
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.triggers.startBackfill(aTriggerState(), aBackfill(), deps.clock.now().toISOString());

    const output = await createDispatchHandler(deps)(aRunInput({ iteration: 4 }));

    expect(output).toMatchObject({ status: 'DISPATCHED', iteration: 5, dispatched: 10, backfill: aRunInput().backfill });
    expect(deps.queue.sentIds('backfill')).toHaveLength(10);
  });
});
