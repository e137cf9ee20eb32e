import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTickFlow, logFlow, tenMinuteWindow } from '../support/flows';
import { type TestProduct, runLabelledBackfill, startProduct } from '../support/local';

const ECHO = { namespace: 'k2s', flowId: 'echo', triggerId: 'schedule' };
const TEAM = { namespace: 'k2s.team', flowId: 'logs', triggerId: 'hourly' };
const SEARCH = '/api/v1/main/executions/search';

/** Every result of a 2.x search, page after page, as Kestra's clients read it: until they hold `total`. */
async function everyPage(product: TestProduct, query: string, size = 4): Promise<any[]> {
  const held: any[] = [];
  for (let page = 1; ; page++) {
    const { status, body } = await product.api.call('GET', `${SEARCH}?${query}&size=${size}&page=${page}`);
    expect(status, JSON.stringify(body)).toBe(200);
    held.push(...body.results);
    if (!body.results.length || held.length >= body.total) return held;
  }
}

describe("Kestra 2.x's executions and logs searches with filters, over HTTP", () => {
  let product: TestProduct;
  let outage: any[];
  let rerun: any[];

  beforeAll(async () => {
    product = await startProduct({ workerConcurrency: 4 });
    expect((await product.api.createFlow(echoTickFlow(ECHO.namespace, ECHO.flowId))).status).toBe(200);
    expect((await product.api.createFlow(logFlow(TEAM.namespace, TEAM.flowId, { id: TEAM.triggerId, cron: '0 * * * *' }))).status).toBe(200);
    outage = await runLabelledBackfill(product, ECHO, tenMinuteWindow(6, 10), 'outage');
    rerun = await runLabelledBackfill(product, TEAM, tenMinuteWindow(21, 10), 'rerun');
    expect(outage).toHaveLength(6);
    expect(rerun).toHaveLength(4);
  });
  afterAll(async () => {
    await product?.runtime.queue.idle();
    await product?.close();
  });

  const idsOf = (executions: any[]) => executions.map((e) => e.id).sort();

  it('selects by namespace (exactly, or it and those below it), flow and labels with a key', async () => {
    expect(idsOf(await everyPage(product, 'filters[namespace][PREFIX]=k2s'))).toEqual(idsOf([...outage, ...rerun]));
    expect(idsOf(await everyPage(product, 'filters[namespace][EQUALS]=k2s'))).toEqual(idsOf(outage));
    expect(idsOf(await everyPage(product, 'filters[namespace][PREFIX]=k2s&filters[flowId][EQUALS]=logs'))).toEqual(idsOf(rerun));
    expect(idsOf(await everyPage(product, 'filters[labels][EQUALS][case]=outage'))).toEqual(idsOf(outage));
    expect(idsOf(await everyPage(product, 'filters[namespace][STARTS_WITH]=k2s&filters[labels][NOT_EQUALS][case]=outage'))).toEqual(idsOf(rerun));
  });

  it('selects by state, with IN and NOT_IN', async () => {
    expect(await everyPage(product, 'filters[namespace][PREFIX]=k2s&filters[state][IN]=SUCCESS,WARNING')).toHaveLength(10);
    expect(await everyPage(product, 'filters[namespace][PREFIX]=k2s&filters[state][NOT_IN]=SUCCESS')).toHaveLength(0);
  });

  it('selects by start date and time range, newest first, paging as Kestra clients do', async () => {
    const all = await everyPage(product, 'filters[namespace][PREFIX]=k2s', 3);
    const startDates = all.map((e) => e.state.startDate);
    expect(startDates).toEqual([...startDates].sort().reverse());
    const pivot = startDates[4] as string;

    const since = await everyPage(product, `filters[namespace][PREFIX]=k2s&filters[startDate][GREATER_THAN_OR_EQUAL_TO]=${pivot}`);
    expect(idsOf(since)).toEqual(idsOf(all.filter((e) => e.state.startDate >= pivot)));
    const before = await everyPage(product, `filters[namespace][PREFIX]=k2s&filters[startDate][LESS_THAN]=${pivot}`);
    expect(idsOf(before)).toEqual(idsOf(all.filter((e) => e.state.startDate < pivot)));
    expect(await everyPage(product, 'filters[namespace][PREFIX]=k2s&filters[timeRange][EQUALS]=PT1H')).toHaveLength(10);
    const earliest = startDates.at(-1) as string;
    expect(await everyPage(product, `filters[namespace][PREFIX]=k2s&filters[timeRange][EQUALS]=PT1H&filters[startDate][LESS_THAN]=${earliest}`)).toHaveLength(
      0,
    );
  });

  it('finds an execution by a part of its id (q)', async () => {
    const id = outage[0].id as string;
    const found = await everyPage(product, `filters[q][EQUALS]=${encodeURIComponent(id.slice(2, 14))}`);
    expect(found.map((e) => e.id)).toEqual([id]);
  });

  it('answers 422 naming a filter it does not serve, and what it serves', async () => {
    const endDate = await product.api.call('GET', `${SEARCH}?filters[endDate][LESS_THAN]=2026-01-01T00:00:00Z`);
    expect(endDate.status).toBe(422);
    expect(endDate.body).toMatchObject({
      path: 'filters[endDate][LESS_THAN]',
      message: expect.stringContaining('supported fields: q, scope, namespace, flowId, labels, state, startDate, timeRange'),
    });
    const operation = await product.api.call('GET', `${SEARCH}?filters[state][CONTAINS]=FAIL`);
    expect(operation).toMatchObject({
      status: 422,
      body: { message: expect.stringContaining('supported operations for state: EQUALS, NOT_EQUALS, IN, NOT_IN') },
    });
  });

  it('leaves the 1.x search as it was', async () => {
    const { status, body } = await product.api.call('GET', '/api/v1/executions/search?namespace=k2s&labels=case:outage&filters[state][IN]=FAILED');
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 6, totalIsLowerBound: false });
  });

  it("pages an execution's log by level and task, with a total and a cursor", async () => {
    const id = outage[0].id as string;
    const logs = '/api/v1/main/logs/search';
    const all = await product.api.call('GET', `${logs}?filters[executionId][EQUALS]=${id}&size=1000`);
    expect(all.status).toBe(200);
    expect(all.body.results.some((line: any) => line.taskId === 'work' && /^run for /.test(line.message))).toBe(true);
    expect(all.body).toMatchObject({ total: all.body.results.length, totalIsLowerBound: false, more: false });

    const work = await product.api.call('GET', `${logs}?filters[executionId][EQUALS]=${id}&filters[taskId][EQUALS]=work&size=1`);
    expect(work.body.results).toHaveLength(1);
    expect(work.body.total).toBe(all.body.results.filter((line: any) => line.taskId === 'work').length);
    const errors = await product.api.call('GET', `${logs}?filters[executionId][EQUALS]=${id}&filters[level][EQUALS]=ERROR`);
    expect(errors.body).toMatchObject({ results: [], total: 0, more: false });

    const missing = await product.api.call('GET', `${logs}?filters[namespace][EQUALS]=k2s`);
    expect(missing).toMatchObject({
      status: 422,
      body: { path: 'filters[namespace][EQUALS]', message: expect.stringContaining('logs are kept per execution') },
    });
  });
});
