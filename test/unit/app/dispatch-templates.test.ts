import { describe, expect, it, vi } from 'vitest';
import { dispatchBatch } from '../../../lib/app/dispatch';
import * as template from '../../../lib/domain/template';
import { tickExecutionId } from '../../../lib/domain/ids';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aSettings, aTriggerState } from '../../support/factories';

// Counts the engine's renders without changing them.
vi.mock('../../../lib/domain/template', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../lib/domain/template')>();
  return { ...original, render: vi.fn(original.render) };
});

const REF = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const TEAM = "{{ flow.namespace | upper }}-{{ 'ops' | title }}";
const T0 = Date.parse('2026-02-01T00:00:00Z');

describe('dispatch renders a tick-independent label once per backfill', () => {
  it('renders it once over two batches of five, and the tick-dependent ones for every execution', async () => {
    const deps = inMemoryDependencies({
      settings: aSettings({ dispatch: { batchSize: 5, maxInFlight: 10, maxIterationsPerExecution: 10, throttleWaitSeconds: 7 } }),
    });
    await deps.flows.create(aFlow({ revision: 1, labels: [{ key: 'team', value: TEAM }] }));
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.triggers.startBackfill(REF, aBackfill({ labels: [{ key: 'hour', value: "{{ trigger.date | date('HH') }}" }] }), deps.clock.now().toISOString());

    await dispatchBatch(deps, aRunInput());
    await dispatchBatch(deps, aRunInput({ iteration: 1 }));

    const sent = deps.queue.sent.backfill.filter((m) => m.created).map((m) => m.created!.execution);
    expect(sent.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => tickExecutionId('bf1', T0 + i * 3_600_000)));
    for (const [i, execution] of sent.entries()) {
      expect(execution.labels).toEqual(
        expect.arrayContaining([
          { key: 'team', value: 'DEV-Ops' },
          { key: 'hour', value: String(i).padStart(2, '0') },
        ]),
      );
    }
    expect(vi.mocked(template.render).mock.calls.filter(([text]) => text === TEAM)).toHaveLength(1);
  });
});
