import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as template from '../../lib/domain/template';
import { type TestProduct, halfHourTicks, startProduct, waitFor } from '../support/local';

// Watches how far dispatch got: each execution's tick-dependent labels and inputs get one renderer.
// The renders themselves are the engine's own.
vi.mock('../../lib/domain/template', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../lib/domain/template')>();
  return { ...original, createRenderer: vi.fn(original.createRenderer) };
});

const TICKS = 30;
/** Each tick's label loops past its budget (a hundred million iterations take seconds on any machine). */
const FLOW = `id: slow
namespace: templates
labels:
  slow: "{{ trigger.date }}{% for i in 0..100000000 %}{% endfor %}"
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/30 * * * *"
`;

describe('slow templates in a backfill', () => {
  let product: TestProduct;
  beforeAll(async () => {
    // One batch holds every tick: without turns given to the event loop, it would render in one block.
    product = await startProduct({ env: { ...process.env, BACKFILL_BATCH_SIZE: String(TICKS) } });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
  });
  afterAll(async () => product?.close());

  const rendered = () => vi.mocked(template.createRenderer).mock.calls.length;

  it('answers other API requests while dispatch renders the batch, and fails each execution naming the label and the budget', async () => {
    const ticks = halfHourTicks(TICKS, 24);
    const put = await product.api.call('PUT', '/api/v1/triggers', {
      namespace: 'templates',
      flowId: 'slow',
      triggerId: 'schedule',
      backfill: { start: ticks[0]!.toISOString(), end: ticks.at(-1)!.toISOString() },
    });
    expect(put.status).toBe(200);

    // Dispatch has begun rendering the batch…
    expect(await waitFor(async () => rendered() > 0, 30_000, 1)).toBe(true);
    const renderedBefore = rendered();
    // …and a request made now is answered before it has rendered the whole batch.
    const flow = await product.api.call('GET', '/api/v1/flows/templates/slow');
    const renderedWhenAnswered = rendered();
    expect(flow.status).toBe(200);
    expect(renderedBefore).toBeGreaterThan(0);
    expect(renderedWhenAnswered).toBeLessThan(TICKS);

    const executions = await waitFor(async () => {
      const all = await product.api.executions('templates', 'slow');
      return all.length === TICKS && all.every((e) => e.state.current === 'FAILED') ? all : undefined;
    }, 60_000);
    expect(executions).toHaveLength(TICKS);
    const logs = (await product.api.call('GET', `/api/v1/logs/${executions![0].id}`)).body;
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: expect.stringMatching(/^Execution could not be created: labels\.slow: Template rendering exceeded the time limit of 50 ms/),
      }),
    ]);
  });
});
