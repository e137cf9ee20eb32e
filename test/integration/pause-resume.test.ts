import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parkUntilResumed } from '../../lib/app/backfill-run';
import { pauseBackfill, unpauseBackfill } from '../../lib/app/backfill-control';
import type { BackfillRunInput } from '../../lib/ports';
import type { LocalRuntime } from '../../local/runtime';
import { minuteWindow, sleepyMinuteFlow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';

const SLOW_FLOW = sleepyMinuteFlow('bars', 'pr');
const ids = { namespace: 'bars', flowId: 'pr', triggerId: 'schedule' };
const BATCH = 25;

/**
 * Watches the state machine's "Paused: wait for resume" step: a park that stores its task token
 * while the backfill is paused leaves the state machine waiting until someone sends that token back,
 * so meanwhile it dispatches nothing. `parked()` tells whether such a token is out and unsent.
 */
function watchParks(runtime: LocalRuntime): { parked(): boolean; reset(): void; stop(): void } {
  const { triggers, workflows } = runtime.deps;
  const storeTaskToken = triggers.storeTaskToken;
  const resume = workflows.resume;
  const waiting = new Set<string>();
  const sent = new Set<string>();
  triggers.storeTaskToken = async (ref, backfillId, taskToken) => {
    const backfill = await storeTaskToken.call(triggers, ref, backfillId, taskToken);
    // An unpause may read the stored token and send it before this call returns to us.
    if (backfill?.paused && !sent.has(taskToken)) waiting.add(taskToken);
    return backfill;
  };
  workflows.resume = async (taskToken, output) => {
    sent.add(taskToken);
    waiting.delete(taskToken);
    return resume.call(workflows, taskToken, output);
  };
  return {
    parked: () => waiting.size > 0,
    // A deleted backfill's state machine is stopped while parked: its token is never sent.
    reset: () => waiting.clear(),
    stop: () => {
      triggers.storeTaskToken = storeTaskToken;
      workflows.resume = resume;
    },
  };
}

describe('pause, resume and delete a running backfill', () => {
  let product: TestProduct;
  let parks: ReturnType<typeof watchParks>;
  const put = (path: string, body: unknown, method = 'PUT') => product.api.call(method, path, body);
  const count = async () => (await product.api.executions('bars', 'pr')).length;
  const backfillOf = async () => (await product.api.call('GET', '/api/v1/triggers/bars/pr')).body.results[0].backfill;

  beforeAll(async () => {
    product = await startProduct({
      env: { BACKFILL_BATCH_SIZE: String(BATCH), BACKFILL_MAX_IN_FLIGHT: '50', BACKFILL_THROTTLE_WAIT_SECONDS: '1' },
      workerConcurrency: 4,
      workerBatchSize: 2,
    });
    expect((await product.api.createFlow(SLOW_FLOW)).status).toBe(200);
    parks = watchParks(product.runtime);
  });
  afterAll(async () => {
    parks?.stop();
    await product?.close();
  });
  afterEach(async () => {
    // Each test leaves no backfill behind, nor a batch of a stopped state machine still landing.
    if (await backfillOf()) await put('/api/v1/triggers/backfill/delete', ids, 'POST');
    await product.runtime.workflows.idle();
    await product.runtime.tasksIdle();
    await product.runtime.queue.idle();
    parks.reset();
  });
  /** The state machine has parked, and every execution it made has ended. */
  async function parkedAndDrained(): Promise<void> {
    expect(await waitFor(async () => parks.parked(), 30_000, 50), 'the state machine parks').toBe(true);
    await product.runtime.queue.idle();
  }

  it('stops creating executions within one batch of the pause, and resume completes exactly the set', async () => {
    const window = minuteWindow(300, 5);
    expect((await put('/api/v1/triggers', { ...ids, backfill: { ...window, labels: [{ key: 'run', value: 'pause' }] } })).status).toBe(200);
    expect(await waitFor(async () => (await count()) >= 20, 30_000)).toBe(true);
    const paused = await put('/api/v1/triggers/backfill/pause', ids);
    expect(paused.status).toBe(200);
    expect(paused.body.backfill.paused).toBe(true);
    const pausedAt = new Date().toISOString();
    // The state machine sends the batch in hand, then parks: it dispatches nothing more until resumed.
    // What it sent before runs on (a paused backfill's queued executions still run, as in Kestra).
    await parkedAndDrained();
    const made = await product.api.executions('bars', 'pr', '&labels=run:pause');
    expect(made.filter((e) => e.state.histories[0].date > pausedAt).length).toBeLessThanOrEqual(BATCH);
    expect(made.length).toBeLessThan(300);
    expect((await backfillOf()).paused).toBe(true);
    // Parked, not ended: its execution waits for the resume.
    expect(product.runtime.workflows.activeExecutions).toHaveLength(1);

    const resumed = await put('/api/v1/triggers/backfill/unpause', ids);
    expect(resumed.status).toBe(200);
    expect(resumed.body.backfill.paused).toBe(false);
    const done = await waitFor(async () => !(await backfillOf()), 120_000, 250);
    expect(done).toBe(true);
    const executions = await product.api.executions('bars', 'pr', '&labels=run:pause');
    expect(executions).toHaveLength(300);
    expect(new Set(executions.map((e) => e.trigger.variables.date)).size).toBe(300);
    expect(executions.every((e) => e.state.current === 'SUCCESS')).toBe(true);
  });

  it('survives pause and unpause in quick succession, and two resumes at once', async () => {
    expect((await put('/api/v1/triggers', { ...ids, backfill: { ...minuteWindow(120, 6), labels: [{ key: 'run', value: 'flip' }] } })).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await put('/api/v1/triggers/backfill/pause', ids)).status).toBe(200);
      expect((await put('/api/v1/triggers/backfill/unpause', ids)).status).toBe(200);
    }
    expect((await put('/api/v1/triggers/backfill/pause', ids)).status).toBe(200);
    // Two resumes at once of a parked state machine: its token is stored, and both may take it.
    expect(await waitFor(async () => parks.parked(), 30_000, 50), 'the state machine parks').toBe(true);
    const both = await Promise.all([put('/api/v1/triggers/backfill/unpause', ids), put('/api/v1/triggers/backfill/unpause', ids)]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(await waitFor(async () => !(await backfillOf()), 120_000, 250)).toBe(true);
    const executions = await product.api.executions('bars', 'pr', '&labels=run:flip');
    expect(executions).toHaveLength(120);
    expect(new Set(executions.map((e) => e.trigger.variables.date)).size).toBe(120);
  });

  it('keeps a backfill paused during its last batch until resumed, then finishes it', async () => {
    expect((await put('/api/v1/triggers', { ...ids, backfill: { ...minuteWindow(10, 7), labels: [{ key: 'run', value: 'last' }] } })).status).toBe(200);
    expect((await put('/api/v1/triggers/backfill/pause', ids)).status).toBe(200);
    // Parked, and every execution dispatched before the pause has ended: still the worker that ran
    // the last one did not complete the backfill, since it is paused.
    await parkedAndDrained();
    const held = await backfillOf();
    expect(held.paused).toBe(true);
    expect((await put('/api/v1/triggers/backfill/unpause', ids)).status).toBe(200);
    expect(await waitFor(async () => !(await backfillOf()), 60_000, 250)).toBe(true);
    expect(await product.api.executions('bars', 'pr', '&labels=run:last')).toHaveLength(10);
  });

  it('answers 400 No backfill found once it is done, and 404 for unknown flows or triggers', async () => {
    const none = await put('/api/v1/triggers/backfill/pause', ids);
    expect(none).toEqual({ status: 400, body: { message: 'No backfill found' } });
    expect((await put('/api/v1/triggers/backfill/unpause', ids)).status).toBe(400);
    expect((await put('/api/v1/triggers/backfill/delete', ids, 'POST')).status).toBe(400);
    expect((await put('/api/v1/triggers/backfill/pause', { ...ids, flowId: 'nope' })).status).toBe(404);
    expect((await put('/api/v1/triggers/backfill/pause', { ...ids, triggerId: 'nope' })).status).toBe(404);
    expect((await put('/api/v1/triggers/backfill/pause', { namespace: 'bars' })).status).toBe(400);
  });

  it('delete stops the state machine, restores nextExecutionDate and keeps the executions made', async () => {
    const before = (await product.api.call('GET', '/api/v1/triggers/bars/pr')).body.results[0].nextExecutionDate;
    expect((await put('/api/v1/triggers', { ...ids, backfill: { ...minuteWindow(400, 8), labels: [{ key: 'run', value: 'delete' }] } })).status).toBe(200);
    await waitFor(async () => (await product.api.executions('bars', 'pr', '&labels=run:delete')).length >= 10, 30_000);
    const deleted = await put('/api/v1/triggers/backfill/delete', ids, 'POST');
    expect(deleted.status).toBe(200);
    expect(deleted.body.backfill).toBeUndefined();
    expect(deleted.body.nextExecutionDate).toBe(before);
    const deletedAt = new Date().toISOString();
    await product.runtime.workflows.idle();
    expect(product.runtime.workflows.activeExecutions).toEqual([]);
    // A batch already in hand when the delete answered may still be sent (as with pause), nothing
    // after it. What was sent before runs on (Kestra's delete keeps the executions made): once the
    // dispatch call and the queue are idle, nothing of the backfill runs any more.
    await product.runtime.tasksIdle();
    await product.runtime.queue.idle();
    const made = await product.api.executions('bars', 'pr', '&labels=run:delete');
    const kept = made.length;
    const sentAfterDelete = made.filter((e) => e.state.histories[0].date > deletedAt);
    expect(sentAfterDelete.length).toBeLessThanOrEqual(BATCH);
    expect(kept).toBeLessThan(400);
    expect(product.runtime.workflows.activeExecutions).toEqual([]);
  });

  it('pauses, resumes and deletes in bulk, by triggers and by query, counting what it touched', async () => {
    expect((await put('/api/v1/triggers', { ...ids, backfill: { ...minuteWindow(200, 9), labels: [{ key: 'run', value: 'bulk' }] } })).status).toBe(200);
    const byTriggers = await put('/api/v1/triggers/backfill/pause/by-triggers', [ids, { ...ids, triggerId: 'other' }], 'POST');
    expect(byTriggers.body).toEqual({ count: 1 });
    expect((await backfillOf()).paused).toBe(true);
    const byQuery = await product.api.call('POST', '/api/v1/triggers/backfill/unpause/by-query?namespace=bars');
    expect(byQuery.body).toEqual({ count: 1 });
    const search = await product.api.call('GET', '/api/v1/triggers/search?namespace=bars&flowId=pr');
    expect(search.body.total).toBe(1);
    expect(search.body.results[0].abstractTrigger).toMatchObject({ id: 'schedule', cron: '* * * * *' });
    expect(search.body.results[0].triggerContext.backfill.progress.total).toBe(200);
    const deleted = await product.api.call('POST', '/api/v1/triggers/backfill/delete/by-query?namespace=bars&flowId=pr');
    expect(deleted.body).toEqual({ count: 1 });
    expect(await backfillOf()).toBeUndefined();
  });

  it('reports progress counts that add up exactly', async () => {
    expect((await put('/api/v1/triggers', { ...ids, backfill: { ...minuteWindow(80, 10), labels: [{ key: 'run', value: 'progress' }] } })).status).toBe(200);
    // Read the progress back to back while the backfill runs, until it is done.
    let reads = 0;
    const done = await waitFor(
      async () => {
        const b = await backfillOf();
        if (!b) return true;
        reads++;
        const p = b.progress;
        expect(p.queued + p.running + p.succeeded + p.failed).toBe(p.dispatched);
        expect(p.total).toBe(80);
        return false;
      },
      60_000,
      0,
    );
    expect(done).toBe(true);
    expect(reads).toBeGreaterThan(0);
  });
});

/** The races around the task token, step by step on the real store. */
describe('task token races', () => {
  let product: TestProduct;
  const resumed: string[] = [];
  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_THROTTLE_WAIT_SECONDS: '1' } });
    expect((await product.api.createFlow(SLOW_FLOW)).status).toBe(200);
  });
  afterAll(async () => product?.close());

  /** The runtime's stores with a state machine stand-in that records the tokens sent back. */
  const handDriven = () => ({
    ...product.runtime.deps,
    workflows: { start: async () => undefined, stop: async () => undefined, resume: async (token: string) => void resumed.push(token) },
  });

  async function pausedBackfill(): Promise<BackfillRunInput> {
    const response = await product.api.call('PUT', '/api/v1/triggers', { ...ids, backfill: minuteWindow(30, 11) });
    expect(response.status).toBe(200);
    // Take the backfill's real state machine out of the way: these steps are driven by hand.
    await product.runtime.workflows.stop(response.body.backfill.stateMachineExecutionName);
    await pauseBackfill(handDriven(), ids);
    return { backfill: { ...ids, id: response.body.backfill.id }, generation: 0, iteration: 3 };
  }

  it('a resume that comes before the token is stored is not lost: the park resumes itself', async () => {
    const input = await pausedBackfill();
    const svc = handDriven();
    await unpauseBackfill(svc, ids); // no token stored yet: nothing to send
    expect(resumed).toEqual([]);
    const parked = await parkUntilResumed(svc, { ...input, taskToken: 'token-1' });
    expect(parked).toEqual({ parked: false });
    expect(resumed).toEqual(['token-1']);
  });

  it('two resumes at once send the token once', async () => {
    resumed.length = 0;
    const svc = handDriven();
    await pauseBackfill(svc, ids);
    const input = { backfill: (await svc.triggers.get(ids))!.backfill!, generation: 0, iteration: 3 };
    const parked = await parkUntilResumed(svc, { ...input, backfill: { ...ids, id: input.backfill.id }, taskToken: 'token-2' });
    expect(parked).toEqual({ parked: true });
    await Promise.all([unpauseBackfill(svc, ids), unpauseBackfill(svc, ids), unpauseBackfill(svc, ids)]);
    expect(resumed).toEqual(['token-2']);
  });
});
