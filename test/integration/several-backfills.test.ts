import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFlow, minuteWindow, sleepyMinuteFlow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';

const slow = { namespace: 'several', flowId: 'slow', triggerId: 'schedule' };
const logs = { namespace: 'several', flowId: 'logs', triggerId: 'schedule' };

describe('several backfills on one trigger, on disjoint windows, over HTTP on the local default', () => {
  let product: TestProduct;
  const call = (method: string, path: string, body?: unknown) => product.api.call(method, path, body);
  const triggerOf = async (ref: { flowId: string }) => (await call('GET', `/api/v1/triggers/several/${ref.flowId}`)).body.results[0];
  const create = (ref: typeof slow, window: { start: string; end: string }, label: string, extra: object = {}) =>
    call('PUT', '/api/v1/triggers', { ...ref, backfill: { ...window, labels: [{ key: 'case', value: label }], ...extra } });

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '4', BACKFILL_THROTTLE_WAIT_SECONDS: '1' }, workerConcurrency: 2 });
    expect((await product.api.createFlow(sleepyMinuteFlow('several', 'slow'))).status).toBe(200);
    // A per-minute schedule of one Log task: executions end at once, so backfills finish quickly.
    expect((await product.api.createFlow(logFlow('several', 'logs', { id: 'schedule', cron: '* * * * *' }))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  it('runs two disjoint backfills side by side, refuses an overlapping one naming it, and acts on one by backfillId or on all', async () => {
    // Two windows a day apart, each paused as soon as it exists, so they stay active while the test acts on them.
    const early = minuteWindow(200, 3);
    const late = minuteWindow(200, 2);
    const first = await create(slow, early, 'early', { maxConcurrency: 1 });
    expect(first.status).toBe(200);
    const a = first.body.backfill.id;
    expect((await call('PUT', '/api/v1/triggers/backfill/pause', { ...slow, backfillId: a })).status).toBe(200);
    const second = await create(slow, late, 'late', { maxConcurrency: 1 });
    expect(second.status).toBe(200);
    // The answer to a creation shows the backfill it created, beside every active one.
    const b = second.body.backfill.id;
    expect(b).not.toBe(a);
    expect(second.body.backfills.map((x: any) => x.id)).toEqual([a, b]);
    expect((await call('PUT', '/api/v1/triggers/backfill/pause', { ...slow, backfillId: b })).status).toBe(200);

    // Kestra's `backfill` is the earliest; `backfills` lists both, earliest first, each with its progress.
    const trigger = await triggerOf(slow);
    expect(trigger.backfill.id).toBe(a);
    expect(trigger.backfills.map((x: any) => [x.id, x.paused, x.progress.total])).toEqual([
      [a, true, 200],
      [b, true, 200],
    ]);
    const v2 = (await call('GET', '/api/v1/main/triggers/several/slow')).body.results[0];
    expect(v2.backfill.id).toBe(a);
    expect(v2.backfills.map((x: any) => x.id)).toEqual([a, b]);

    // A window overlapping the later one by a single tick: 409 naming it, on both versions; the dry run says so; nothing written.
    const overlapping = { start: late.end, end: new Date(Date.parse(late.end) + 5 * 60_000).toISOString() };
    const refused = await create(slow, overlapping, 'overlap');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain(`Backfill ${b} is already active`);
    expect(refused.body.message).toContain('overlaps this window');
    const refused2 = await call('PUT', '/api/v1/main/triggers/backfill/create', { ...slow, backfill: overlapping });
    expect(refused2.status).toBe(409);
    expect(refused2.body.message).toContain(b);
    const preview = await call('POST', '/api/v1/triggers/backfill/preview', { ...slow, backfill: overlapping });
    expect(preview.body).toMatchObject({ conflict: true, conflictsWith: { id: b } });
    expect([Date.parse(preview.body.conflictsWith.start), Date.parse(preview.body.conflictsWith.end)]).toEqual([Date.parse(late.start), Date.parse(late.end)]);
    const clear = await call('POST', '/api/v1/triggers/backfill/preview', { ...slow, backfill: minuteWindow(5, 1) });
    expect(clear.body.conflict).toBe(false);
    expect(clear.body.conflictsWith).toBeUndefined();
    expect((await triggerOf(slow)).backfills).toHaveLength(2);

    // One by id: only it changes.
    const resumed = await call('PUT', '/api/v1/triggers/backfill/unpause', { ...slow, backfillId: b });
    expect(resumed.status).toBe(200);
    expect(resumed.body.backfills.map((x: any) => [x.id, x.paused])).toEqual([
      [a, true],
      [b, false],
    ]);
    const updated = await call('PUT', '/api/v1/main/triggers/backfill/update', { ...slow, backfillId: a, backfill: { maxConcurrency: 3 } });
    expect(updated.status).toBe(200);
    expect(updated.body.backfills.map((x: any) => x.maxConcurrency)).toEqual([3, 1]);
    const timeline = await call('GET', `/api/v1/triggers/several/slow/schedule/backfill/timeline?buckets=10&backfillId=${b}`);
    expect(timeline.status).toBe(200);
    expect(timeline.body).toMatchObject({ backfillId: b, ticks: 200 });
    expect(Date.parse(timeline.body.start)).toBe(Date.parse(late.start));
    expect((await call('GET', '/api/v1/triggers/several/slow/schedule/backfill/timeline?buckets=10')).body.backfillId).toBe(a);

    // An id that is not active: 400 naming it on 1.x, 409 on 2.x; nothing changes.
    const unknown = await call('PUT', '/api/v1/triggers/backfill/pause', { ...slow, backfillId: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe('No backfill found with id nope');
    expect((await call('PUT', '/api/v1/main/triggers/backfill/pause', { ...slow, backfillId: 'nope' })).status).toBe(409);

    // Without an id (as Kestra's clients call it): every active backfill.
    const pausedAll = await call('PUT', '/api/v1/triggers/backfill/pause', slow);
    expect(pausedAll.body.backfills.map((x: any) => x.paused)).toEqual([true, true]);
    const deletedB = await call('POST', '/api/v1/triggers/backfill/delete', { ...slow, backfillId: b });
    expect(deletedB.body.backfills.map((x: any) => x.id)).toEqual([a]);
    expect(deletedB.body.lastBackfill).toMatchObject({ id: b, outcome: 'DELETED' });
    const deletedAll = await call('POST', '/api/v1/triggers/backfill/delete', slow);
    expect(deletedAll.status).toBe(200);
    expect(deletedAll.body.backfill).toBeUndefined();
    expect(deletedAll.body.backfills).toBeUndefined();
    expect(deletedAll.body.lastBackfill).toMatchObject({ id: a, outcome: 'DELETED' });
    expect((await call('PUT', '/api/v1/triggers/backfill/pause', slow)).body.message).toBe('No backfill found');
  });

  it('lets exactly one of two concurrent overlapping creations in', async () => {
    const window = minuteWindow(30, 5);
    const shifted = {
      start: new Date(Date.parse(window.start) + 10 * 60_000).toISOString(),
      end: new Date(Date.parse(window.end) + 10 * 60_000).toISOString(),
    };
    const answers = await Promise.all([create(logs, window, 'race-1'), create(logs, shifted, 'race-2')]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = answers.find((r) => r.status === 200)?.body.backfill.id;
    expect(answers.find((r) => r.status === 409)?.body.message).toContain(`Backfill ${winner} is already active`);
    await waitFor(async () => !(await triggerOf(logs)).backfill, 60_000, 200);
  });

  it('completes two disjoint backfills running at once, every tick of each exactly once', async () => {
    const first = minuteWindow(20, 7);
    const second = minuteWindow(20, 6);
    expect((await create(logs, first, 'both-1')).status).toBe(200);
    expect((await create(logs, second, 'both-2')).status).toBe(200);
    const ended = await waitFor(
      async () => {
        const trigger = await triggerOf(logs);
        return !trigger.backfills && trigger.lastBackfill?.outcome === 'COMPLETED' ? trigger : undefined;
      },
      60_000,
      200,
    );
    expect(ended, 'both backfills ended within a minute').toBeDefined();
    await product.runtime.queue.idle();
    for (const [label, window] of [
      ['both-1', first],
      ['both-2', second],
    ] as const) {
      const executions = await product.api.executions('several', 'logs', `&labels=case:${label}`);
      const ticks = executions.map((e: any) => Date.parse(e.trigger.variables.date)).sort((x: number, y: number) => x - y);
      expect(ticks).toEqual(Array.from({ length: 20 }, (_, i) => Date.parse(window.start) + i * 60_000));
      expect(executions.every((e: any) => e.state.current === 'SUCCESS')).toBe(true);
    }
  });
});
