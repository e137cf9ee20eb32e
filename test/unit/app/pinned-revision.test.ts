import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBackfill } from '../../../lib/app/backfills';
import { dispatchBatch, resendPageSlots } from '../../../lib/app/dispatch';
import { executionLogs } from '../../../lib/app/execution-logs';
import { killExecution } from '../../../lib/app/execution-kill';
import { createFlow, updateFlow } from '../../../lib/app/flows';
import { createExecutionRunner } from '../../../lib/app/worker';
import { tickExecutionId } from '../../../lib/domain/ids';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import type { ExecutionMessage } from '../../../lib/ports';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfillRequest, aFlow, aRunInput, aSettings, aStoredExecution } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');

/**
 * Flow `dev.reports`: a Log task saying `marker` and the revision it runs, an hourly trigger (or
 * `cron`) whose label says `marker` too.
 */
function flowYaml(marker: string, cron = '0 * * * *'): string {
  return [
    'id: reports',
    'namespace: dev',
    'tasks:',
    '  - id: say',
    '    type: io.kestra.plugin.core.log.Log',
    `    message: "${marker} from revision {{ flow.revision }}"`,
    'triggers:',
    '  - id: hourly',
    '    type: io.kestra.plugin.core.trigger.Schedule',
    `    cron: "${cron}"`,
    '    labels:',
    `      marker: ${marker}`,
    '',
  ].join('\n');
}

describe('a backfill runs the flow revision it pinned at creation', () => {
  let deps: InMemoryDependencies;
  let backfillId: string;

  beforeEach(async () => {
    // Two ticks a batch, two in flight: a ten-tick backfill takes five batches.
    deps = inMemoryDependencies({ settings: aSettings({ dispatch: { batchSize: 2, maxInFlight: 2 }, backfill: { maxTicks: 100 } }) });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await createFlow(deps, flowYaml('old'));
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function startBackfill(latestRevision: boolean): Promise<void> {
    const state = await createBackfill(deps, aBackfillRequest({ latestRevision }));
    backfillId = state.backfill!.id;
  }

  const input = () => aRunInput({ backfill: { ...REF, id: backfillId } });

  /** Dispatches one batch and returns the messages it sent. */
  async function dispatchOne(): Promise<ExecutionMessage[]> {
    const before = deps.queue.sent.backfill.length;
    await dispatchBatch(deps, input());
    return deps.queue.sent.backfill.slice(before);
  }

  /** Dispatches and runs batch after batch until the backfill ends, as the state machine and the workers would. */
  async function runToTheEnd(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const out = await dispatchBatch(deps, input());
      if (out.status === 'DONE') return;
      const sent = deps.queue.sent.backfill.splice(0);
      if (sent.length) await createExecutionRunner(deps).runExecutions(sent);
    }
    throw new Error('the backfill did not end within 20 rounds');
  }

  /** Each tick's execution: its revision, its label `marker`, and what it logged. */
  async function executionsOfTicks(count: number) {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const id = tickExecutionId(backfillId, T0 + i * HOUR);
        const execution = (await deps.executions.get(id))!.execution;
        return {
          revision: execution.flowRevision,
          state: execution.state.current,
          marker: execution.labels.find((l) => l.key === 'marker')?.value,
          logs: (await executionLogs(deps, id)).map((l) => l.message),
        };
      }),
    );
  }

  it('editing the flow mid-backfill changes nothing: every execution, before and after the edit, carries and runs revision 1', async () => {
    await startBackfill(false);
    expect((await deps.triggers.get(REF))!.backfill!.flowRevision).toBe(1);
    const first = await dispatchOne();
    await createExecutionRunner(deps).runExecutions(first);

    await updateFlow(deps, 'dev', 'reports', flowYaml('new'));
    expect((await deps.flows.get('dev', 'reports'))!.revision).toBe(2);
    await runToTheEnd();

    const executions = await executionsOfTicks(10);
    for (const execution of executions) {
      expect(execution).toEqual({ revision: 1, state: 'SUCCESS', marker: 'old', logs: ['old from revision 1'] });
    }
    expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ outcome: 'COMPLETED', flowRevision: 1, latestRevision: false });
  });

  it('a message queued before the edit and run after it runs the pinned revision too', async () => {
    await startBackfill(false);
    const queued = await dispatchOne();

    await updateFlow(deps, 'dev', 'reports', flowYaml('new'));
    await createExecutionRunner(deps).runExecutions(queued);

    const [execution] = await executionsOfTicks(1);
    expect(execution).toEqual({ revision: 1, state: 'SUCCESS', marker: 'old', logs: ['old from revision 1'] });
  });

  it("keeps the pinned revision's schedule: a cron changed by the edit does not move its ticks", async () => {
    await startBackfill(false);
    await createExecutionRunner(deps).runExecutions(await dispatchOne());

    await updateFlow(deps, 'dev', 'reports', flowYaml('new', '30 * * * *'));
    const later = await dispatchOne();

    expect(later.map((m) => m.created?.execution.trigger?.variables.date)).toEqual(['2026-02-01T02:00:00Z', '2026-02-01T03:00:00Z']);
  });

  it('with latestRevision: true, the executions dispatched after the edit carry and run the new revision', async () => {
    await startBackfill(true);
    expect((await deps.triggers.get(REF))!.backfill).not.toHaveProperty('flowRevision');
    const first = await dispatchOne();
    await createExecutionRunner(deps).runExecutions(first);

    await updateFlow(deps, 'dev', 'reports', flowYaml('new'));
    await runToTheEnd();

    const executions = await executionsOfTicks(10);
    expect(executions.slice(0, 2)).toEqual(Array(2).fill({ revision: 1, state: 'SUCCESS', marker: 'old', logs: ['old from revision 1'] }));
    expect(executions.slice(2)).toEqual(Array(8).fill({ revision: 2, state: 'SUCCESS', marker: 'new', logs: ['new from revision 2'] }));
    expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ outcome: 'COMPLETED', latestRevision: true });
  });

  it('the sweep sends a lost message again with the very document dispatch sent, from the pinned revision', async () => {
    await startBackfill(false);
    const sent = await dispatchOne();
    await updateFlow(deps, 'dev', 'reports', flowYaml('new'));
    const [page] = deps.ledger.all();

    const resent = await resendPageSlots(deps, REF, page!, new Set([0, 1]));

    expect(resent).toBe(2);
    expect(deps.queue.sent.backfill.slice(-2)).toEqual(sent);
  });

  it('a queued execution killed by id is written from its pinned revision, as its message carries it', async () => {
    await startBackfill(false);
    const [message] = await dispatchOne();
    await updateFlow(deps, 'dev', 'reports', flowYaml('new'));

    const { execution } = await killExecution(deps, message!.executionId, 'a test');

    expect(execution).toMatchObject({ flowRevision: 1, state: { current: 'KILLED' } });
    expect(execution.labels).toContainEqual({ key: 'marker', value: 'old' });
  });

  it('is abandoned when the latest revision removes its trigger, pinned or not (as in Kestra: the trigger no longer exists)', async () => {
    await startBackfill(false);
    await dispatchOne();
    const withoutTrigger = flowYaml('new').split('triggers:')[0] ?? '';

    await updateFlow(deps, 'dev', 'reports', withoutTrigger);
    const out = await dispatchBatch(deps, input());

    expect(out.status).toBe('GONE');
    expect((await deps.triggers.get(REF)) ?? undefined).toBeUndefined();
    expect(deps.workflows.stopped).toHaveLength(1);
  });

  it('is abandoned by dispatch itself when the latest revision lost the trigger but its row outlived the edit (a crash in between)', async () => {
    await startBackfill(false);
    // The flow's write landed; the removal of the trigger's row (and backfill) did not.
    await deps.flows.update(aFlow({ revision: 2, triggers: [] }), 1);

    const out = await dispatchBatch(deps, input());

    expect(out.status).toBe('GONE');
    expect((await deps.triggers.get(REF))!.lastBackfill).toMatchObject({ outcome: 'ABANDONED', flowRevision: 1 });
  });
});

describe("the worker runs a backfill's execution at the revision it was built from", () => {
  let deps: InMemoryDependencies;

  beforeEach(() => {
    deps = inMemoryDependencies();
  });

  const logTask = (message: string) => ({ id: 'say', type: 'io.kestra.plugin.core.log.Log' as const, message, level: 'INFO' as const });

  it('reads a kept revision once for the worker: revisions no longer current never change', async () => {
    await deps.flows.create(aFlow({ tasks: [logTask('old')] }));
    await deps.flows.update(aFlow({ revision: 2, tasks: [logTask('new')] }), 1);
    for (const id of ['e1', 'e2']) await deps.executions.createIfAbsent(aStoredExecution({ id, backfillId: 'bf1', flowRevision: 1 }));
    const getRevision = vi.spyOn(deps.flows, 'getRevision');
    const runner = createExecutionRunner(deps);

    await runner.runExecutions([{ executionId: 'e1' }]);
    deps.clock.advance(60_000);
    await runner.runExecutions([{ executionId: 'e2' }]);

    expect(getRevision).toHaveBeenCalledTimes(1);
    expect((await executionLogs(deps, 'e2')).map((l) => l.message)).toEqual(['old']);
  });

  it('a restarted backfill execution runs its revision again; a live one runs the flow as it is now', async () => {
    await deps.flows.create(aFlow({ tasks: [logTask('old')] }));
    await deps.flows.update(aFlow({ revision: 2, tasks: [logTask('new')] }), 1);
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'backfilled', backfillId: 'bf1', flowRevision: 1 }));
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'live', flowRevision: 1 }));

    await createExecutionRunner(deps).runExecutions([{ executionId: 'backfilled' }, { executionId: 'live' }]);

    expect((await executionLogs(deps, 'backfilled')).map((l) => l.message)).toEqual(['old']);
    expect((await deps.executions.get('backfilled'))!.execution.flowRevision).toBe(1);
    expect((await executionLogs(deps, 'live')).map((l) => l.message)).toEqual(['new']);
    expect((await deps.executions.get('live'))!.execution.flowRevision).toBe(2);
  });

  it('runs the current revision, saying so, when the one it was built from is not kept (dispatched before revisions were kept)', async () => {
    // A flow whose revision 2 an earlier version replaced without keeping it.
    await deps.flows.create(aFlow({ revision: 3, tasks: [logTask('current')] }));
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', backfillId: 'bf1', flowRevision: 2 }));

    await createExecutionRunner(deps).runExecutions([{ executionId: 'e1' }]);

    const logs = await executionLogs(deps, 'e1');
    expect(logs.map((l) => [l.level, l.message])).toEqual([
      ['WARN', expect.stringMatching(/^Flow revision 2, which this backfill's execution was built from, is not kept .*running revision 3/)],
      ['INFO', 'current'],
    ]);
    expect((await deps.executions.get('e1'))!.execution).toMatchObject({ flowRevision: 3, state: { current: 'SUCCESS' } });
  });

  it('fails a pinned execution whose flow was deleted, as any other: its kept revision does not bring the flow back', async () => {
    await deps.flows.create(aFlow({ tasks: [logTask('old')] }));
    await deps.flows.update(aFlow({ revision: 2, tasks: [logTask('new')] }), 1);
    await deps.flows.delete('dev', 'reports');
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', backfillId: 'bf1', flowRevision: 1 }));

    await createExecutionRunner(deps).runExecutions([{ executionId: 'e1' }]);

    expect((await deps.executions.get('e1'))!.execution.state.current).toBe('FAILED');
    expect((await executionLogs(deps, 'e1')).map((l) => l.message)).toEqual(['Flow dev.reports no longer exists']);
  });
});
