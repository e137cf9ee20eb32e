import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';

/** A per-minute schedule of one Log task: each execution runs at once, so dispatch's pace decides the order. */
const FLOW = `id: ordered
namespace: order
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
const ids = { namespace: 'order', flowId: 'ordered', triggerId: 'schedule' };

/** An execution's tick, its creation (when dispatch sent it) and when it started running. */
interface Run {
  tick: number;
  created: number;
  started: number;
}

describe("a backfill's order, over HTTP on the local default", () => {
  let product: TestProduct;
  const triggerOf = async () => (await product.api.call('GET', '/api/v1/triggers/order/ordered')).body.results[0];

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '4', BACKFILL_THROTTLE_WAIT_SECONDS: '1' }, workerConcurrency: 4 });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  /** Waits (bounded) until backfill `id` left the trigger, and returns its executions with their dates. */
  async function runsOf(id: string, label: string): Promise<{ runs: Run[]; last: any }> {
    const ended = await waitFor(async () => {
      const trigger = await triggerOf();
      return !trigger.backfill && trigger.lastBackfill?.id === id ? trigger.lastBackfill : undefined;
    }, 60_000);
    expect(ended, `backfill ${id} ended within a minute`).toBeDefined();
    await product.runtime.queue.idle();
    const executions = await product.api.executions('order', 'ordered', `&labels=case:${label}`);
    const runs = executions.map((e: any) => ({
      tick: Date.parse(e.trigger.variables.date),
      created: Date.parse(e.state.histories.find((h: any) => h.state === 'CREATED').date),
      started: Date.parse(e.state.histories.find((h: any) => h.state === 'RUNNING').date),
    }));
    return { runs, last: ended };
  }

  it('refuses an unknown order, naming the field and the values allowed (400 on 1.x, 422 on 2.x), creating nothing', async () => {
    const bad = { ...ids, backfill: { ...minuteWindow(5, 3), order: 'BACKWARDS' } };

    const v1 = await product.api.call('PUT', '/api/v1/triggers', bad);
    const v2 = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', bad);
    const preview = await product.api.call('POST', '/api/v1/triggers/backfill/preview', bad);

    expect(v1.status).toBe(400);
    expect(v1.body.message).toBe('backfill.order: expected one of OLDEST_FIRST, NEWEST_FIRST, got the string "BACKWARDS"');
    expect(v2.status).toBe(422);
    expect(v2.body.message).toContain('backfill.order');
    expect(v2.body.message).toContain('OLDEST_FIRST, NEWEST_FIRST');
    expect(preview.status).toBe(400);
    expect((await triggerOf()).backfill).toBeUndefined();
  });

  it('previews the ticks newest first', async () => {
    const window = minuteWindow(5, 3);
    const preview = await product.api.call('POST', '/api/v1/triggers/backfill/preview', { ...ids, backfill: { ...window, order: 'NEWEST_FIRST' } });

    expect(preview.status).toBe(200);
    expect(preview.body.order).toBe('NEWEST_FIRST');
    expect(preview.body.ticks.map((t: string) => Date.parse(t))).toEqual([4, 3, 2, 1, 0].map((i) => Date.parse(window.start) + i * 60_000));
    expect([Date.parse(preview.body.firstTick), Date.parse(preview.body.lastTick)]).toEqual([Date.parse(window.start), Date.parse(window.end)]);
  });

  it('with maxConcurrency 1, creates and starts the executions strictly from the newest tick to the oldest (1.x route)', async () => {
    const window = minuteWindow(8, 2);
    const created = await product.api.call('PUT', '/api/v1/triggers', {
      ...ids,
      backfill: { ...window, order: 'NEWEST_FIRST', maxConcurrency: 1, labels: [{ key: 'case', value: 'one' }] },
    });
    expect(created.status).toBe(200);
    expect(created.body.backfill).toMatchObject({ order: 'NEWEST_FIRST', maxConcurrency: 1 });
    // Kestra's cursor starts at the window's end, and moves back from there.
    expect(Date.parse(created.body.backfill.currentDate)).toBe(Date.parse(window.end));

    const { runs, last } = await runsOf(created.body.backfill.id, 'one');

    const ticks = [7, 6, 5, 4, 3, 2, 1, 0].map((i) => Date.parse(window.start) + i * 60_000);
    expect([...runs].sort((a, b) => a.created - b.created).map((r) => r.tick)).toEqual(ticks);
    expect([...runs].sort((a, b) => a.started - b.started).map((r) => r.tick)).toEqual(ticks);
    expect(last).toMatchObject({ outcome: 'COMPLETED', order: 'NEWEST_FIRST', counts: { total: 8, succeeded: 8 } });
  });

  it('with more in flight, sends its batches newest first (2.x route)', async () => {
    const window = minuteWindow(12, 1);
    const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', {
      ...ids,
      backfill: { ...window, order: 'NEWEST_FIRST', maxConcurrency: 4, labels: [{ key: 'case', value: 'batches' }] },
    });
    expect(created.status).toBe(200);
    expect(created.body.backfill.order).toBe('NEWEST_FIRST');

    const { runs } = await runsOf(created.body.backfill.id, 'batches');

    // Executions sent together share their creation date; every later batch holds only older ticks.
    const bySending = [...runs].sort((a, b) => a.created - b.created || b.tick - a.tick).map((r) => r.tick);
    expect(bySending).toEqual(Array.from({ length: 12 }, (_, i) => Date.parse(window.start) + (11 - i) * 60_000));
  });
});
