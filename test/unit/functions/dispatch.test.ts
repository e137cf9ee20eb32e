import { describe, expect, it } from 'vitest';
import { createDispatchHandler } from '../../../functions/dispatch';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aSettings, aTriggerState } from '../../support/factories';

async function withBackfill(settings = aSettings()) {
  const deps = inMemoryDependencies({ settings });
  await deps.flows.create(aFlow());
  await deps.triggers.createIfAbsent(aTriggerState());
  await deps.triggers.startBackfill(aTriggerState(), aBackfill(), deps.clock.now().toISOString());
  return deps;
}

describe('createDispatchHandler', () => {
  it("runs a round of batches for the state machine and returns the use case's output", async () => {
    const deps = await withBackfill(aSettings({ dispatch: { batchSize: 4 } }));

    const output = await createDispatchHandler(deps)(aRunInput({ iteration: 4 }));

    // Three batches (4 + 4 + 2), then the round waits for the last executions and hands that wait over.
    expect(output).toMatchObject({ status: 'THROTTLED', iteration: 5, dispatched: 10, backfill: aRunInput().backfill });
    expect(deps.queue.sentIds('backfill')).toHaveLength(10);
  });

  it('starts no further batch within 30 s of the Lambda timeout', async () => {
    const deps = await withBackfill(aSettings({ dispatch: { batchSize: 4 } }));

    const output = await createDispatchHandler(deps)(aRunInput(), { getRemainingTimeInMillis: () => 30_000 });

    expect(output).toMatchObject({ status: 'DISPATCHED', iteration: 1, dispatched: 4 });
    expect(deps.queue.sentIds('backfill')).toHaveLength(4);
  });
});
