import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestProduct, startProduct, waitFor } from '../support/local';
import { windowOnTheHour } from '../support/flows';

const V2 = '/api/v1/main';
const NS = 'policy';

/** A flow whose shell task fails (exit 1) for the ticks at minutes 01, 02, 05 and 06 of the hour, and succeeds for the others. */
function flakyFlow(id: string): string {
  return `id: ${id}
namespace: ${NS}
tasks:
  - id: check
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - 'm={{ trigger.date | date("mm") }}; if [ "$m" = 01 ] || [ "$m" = 02 ] || [ "$m" = 05 ] || [ "$m" = 06 ]; then exit 1; fi'
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
}

describe("a backfill's failure policy over HTTP", () => {
  let product: TestProduct;

  beforeAll(async () => {
    product = await startProduct({ workerConcurrency: 2, workerBatchSize: 1 });
    for (const flowId of ['paused', 'cancelled', 'checked']) expect((await product.api.createFlow(flakyFlow(flowId))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.close();
  });

  const ref = (flowId: string) => ({ namespace: NS, flowId, triggerId: 'schedule' });
  const trigger2 = async (flowId: string) => (await product.api.call('GET', `${V2}/triggers/${NS}/${flowId}`)).body.results[0];
  const trigger1 = async (flowId: string) => (await product.api.call('GET', `/api/v1/triggers/${NS}/${flowId}`)).body.results[0];
  /** The states of the flow's executions, by tick (minute of the hour). */
  const statesByMinute = async (flowId: string) =>
    Object.fromEntries(
      (await product.api.executions(NS, flowId))
        .map((e) => [e.trigger.variables.date.slice(14, 16), e.state.current] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  /** Waits until the policy has paused the backfill, and the executions in flight then have ended. */
  async function pausedByPolicy(flowId: string): Promise<any> {
    expect(await waitFor(async () => (await trigger2(flowId)).backfill?.pausedReason !== undefined, 30_000), 'the policy pauses it').toBe(true);
    await product.runtime.queue.idle();
    await product.runtime.tasksIdle();
    return (await trigger2(flowId)).backfill;
  }

  it('PAUSE: pauses once more executions FAILED than tolerated, says why in both shapes; resume continues, counting failures anew', async () => {
    const created = await product.api.call('PUT', `${V2}/triggers/backfill/create`, {
      ...ref('paused'),
      // One at a time, so the order is the ticks' and the trip falls on a known tick.
      backfill: { ...windowOnTheHour(10, 2), maxConcurrency: 1, failurePolicy: { maxFailures: 1, action: 'PAUSE' } },
    });
    expect(created.status).toBe(200);
    expect(created.body.backfill.failurePolicy).toEqual({ maxFailures: 1, action: 'PAUSE' });

    // 00 succeeds, 01 fails (tolerated), 02 fails: 2 > 1, it pauses before sending 03.
    const first = await pausedByPolicy('paused');
    expect(first).toMatchObject({ paused: true, pausedReason: { kind: 'FAILURE_POLICY', failed: 2, threshold: 1 } });
    expect(first.progress).toMatchObject({ succeeded: 1, failed: 2, queued: 0, running: 0 });
    expect(await statesByMinute('paused')).toEqual({ '00': 'SUCCESS', '01': 'FAILED', '02': 'FAILED' });
    expect((await trigger1('paused')).backfill).toMatchObject({ paused: true, pausedReason: first.pausedReason, failurePolicy: { maxFailures: 1 } });

    // Resumed: the two failures it paused for no longer count; 05 and 06 fail, and it pauses again.
    const resumed = await product.api.call('PUT', `${V2}/triggers/backfill/unpause`, ref('paused'));
    expect(resumed.status).toBe(200);
    expect(resumed.body.backfill.pausedReason).toBeUndefined();
    const second = await pausedByPolicy('paused');
    expect(second.pausedReason).toMatchObject({ failed: 2, threshold: 1 });
    expect(Date.parse(second.pausedReason.at)).toBeGreaterThan(Date.parse(first.pausedReason.at));
    expect(await statesByMinute('paused')).toEqual({
      '00': 'SUCCESS',
      '01': 'FAILED',
      '02': 'FAILED',
      '03': 'SUCCESS',
      '04': 'SUCCESS',
      '05': 'FAILED',
      '06': 'FAILED',
    });

    // Resumed again: the rest succeed and the backfill completes.
    expect((await product.api.call('PUT', '/api/v1/triggers/backfill/unpause', ref('paused'))).status).toBe(200);
    expect(await waitFor(async () => (await trigger2('paused')).lastBackfill?.outcome === 'COMPLETED', 30_000)).toBe(true);
    expect((await trigger2('paused')).lastBackfill.counts).toMatchObject({ total: 10, dispatched: 10, succeeded: 6, failed: 4, killed: 0, unfinished: 0 });
  });

  it('CANCEL: cancels the backfill at the first failure past the policy, recording why in lastBackfill', async () => {
    const created = await product.api.call('PUT', '/api/v1/triggers', {
      ...ref('cancelled'),
      backfill: { ...windowOnTheHour(10, 3), maxConcurrency: 1, failurePolicy: { maxFailures: 0, action: 'CANCEL' } },
    });
    expect(created.status).toBe(200);

    expect(await waitFor(async () => (await trigger2('cancelled')).lastBackfill?.outcome === 'CANCELLED', 30_000)).toBe(true);
    await product.runtime.workflows.idle();
    await product.runtime.queue.idle();

    expect((await trigger1('cancelled')).lastBackfill).toMatchObject({
      outcome: 'CANCELLED',
      cancelledReason: { kind: 'FAILURE_POLICY', failed: 1, threshold: 0 },
      counts: { dispatched: 2, succeeded: 1, failed: 1, killed: 0, unfinished: 0 },
    });
    expect(await statesByMinute('cancelled')).toEqual({ '00': 'SUCCESS', '01': 'FAILED' });
  });

  it('is echoed by the dry run with the failures it tolerates, and refused when malformed, naming the field (400 on 1.x, 422 on 2.x)', async () => {
    const window = windowOnTheHour(40, 4);
    const preview = await product.api.call('POST', '/api/v1/triggers/backfill/preview', {
      ...ref('checked'),
      backfill: { ...window, failurePolicy: { maxFailurePercent: 10, action: 'CANCEL' } },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.failurePolicy).toEqual({ maxFailurePercent: 10, action: 'CANCEL', tolerated: 4 });

    const noThreshold = { ...ref('checked'), backfill: { ...window, failurePolicy: { action: 'PAUSE' } } };
    expect(await product.api.call('PUT', '/api/v1/triggers', noThreshold)).toEqual({
      status: 400,
      body: {
        message: 'backfill.failurePolicy: expected "maxFailures", "maxFailurePercent" or both: the failures tolerated before the action applies',
        path: 'backfill.failurePolicy',
      },
    });
    const badPercent = { ...ref('checked'), backfill: { ...window, failurePolicy: { maxFailurePercent: 150, action: 'PAUSE' } } };
    expect(await product.api.call('PUT', `${V2}/triggers/backfill/create`, badPercent)).toEqual({
      status: 422,
      body: {
        message: 'backfill.failurePolicy.maxFailurePercent: expected a number from 0 to 100, got the number 150',
        path: 'backfill.failurePolicy.maxFailurePercent',
      },
    });
    expect((await product.api.call('POST', '/api/v1/triggers/backfill/preview', noThreshold)).status).toBe(400);
    expect((await trigger2('checked')).backfill).toBeUndefined();
  });
});
