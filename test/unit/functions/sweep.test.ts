import { describe, expect, it } from 'vitest';
import { createSweepHandler } from '../../../functions/sweep';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aSettings, aTriggerState } from '../../support/factories';

const HOUR_MS = 3_600_000;

async function withDispatchedBackfill() {
  const deps = inMemoryDependencies({ settings: aSettings({ sweep: { stallAlarmSeconds: 3600 } }) });
  await deps.flows.create(aFlow());
  await deps.triggers.createIfAbsent(aTriggerState());
  await deps.triggers.startBackfill(aTriggerState(), aBackfill(), deps.clock.now().toISOString());
  await dispatchBatch(deps, aRunInput());
  return deps;
}

describe('createSweepHandler', () => {
  it('emits its counts on every run, zeros included, so that the stall alarm always has a value', async () => {
    const deps = await withDispatchedBackfill();

    await createSweepHandler(deps)();

    expect(deps.telemetry.published.map((m) => [m.name, m.value])).toEqual([
      ['SweepResent', 0],
      ['SweepRequeued', 0],
      ['SweepRepaired', 0],
      ['StalledBackfills', 0],
      ['OldestOpenPageAge', 0],
      ['NotificationsGivenUp', 0],
    ]);
    expect(deps.telemetry.lines).toEqual([]);
  });

  it('counts a backfill with no progress for STALL_ALARM_SECONDS and names it in a WARN line', async () => {
    const deps = await withDispatchedBackfill();
    deps.clock.advance(HOUR_MS + 1000);

    const report = await createSweepHandler(deps)();

    expect(report.stalled).toHaveLength(1);
    expect(deps.telemetry.total('StalledBackfills')).toBe(1);
    expect(deps.telemetry.total('OldestOpenPageAge')).toBe(3601);
    // An hour on, every slot of the page is stale too: sent again (nothing had run).
    expect(deps.telemetry.total('SweepResent')).toBeGreaterThan(0);
    expect(deps.telemetry.lines).toContainEqual({
      level: 'WARN',
      message: 'Backfill made no progress for 3600 s (STALL_ALARM_SECONDS)',
      fields: expect.objectContaining({ backfillId: 'bf1', namespace: 'dev', flowId: 'reports', triggerId: 'hourly' }),
    });
  });
});
