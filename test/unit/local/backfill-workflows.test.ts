import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalBackfillWorkflows } from '../../../lib/adapters/local/local-backfill-workflows';
import { continueAsNew } from '../../../lib/app/backfill-run';
import type { BackfillRunInput } from '../../../lib/ports';
import { readBackfillDefinition } from '../../../lib/workflow/definition';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aRunInput, aTriggerState } from '../../support/factories';

afterEach(() => {
  vi.restoreAllMocks();
});

const input: BackfillRunInput = { backfill: { namespace: 'n', flowId: 'f', triggerId: 't', id: 'b1' }, generation: 0, iteration: 0 };

/** The real ASL with tasks that pause at once: every execution parks in its `.waitForTaskToken` state. */
function pausingWorkflows() {
  const parks: string[] = [];
  let parked: () => void = () => undefined;
  const workflows = new LocalBackfillWorkflows(readBackfillDefinition(), {
    DispatchFunctionArn: async (payload: BackfillRunInput) => ({ ...payload, status: 'PAUSED' }),
    ParkFunctionArn: async (payload: { taskToken: string }) => {
      parks.push(payload.taskToken);
      parked();
    },
    ContinueFunctionArn: async () => ({ status: 'DONE' }),
    FailFunctionArn: async () => ({ failed: true, reason: 'never reached' }),
  });
  const nextPark = () => new Promise<void>((resolve) => (parked = resolve));
  return { workflows, parks, nextPark };
}

describe('the local state machine runner', () => {
  it('forgets the token of an execution stopped while parked (a paused backfill deleted), so the stopped run can be collected', async () => {
    const { workflows, parks, nextPark } = pausingWorkflows();
    for (const name of ['run-1', 'run-2']) {
      const parked = nextPark();
      await workflows.start(name, input);
      await parked;
    }
    expect(parks).toHaveLength(2);
    expect(workflows.parkedTokens).toBe(2);

    await workflows.stop('run-1');
    expect(workflows.parkedTokens).toBe(1);
    await workflows.resume(parks[0] as string, {}); // the stopped run's token: nothing to resume
    expect(workflows.parkedTokens).toBe(1);

    await workflows.stopAll();
    expect(workflows.activeExecutions).toEqual([]);
    expect(workflows.parkedTokens).toBe(0);
  });

  it('resumes a parked execution with its token and drops the token', async () => {
    const { workflows, parks, nextPark } = pausingWorkflows();
    let parked = nextPark();
    await workflows.start('run-1', input);
    await parked;
    parked = nextPark(); // dispatch pauses again after the resume: the run parks a second time
    await workflows.resume(parks[0] as string, {});
    await parked;
    expect(parks).toHaveLength(2);
    expect(workflows.parkedTokens).toBe(1);
    await workflows.stopAll();
    expect(workflows.parkedTokens).toBe(0);
  });

  describe('answers as Step Functions does for a name that ran', () => {
    /** The real ASL with a dispatch that answers a status the machine does not know: the execution fails at once. */
    function failingWorkflows() {
      return new LocalBackfillWorkflows(readBackfillDefinition(), {
        DispatchFunctionArn: async (payload: BackfillRunInput) => ({ ...payload, status: 'NOT_A_STATUS' }),
        ParkFunctionArn: async () => ({ parked: true }),
        ContinueFunctionArn: async () => ({ handedOverTo: 'never' }),
        FailFunctionArn: async () => ({ failed: true, reason: 'never reached' }),
      });
    }

    it('FAILED once a run failed, and refuses to start that name again (ExecutionAlreadyExists)', async () => {
      const workflows = failingWorkflows();
      vi.spyOn(console, 'error').mockImplementation(() => undefined); // the runner logs the failure

      expect(await workflows.start('run-1', input)).toBe(true);
      await workflows.idle();

      expect(await workflows.status('run-1')).toBe('FAILED');
      expect(await workflows.start('run-1', input)).toBe(false);
      expect(workflows.activeExecutions).toEqual([]);
      expect(workflows.stats.executionsStarted).toBe(1);
    });

    it('RUNNING while it runs (starting it again is idempotent), ABORTED once stopped, nothing for an unknown name', async () => {
      const { workflows, nextPark } = pausingWorkflows();
      const parked = nextPark();
      await workflows.start('run-1', input);
      await parked;

      expect(await workflows.status('run-1')).toBe('RUNNING');
      expect(await workflows.start('run-1', input)).toBe(true);
      await workflows.stop('run-1');
      expect(await workflows.status('run-1')).toBe('ABORTED');
      expect(await workflows.status('run-2')).toBeUndefined();
    });

    it('so continue-as-new over a generation that failed starts the next one', async () => {
      const workflows = failingWorkflows();
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const deps = inMemoryDependencies();
      await deps.triggers.createIfAbsent(aTriggerState());
      await deps.triggers.startBackfill(aTriggerState(), aBackfill(), deps.clock.now().toISOString());
      await workflows.start('reports-hourly-bf1-g1', aRunInput({ generation: 1 }));
      await workflows.idle();

      const result = await continueAsNew({ triggers: deps.triggers, workflows }, aRunInput());
      await workflows.idle();

      expect(result).toEqual({ handedOverTo: 'reports-hourly-bf1-g2' });
      expect(await workflows.status('reports-hourly-bf1-g2')).toBe('FAILED'); // it ran (and failed the same way)
      expect((await deps.triggers.get(aTriggerState()))!.backfill!.generation).toBe(2);
    });
  });
});
