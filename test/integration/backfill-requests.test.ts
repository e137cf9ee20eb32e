import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FLOW, type TestProduct, startProduct } from '../support/local';
import { ManualClock } from '../support/manual-clock';

const FLOW_WITH_INPUTS = `id: typed
namespace: dev
inputs:
  - id: region
    type: STRING
    defaults: eu
  - id: batch
    type: INT
    required: false
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.region }}"
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
`;

const ids = { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' };
const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();

/** Bad requests get a 4xx naming the field, and change nothing. */
describe('PUT /api/v1/triggers: request validation', () => {
  let product: TestProduct;

  beforeAll(async () => {
    product = await startProduct();
    expect((await product.api.createFlow(SEED_FLOW)).status).toBe(200);
    expect((await product.api.createFlow(FLOW_WITH_INPUTS)).status).toBe(200);
    expect((await product.api.createFlow(SEED_FLOW.replace('scheduled_flow', 'minutely').replace('*/30 * * * *', '* * * * *'))).status).toBe(200);
  });
  afterAll(async () => product?.close());

  const put = (body: unknown) => product.api.call('PUT', '/api/v1/triggers', body);

  async function expectNothingWritten() {
    const { body } = await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow');
    expect(body.results[0].backfill).toBeUndefined();
    expect(product.runtime.workflows.activeExecutions).toEqual([]);
    expect(await product.api.executions('dev', 'scheduled_flow')).toEqual([]);
  }

  it.each([
    ['a body that is not an object', [1, 2], 400, 'body'],
    ['a missing namespace', { flowId: 'scheduled_flow', triggerId: 'schedule', backfill: { start: hourAgo() } }, 400, 'namespace'],
    ['a missing start', { ...ids, backfill: { end: null } }, 400, 'backfill.start'],
    ['a start that does not parse', { ...ids, backfill: { start: 'yesterday' } }, 400, 'backfill.start'],
    ['a start without an offset', { ...ids, backfill: { start: '2024-03-28T06:30:00' } }, 400, 'backfill.start'],
    ['an impossible date', { ...ids, backfill: { start: '2024-02-30T06:30:00Z' } }, 400, 'backfill.start'],
    ['a start before 1970', { ...ids, backfill: { start: '1969-12-31T23:00:00Z' } }, 400, 'backfill.start'],
    ['an end in the future', { ...ids, backfill: { start: hourAgo(), end: new Date(Date.now() + 3600_000).toISOString() } }, 400, 'backfill.end'],
    ['a start after the end', { ...ids, backfill: { start: hourAgo(), end: new Date(Date.now() - 7200_000).toISOString() } }, 400, 'backfill.start'],
    ['a system label', { ...ids, backfill: { start: hourAgo(), labels: [{ key: 'system.from', value: 'x' }] } }, 400, 'backfill.labels[0]'],
    ['a label key breaking the pattern', { ...ids, backfill: { start: hourAgo(), labels: { Reason: 'x' } } }, 400, 'backfill.labels'],
    ['an empty label value', { ...ids, backfill: { start: hourAgo(), labels: [{ key: 'reason', value: '' }] } }, 400, 'backfill.labels[0]'],
    ['inputs that are not an object', { ...ids, backfill: { start: hourAgo(), inputs: [1] } }, 400, 'backfill.inputs'],
    ['an unknown reprocess mode', { ...ids, backfill: { start: hourAgo(), reprocess: 'SOME' } }, 400, 'backfill.reprocess'],
    ['an unknown order', { ...ids, backfill: { start: hourAgo(), order: 'BACKWARDS' } }, 400, 'backfill.order'],
    ['an input the flow does not declare', { ...ids, backfill: { start: hourAgo(), inputs: { nope: 1 } } }, 400, 'backfill.inputs.nope'],
  ])('rejects %s (and its dry run says the same)', async (_name, body, status, field) => {
    const response = await put(body);
    expect(response.status).toBe(status);
    expect(response.body.path).toContain(field);
    expect(response.body.message).toContain(field);
    const preview = await product.api.call('POST', '/api/v1/triggers/backfill/preview', body);
    expect({ status: preview.status, body: preview.body }).toEqual({ status: response.status, body: response.body });
    await expectNothingWritten();
  });

  it('rejects an input of the wrong type, naming it and the type', async () => {
    const response = await put({ namespace: 'dev', flowId: 'typed', triggerId: 'hourly', backfill: { start: hourAgo(), inputs: { batch: 'many' } } });
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(/backfill\.inputs\.batch.*integer/);
  });

  it('rejects a window with more ticks than the limit, stating the limit', async () => {
    // 2020 → now, every minute: about 3.5 million ticks.
    const response = await put({ ...ids, flowId: 'minutely', backfill: { start: '2020-01-01T00:00:00Z' } });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('more than 1000000 ticks');
    expect((await product.api.call('GET', '/api/v1/triggers/dev/minutely')).body.results[0].backfill).toBeUndefined();
    await expectNothingWritten();
  });

  it('rejects a window with no tick', async () => {
    const at = new Date(Date.now() - 3600_000);
    at.setUTCMinutes(10, 0, 0);
    const response = await put({ ...ids, backfill: { start: at.toISOString(), end: new Date(at.getTime() + 60_000).toISOString() } });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('no tick');
  });

  it("answers 404 with Kestra's messages for an unknown flow or trigger", async () => {
    const noFlow = await put({ ...ids, flowId: 'missing', backfill: { start: hourAgo() } });
    expect(noFlow).toEqual({ status: 404, body: { message: 'Flow of trigger schedule not found' } });
    const noTrigger = await put({ ...ids, triggerId: 'nightly', backfill: { start: hourAgo() } });
    expect(noTrigger).toEqual({ status: 404, body: { message: 'Flow scheduled_flow has no trigger nightly' } });
  });

  it('rejects a body that is not JSON, and one over the size limit', async () => {
    const notJson = await product.api.call('PUT', '/api/v1/triggers', '{"backfill":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/^body: not valid JSON/);
    const huge = await put({ ...ids, backfill: { start: hourAgo(), labels: { note: 'x'.repeat(300 * 1024) } } });
    expect(huge.status).toBe(413);
    expect(huge.body.message).toContain('body');
    await expectNothingWritten();
  });

  it('refuses a second backfill while one is active (409), keeping the first', async () => {
    const first = await put({ namespace: 'dev', flowId: 'typed', triggerId: 'hourly', backfill: { start: new Date(Date.now() - 5 * 3600_000).toISOString() } });
    expect(first.status).toBe(200);
    const second = await put({ namespace: 'dev', flowId: 'typed', triggerId: 'hourly', backfill: { start: hourAgo() } });
    expect(second.status).toBe(409);
    expect(second.body.message).toContain('already active');
    const { body } = await product.api.call('GET', '/api/v1/triggers/dev/typed');
    if (body.results[0].backfill) expect(body.results[0].backfill.start).toBe(first.body.backfill.start);
  });

  it('accepts labels as a map and fills inputs from defaults', async () => {
    await product.runtime.workflows.idle();
    const start = new Date(Date.now() - 2 * 3600_000);
    start.setUTCMinutes(0, 0, 0);
    const response = await put({
      namespace: 'dev',
      flowId: 'typed',
      triggerId: 'hourly',
      backfill: { start: start.toISOString(), end: start.toISOString(), labels: { reason: 'outage', attempt: 2 } },
    });
    expect(response.status).toBe(200);
    expect(response.body.backfill.labels).toEqual([
      { key: 'reason', value: 'outage' },
      { key: 'attempt', value: '2' },
    ]);
    await product.runtime.workflows.idle();
    const executions = await product.api.executions('dev', 'typed', '&labels=attempt:2');
    expect(executions).toHaveLength(1);
    expect(executions[0].inputs).toEqual({ region: 'eu', batch: null });
  });
});

describe('POST /api/v1/triggers/backfill/preview: a dry run of the backfill request', () => {
  let product: TestProduct;
  // Stands still at the time the tests start, so "now" is the same for the product and the test.
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    product = await startProduct({ clock });
    expect((await product.api.createFlow(SEED_FLOW)).status).toBe(200);
    expect(
      (
        await product.api.createFlow(
          SEED_FLOW.replace('id: scheduled_flow', 'id: paris').replace('cron: "*/30 * * * *"', 'cron: "0 9 * * *"\n    timezone: Europe/Paris'),
        )
      ).status,
    ).toBe(200);
  });
  afterAll(async () => product?.close());

  const preview = (body: unknown) => product.api.call('POST', '/api/v1/triggers/backfill/preview', body);

  it("counts and lists the seed's 10 ticks of a 5-hour outage, and writes nothing", async () => {
    const start = new Date(Date.now() - 24 * 3600_000);
    start.setUTCMinutes(0, 0, 0);
    const end = new Date(start.getTime() + 4.5 * 3600_000);
    const { status, body } = await preview({
      ...ids,
      backfill: { start: start.toISOString(), end: end.toISOString(), inputs: null, labels: [{ key: 'reason', value: 'outage' }] },
    });
    expect(status).toBe(200);
    const ticks = Array.from({ length: 10 }, (_, i) => new Date(start.getTime() + i * 1800_000).toISOString().replace('.000Z', 'Z'));
    expect(body).toMatchObject({
      count: 10,
      skipped: 0,
      start: ticks[0],
      end: ticks[9],
      ticks,
      order: 'OLDEST_FIRST',
      firstTick: ticks[0],
      lastTick: ticks[9],
      truncated: false,
      conflict: false,
      flowRevision: 1,
      latestRevision: false,
      // BACKFILL_MAX_IN_FLIGHT's default.
      maxConcurrencyLimit: 500,
    });
    // No execution of the flow has ended yet: no duration (backfill-estimate.test.ts has one with a basis).
    expect(body).toMatchObject({ estimatedDuration: null, estimate: { duration: { basis: null }, cost: { billed: false } } });
    expect((await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).body.results[0].backfill).toBeUndefined();
    expect(product.runtime.workflows.activeExecutions).toEqual([]);
    expect(await product.api.executions('dev', 'scheduled_flow')).toEqual([]);
  });

  it("counts the seed's own request (2024-03-28 → now) and lists its first 100 ticks", async () => {
    const { body } = await preview({ ...ids, backfill: { start: '2024-03-28T06:30:00.000Z', end: null, inputs: null, labels: [] } });
    const now = clock.now().getTime();
    const lastTick = now - ((now - Date.parse('2024-03-28T06:30:00Z')) % 1800_000);
    expect(body.count).toBe((lastTick - Date.parse('2024-03-28T06:30:00Z')) / 1800_000 + 1);
    expect(body.ticks).toHaveLength(100);
    expect(body.ticks.slice(0, 2)).toEqual(['2024-03-28T06:30:00Z', '2024-03-28T07:00:00Z']);
    expect(body.truncated).toBe(true);
    expect(Date.parse(body.end)).toBe(now);
    expect(Date.parse(body.lastTick)).toBe(lastTick);
  });

  it("shows the ticks in the trigger's time zone, across a DST change", async () => {
    const { body } = await preview({
      namespace: 'dev',
      flowId: 'paris',
      triggerId: 'schedule',
      backfill: { start: '2025-03-29T00:00:00Z', end: '2025-03-31T00:00:00Z' },
    });
    expect(body).toMatchObject({ count: 2, ticks: ['2025-03-29T09:00:00+01:00', '2025-03-30T09:00:00+02:00'], lastTick: '2025-03-30T09:00:00+02:00' });
  });

  it('says when a backfill already runs on the trigger (creating one would answer 409)', async () => {
    const window = { start: new Date(Date.now() - 3 * 3600_000).toISOString(), end: new Date(Date.now() - 2 * 3600_000).toISOString() };
    expect((await product.api.call('PUT', '/api/v1/triggers', { ...ids, backfill: window })).status).toBe(200);
    expect((await preview({ ...ids, backfill: window })).body.conflict).toBe(true);
    await product.api.call('POST', '/api/v1/triggers/backfill/delete', ids);
  });
});
