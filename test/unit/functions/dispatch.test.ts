import { describe, expect, it, vi } from 'vitest';
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

  describe('telemetry', () => {
    it("emits the round's batches, ticks, throttling and lag, and logs it with the backfill id", async () => {
      const deps = await withBackfill(aSettings({ dispatch: { batchSize: 4 } }));

      await createDispatchHandler(deps)(aRunInput({ iteration: 4 }));

      expect(deps.telemetry.total('DispatchBatches')).toBe(3);
      expect(deps.telemetry.total('TicksDispatched')).toBe(10);
      expect(deps.telemetry.total('DispatchThrottled')).toBe(1);
      // Every tick is out: the cursor stands at the backfill's end, 2026-02-01T09:00Z (the round's waits moved the clock on).
      const lag = Math.floor((deps.clock.now().getTime() - Date.parse('2026-02-01T09:00:00Z')) / 1000);
      expect(deps.telemetry.published).toContainEqual({ name: 'DispatchLag', unit: 'Seconds', value: lag });
      expect(deps.telemetry.lines).toContainEqual({
        level: 'INFO',
        message: 'dispatch round',
        fields: expect.objectContaining({ backfillId: 'bf1', status: 'THROTTLED', batches: 3, ticks: 10, lagSeconds: lag }),
      });
    });

    it('counts a round that found no room as throttled, with no batch, and logs it only at DEBUG', async () => {
      const deps = await withBackfill(aSettings({ dispatch: { batchSize: 4, maxInFlight: 4 } }));
      await createDispatchHandler(deps)(aRunInput());
      deps.telemetry.published.length = 0;
      deps.telemetry.lines.length = 0;

      const output = await createDispatchHandler(deps)(aRunInput());

      expect(output.status).toBe('THROTTLED');
      expect(deps.telemetry.total('DispatchBatches')).toBe(0);
      expect(deps.telemetry.total('DispatchThrottled')).toBe(1);
      expect(deps.telemetry.lines.map((l) => l.level)).toEqual(['DEBUG']);
    });

    it('logs a failed round with its backfill id and throws on, for the state machine to retry', async () => {
      const deps = await withBackfill();
      vi.spyOn(deps.triggers, 'getBackfill').mockRejectedValue(new Error('throttled by DynamoDB'));

      await expect(createDispatchHandler(deps)(aRunInput())).rejects.toThrow('throttled by DynamoDB');

      expect(deps.telemetry.lines).toContainEqual({
        level: 'ERROR',
        message: 'Dispatch round failed; the state machine retries it',
        fields: expect.objectContaining({ backfillId: 'bf1', error: expect.any(Error) }),
      });
    });
  });
});
