import { describe, expect, it } from 'vitest';
import { LocalBackfillWorkflows } from '../../../lib/adapters/local/local-backfill-workflows';
import type { BackfillRunInput } from '../../../lib/ports';
import { readBackfillDefinition } from '../../../lib/workflow/definition';

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
});
