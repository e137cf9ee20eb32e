import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFlow, minuteWindow, sleepyMinuteFlow } from '../support/flows';
import { type TestProduct, startProduct } from '../support/local';

const V2 = '/api/v1/main/triggers';

describe("Kestra 2.x's triggers search and CSV export with filters, over HTTP", () => {
  let product: TestProduct;
  const window = minuteWindow(300, 3);

  beforeAll(async () => {
    product = await startProduct({ workerConcurrency: 2 });
    expect((await product.api.createFlow(sleepyMinuteFlow('k2t', 'slow'))).status).toBe(200);
    expect((await product.api.createFlow(logFlow('k2t', 'daily', { id: 'midday', cron: '0 0,12 * * *' }))).status).toBe(200);
    expect((await product.api.createFlow(logFlow('k2t.team', 'hourly', { id: 'schedule', cron: '0 * * * *' }))).status).toBe(200);
    expect((await product.api.createFlow(logFlow('k2tx', 'other', { id: 'schedule', cron: '0 * * * *' }))).status).toBe(200);
    // A backfill created and paused at once, so the export shows one in progress.
    const ref = { namespace: 'k2t', flowId: 'slow', triggerId: 'schedule' };
    expect((await product.api.call('PUT', `${V2}/backfill/create`, { ...ref, backfill: window })).status).toBe(200);
    expect((await product.api.call('PUT', `${V2}/backfill/pause`, ref)).status).toBe(200);
    expect((await product.api.call('PUT', '/api/v1/triggers', { namespace: 'k2tx', flowId: 'other', triggerId: 'schedule', disabled: true })).status).toBe(200);
  });
  afterAll(async () => {
    // A paused backfill's state machine waits for its resume: deleting the backfill ends it.
    await product?.api.call('POST', `${V2}/backfill/delete`, { namespace: 'k2t', flowId: 'slow', triggerId: 'schedule' });
    await product?.runtime.workflows.idle();
    await product?.runtime.tasksIdle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  const names = (body: any) => body.results.map(({ state }: any) => `${state.namespace}/${state.flowId}/${state.triggerId}`);

  it('answers PagedResults<ApiTriggerAndState>: the trigger as its flow defines it and its 2.x state', async () => {
    const { status, body } = await product.api.call('GET', `${V2}/search?filters[namespace][PREFIX]=k2t`);

    expect(status).toBe(200);
    expect(names(body)).toEqual(['k2t/daily/midday', 'k2t/slow/schedule', 'k2t.team/hourly/schedule']);
    expect(body.total).toBe(3);
    const slow = body.results[1];
    expect(slow.trigger).toMatchObject({ id: 'schedule', type: 'io.kestra.plugin.core.trigger.Schedule', cron: '* * * * *' });
    expect(slow.state).toMatchObject({ namespace: 'k2t', flowId: 'slow', triggerId: 'schedule', kind: 'SCHEDULE', locked: false, backfill: { paused: true } });
    expect(slow.state).not.toHaveProperty('nextExecutionDate');
  });

  it('filters, sorts and pages', async () => {
    const search = async (query: string) => (await product.api.call('GET', `${V2}/search?${query}`)).body;
    expect(names(await search('filters[namespace][STARTS_WITH]=k2t&filters[triggerId][EQUALS]=schedule&sort=namespace:desc'))).toEqual([
      'k2tx/other/schedule',
      'k2t.team/hourly/schedule',
      'k2t/slow/schedule',
    ]);
    expect(names(await search('filters[q][EQUALS]=midday'))).toEqual(['k2t/daily/midday']);
    expect(names(await search('filters[namespace][STARTS_WITH]=k2t&filters[triggerState][EQUALS]=DISABLED'))).toEqual(['k2tx/other/schedule']);
    const second = await search('filters[namespace][STARTS_WITH]=k2t&size=2&page=2');
    expect(second.total).toBe(4);
    expect(names(second)).toEqual(['k2t.team/hourly/schedule', 'k2tx/other/schedule']);
  });

  it('exports the selection as CSV, with the backfill and its progress', async () => {
    const response = await fetch(`${product.runtime.url}${V2}/export/by-query/csv?filters[namespace][EQUALS]=k2t`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, daily, slow, end] = (await response.text()).split('\r\n');
    const columns = (header as string).split(',');
    expect(columns.slice(0, 8)).toEqual(['namespace', 'flowId', 'triggerId', 'type', 'cron', 'timezone', 'disabled', 'nextEvaluationDate']);
    expect(daily).toMatch(/^k2t,daily,midday,io\.kestra\.plugin\.core\.trigger\.Schedule,"0 0,12 \* \* \*",UTC,false,\d{4}-/);
    // The paused backfill: its window, its cursor, paused, and 300 ticks in all.
    const cells = Object.fromEntries(columns.map((column, i) => [column, (slow as string).split(',')[i]]));
    expect(cells).toMatchObject({ namespace: 'k2t', flowId: 'slow', backfillPaused: 'true', backfillTotal: '300' });
    expect(Date.parse(cells.backfillStart as string)).toBe(Date.parse(window.start));
    expect(end).toBe('');
  });

  it('answers 422 for a filter it does not serve, and leaves the 1.x search as it was', async () => {
    const refused = await product.api.call('GET', `${V2}/search?filters[labels][EQUALS][case]=x`);
    expect(refused).toMatchObject({
      status: 422,
      body: { path: 'filters[labels][EQUALS][case]', message: expect.stringContaining('supported fields: q, namespace, flowId, triggerId, triggerState') },
    });
    const csv = await product.api.call('GET', `${V2}/export/by-query/csv?filters[namespace][REGEX]=k2t.*`);
    expect(csv.status).toBe(422);

    const v1 = await product.api.call('GET', '/api/v1/triggers/search?namespace=k2t');
    expect(v1.status).toBe(200);
    expect(v1.body.total).toBe(3);
    expect(v1.body.results[0]).toHaveProperty('abstractTrigger');
    expect(v1.body.results[0]).toHaveProperty('triggerContext');
  });
});
