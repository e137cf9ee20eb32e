import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor, waitWhileProgressing } from '../support/local';

const NAMESPACE = 'pins';
const TICKS = 6;

/** A per-minute schedule whose shell task echoes `marker` and the revision it runs, then takes a moment. */
function markerFlow(id: string, marker: string): string {
  return `id: ${id}
namespace: ${NAMESPACE}
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - echo "marker-${marker} revision {{ flow.revision }}"
      - sleep 0.4
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
}

interface Ran {
  tick: string;
  flowRevision: number;
  state: string;
  /** The marker lines its log holds. */
  markers: string[];
}

/**
 * `backfill.flowRevision` through HTTP on the local default: a backfill started one execution at a
 * time, its flow's YAML replaced through the flows API while it runs, then every execution's
 * revision and log read back.
 */
describe('a backfill pins the flow revision it was created with, over HTTP', () => {
  let product: TestProduct;

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_THROTTLE_WAIT_SECONDS: '1' }, workerConcurrency: 2, workerBatchSize: 1 });
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.tasksIdle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  const triggerOf = async (flowId: string) => (await product.api.call('GET', `/api/v1/triggers/${NAMESPACE}/${flowId}`)).body.results[0];

  /**
   * Creates the flow (marker `old`), starts a backfill of TICKS ticks with maxConcurrency 1 (and
   * `latestRevision` as given) through the 2.x route, replaces the flow (marker `new`) once its first
   * execution has started and while later ones have not, waits for the end, and reads every execution.
   */
  async function backfillEditedMidway(flowId: string, latestRevision: boolean): Promise<{ created: any; ran: Ran[]; last: any }> {
    expect((await product.api.createFlow(markerFlow(flowId, 'old'))).status).toBe(200);
    const body = { namespace: NAMESPACE, flowId, triggerId: 'schedule', backfill: { ...minuteWindow(TICKS, 2), maxConcurrency: 1, latestRevision } };
    const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', body);
    expect(created.status, JSON.stringify(created.body)).toBe(200);

    const started = await waitFor(async () => {
      const progress = (await triggerOf(flowId)).backfill?.progress;
      return progress && progress.running + progress.succeeded + progress.failed > 0;
    }, 30_000);
    expect(started, 'the first execution started').toBeTruthy();
    const updated = await product.api.call('PUT', `/api/v1/flows/${NAMESPACE}/${flowId}`, markerFlow(flowId, 'new'), 'application/x-yaml');
    expect(updated.status).toBe(200);
    expect(updated.body.revision).toBe(2);
    // The edit landed mid-backfill: executions were still to run.
    const during = (await triggerOf(flowId)).backfill;
    expect(during, 'the backfill still runs after the edit').toBeDefined();
    expect(during.progress.succeeded + during.progress.failed).toBeLessThan(TICKS - 1);

    const ended = await waitWhileProgressing(async () => {
      const backfill = (await triggerOf(flowId)).backfill;
      return { done: !backfill, progress: backfill ? backfill.progress.succeeded + backfill.progress.failed : TICKS };
    }, 30_000);
    expect(ended, 'the backfill ended').toBe(true);
    await product.runtime.queue.idle();

    const executions = await product.api.executions(NAMESPACE, flowId);
    expect(executions).toHaveLength(TICKS);
    const ran = await Promise.all(
      executions.map(async (execution): Promise<Ran> => {
        const logs = (await product.api.call('GET', `/api/v1/logs/${execution.id}`)).body as { message: string }[];
        return {
          tick: execution.trigger.variables.date,
          flowRevision: execution.flowRevision,
          state: execution.state.current,
          markers: logs.map((line) => line.message).filter((message) => message.startsWith('marker-')),
        };
      }),
    );
    ran.sort((a, b) => Date.parse(a.tick) - Date.parse(b.tick));
    return { created: created.body, ran, last: (await triggerOf(flowId)).lastBackfill };
  }

  it('refuses a latestRevision that is not a boolean, naming the field (400 on 1.x and the preview, 422 on 2.x), and previews the revision it would pin', async () => {
    expect((await product.api.createFlow(markerFlow('asked', 'old'))).status).toBe(200);
    const ids = { namespace: NAMESPACE, flowId: 'asked', triggerId: 'schedule' };
    const bad = { ...ids, backfill: { ...minuteWindow(3, 2), latestRevision: 'yes' } };

    const v1 = await product.api.call('PUT', '/api/v1/triggers', bad);
    const v2 = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', bad);
    const badPreview = await product.api.call('POST', '/api/v1/triggers/backfill/preview', bad);

    expect(v1.status).toBe(400);
    expect(v1.body.message).toContain('backfill.latestRevision: expected true or false');
    expect(v2.status).toBe(422);
    expect(JSON.stringify(v2.body)).toContain('backfill.latestRevision');
    expect(badPreview.status).toBe(400);
    expect((await triggerOf('asked')).backfill).toBeUndefined();
    const preview = await product.api.call('POST', '/api/v1/triggers/backfill/preview', { ...ids, backfill: minuteWindow(3, 2) });
    expect(preview.body).toMatchObject({ count: 3, flowRevision: 1, latestRevision: false });
    const latest = await product.api.call('POST', '/api/v1/triggers/backfill/preview', { ...ids, backfill: { ...minuteWindow(3, 2), latestRevision: true } });
    expect(latest.body.latestRevision).toBe(true);
    expect(latest.body).not.toHaveProperty('flowRevision');
  });

  it('runs every execution, before and after the edit, at the pinned revision: its document and its shell task', async () => {
    const { created, ran, last } = await backfillEditedMidway('pinned', false);

    expect(created.backfill).toMatchObject({ flowRevision: 1, latestRevision: false });
    for (const execution of ran) {
      expect(execution, execution.tick).toMatchObject({ flowRevision: 1, state: 'SUCCESS', markers: ['marker-old revision 1'] });
    }
    expect(last).toMatchObject({ outcome: 'COMPLETED', flowRevision: 1, latestRevision: false });
    // Both revisions stay readable.
    const revisions = (await product.api.call('GET', `/api/v1/flows/${NAMESPACE}/pinned/revisions`)).body;
    expect(revisions.map((flow: { revision: number; source: string }) => [flow.revision, flow.source])).toEqual([
      [1, markerFlow('pinned', 'old')],
      [2, markerFlow('pinned', 'new')],
    ]);
  });

  it('with latestRevision: true, the executions dispatched after the edit carry and run the new revision', async () => {
    const { created, ran, last } = await backfillEditedMidway('latest', true);

    expect(created.backfill.latestRevision).toBe(true);
    expect(created.backfill).not.toHaveProperty('flowRevision');
    // Each execution runs the revision its document names: the one current when it was dispatched.
    for (const execution of ran) {
      expect(execution.state, execution.tick).toBe('SUCCESS');
      expect(execution.markers, execution.tick).toEqual([`marker-${execution.flowRevision === 1 ? 'old' : 'new'} revision ${execution.flowRevision}`]);
    }
    const revisions = ran.map((execution) => execution.flowRevision);
    expect(revisions[0]).toBe(1);
    expect(revisions.at(-1)).toBe(2);
    expect(revisions).toEqual([...revisions].sort());
    expect(last).toMatchObject({ outcome: 'COMPLETED', latestRevision: true });
    expect(last).not.toHaveProperty('flowRevision');
  });
});
