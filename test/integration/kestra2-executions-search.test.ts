import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTickFlow, logFlow, tenMinuteWindow } from '../support/flows';
import { type TestProduct, runLabelledBackfill, startProduct, waitFor } from '../support/local';
import { ManualClock } from '../support/manual-clock';

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
    const child = await product.api.call('GET', `${SEARCH}?filters[childFilter][EQUALS]=CHILD`);
    expect(child.status).toBe(422);
    expect(child.body).toMatchObject({
      path: 'filters[childFilter][EQUALS]',
      message: expect.stringContaining('supported fields: q, scope, namespace, flowId, labels, state, startDate, endDate, timeRange, triggerId'),
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

/** A flow of two Schedule triggers whose one task fails until `<dir>/ok` exists (then a restart succeeds). */
function twoTriggerFlow(dir: string): string {
  return `id: twice
namespace: k2e
tasks:
  - id: check
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - test -f ${dir}/ok
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 6 * * *"
`;
}

describe("Kestra 2.x's executions search by trigger and end date, over HTTP", () => {
  // Time moves only between steps, so every execution of a step starts and ends at that step's instant.
  const T1 = '2026-03-02T10:00:00.000Z';
  const T2 = '2026-03-02T10:01:00.000Z';
  const T3 = '2026-03-02T10:02:00.000Z';
  const T4 = '2026-03-02T10:03:00.000Z';
  const clock = new ManualClock(T1);
  const ref = (triggerId: string) => ({ namespace: 'k2e', flowId: 'twice', triggerId });
  let product: TestProduct;
  let dir: string;
  /** hourly, started T1, failed, restarted at T4 and ended SUCCESS then. */
  let first: any[];
  /** daily, started and failed at T2. */
  let daily: any[];
  /** hourly, started and failed at T3. */
  let second: any[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k2e-'));
    product = await startProduct({ clock, workerConcurrency: 4 });
    expect((await product.api.createFlow(twoTriggerFlow(dir))).status).toBe(200);
    first = await runLabelledBackfill(product, ref('hourly'), { start: '2026-03-01T00:00:00Z', end: '2026-03-01T03:00:00Z' }, 'first');
    clock.set(T2);
    daily = await runLabelledBackfill(product, ref('daily'), { start: '2026-02-25T06:00:00Z', end: '2026-02-27T06:00:00Z' }, 'daily');
    clock.set(T3);
    second = await runLabelledBackfill(product, ref('hourly'), { start: '2026-03-01T05:00:00Z', end: '2026-03-01T06:00:00Z' }, 'second');
    expect([first.length, daily.length, second.length]).toEqual([4, 3, 2]);
    expect([...first, ...daily, ...second].map((e) => e.state.current)).toEqual(Array(9).fill('FAILED'));

    // The hourly trigger's first runs, restarted by query once the cause is fixed: they end again at T4.
    clock.set(T4);
    writeFileSync(join(dir, 'ok'), '');
    const restart = await product.api.call(
      'POST',
      '/api/v1/main/executions/restart/by-query?filters[triggerId][EQUALS]=hourly&filters[labels][EQUALS][case]=first',
    );
    expect(restart).toMatchObject({ status: 202, body: { totalItems: 4 } });
    const restarted = await waitFor(
      async () => (await everyPage(product, 'filters[namespace][EQUALS]=k2e&filters[state][EQUALS]=SUCCESS', 10)).length === 4,
      60_000,
    );
    expect(restarted).toBe(true);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.queue.idle();
    await product?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const idsOf = (executions: any[]) => executions.map((e) => e.id).sort();
  /** The executions of flow k2e.twice the filters select, read in pages of 2. */
  const selected = async (filters: string) => idsOf(await everyPage(product, `filters[namespace][EQUALS]=k2e&${filters}`, 2));

  it('has executions that started and ended when the test says', async () => {
    const all = await everyPage(product, 'filters[namespace][EQUALS]=k2e', 10);
    const dates = (executions: any[]) => [...new Set(executions.map((e) => `${e.state.startDate} ${e.state.endDate}`))];
    const byId = (ids: any[]) => all.filter((e) => idsOf(ids).includes(e.id));
    expect([dates(byId(first)), dates(byId(daily)), dates(byId(second))]).toEqual([[`${T1} ${T4}`], [`${T2} ${T2}`], [`${T3} ${T3}`]]);
  });

  it('selects by trigger id: EQUALS, IN, NOT_EQUALS, NOT_IN, STARTS_WITH, CONTAINS', async () => {
    expect(await selected('filters[triggerId][EQUALS]=hourly')).toEqual(idsOf([...first, ...second]));
    expect(await selected('filters[triggerId][IN]=daily,weekly')).toEqual(idsOf(daily));
    expect(await selected('filters[triggerId][IN]=hourly,daily')).toEqual(idsOf([...first, ...daily, ...second]));
    expect(await selected('filters[triggerId][NOT_EQUALS]=hourly')).toEqual(idsOf(daily));
    expect(await selected('filters[triggerId][NOT_IN]=hourly,daily')).toEqual([]);
    expect(await selected('filters[triggerId][STARTS_WITH]=ho')).toEqual(idsOf([...first, ...second]));
    expect(await selected('filters[triggerId][CONTAINS]=ai')).toEqual(idsOf(daily));
  });

  it('selects by end date, to the millisecond, whatever the start date', async () => {
    expect(await selected(`filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${T4}`)).toEqual(idsOf(first));
    expect(await selected(`filters[endDate][EQUALS]=${T2}`)).toEqual(idsOf(daily));
    expect(await selected(`filters[endDate][LESS_THAN_OR_EQUAL_TO]=${T3}`)).toEqual(idsOf([...daily, ...second]));
    expect(await selected(`filters[endDate][GREATER_THAN]=${T2}&filters[endDate][LESS_THAN]=${T4}`)).toEqual(idsOf(second));
    expect(await selected(`filters[endDate][LESS_THAN]=${T2}`)).toEqual([]);
    // The first runs started before T2 and ended after T3: the two ranges are not the same question.
    expect(await selected(`filters[startDate][LESS_THAN]=${T2}`)).toEqual(idsOf(first));
    expect(await selected(`filters[startDate][LESS_THAN]=${T2}&filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${T3}`)).toEqual(idsOf(first));
    expect(await selected(`filters[startDate][LESS_THAN]=${T2}&filters[endDate][LESS_THAN]=${T3}`)).toEqual([]);
  });

  it('combines them with states, labels and start dates, paging as Kestra clients do', async () => {
    expect(await selected(`filters[triggerId][EQUALS]=hourly&filters[state][IN]=FAILED&filters[endDate][LESS_THAN_OR_EQUAL_TO]=${T3}`)).toEqual(idsOf(second));
    expect(await selected('filters[triggerId][NOT_IN]=daily&filters[state][NOT_IN]=SUCCESS')).toEqual(idsOf(second));
    expect(await selected(`filters[triggerId][EQUALS]=hourly&filters[labels][EQUALS][case]=first&filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${T4}`)).toEqual(
      idsOf(first),
    );
    expect(await selected('filters[triggerId][EQUALS]=hourly&filters[labels][NOT_EQUALS][case]=first')).toEqual(idsOf(second));
    expect(await selected(`filters[triggerId][STARTS_WITH]=h&filters[startDate][GREATER_THAN_OR_EQUAL_TO]=${T2}&filters[endDate][GREATER_THAN]=${T2}`)).toEqual(
      idsOf(second),
    );
    const page = await product.api.call('GET', `${SEARCH}?filters[triggerId][IN]=hourly&filters[endDate][GREATER_THAN]=${T1}&size=4&page=2`);
    expect(page).toMatchObject({ status: 200, body: { total: 6, totalIsLowerBound: false } });
    expect(page.body.results).toHaveLength(2);
  });

  it('answers 422 naming the parameter for an operation it does not serve on them', async () => {
    const endsWith = await product.api.call('GET', `${SEARCH}?filters[triggerId][ENDS_WITH]=ly`);
    expect(endsWith).toMatchObject({
      status: 422,
      body: {
        path: 'filters[triggerId][ENDS_WITH]',
        message: expect.stringContaining('supported operations for triggerId: EQUALS, NOT_EQUALS, IN, NOT_IN, STARTS_WITH, CONTAINS'),
      },
    });
    const notEquals = await product.api.call('GET', `${SEARCH}?filters[endDate][NOT_EQUALS]=${T2}`);
    expect(notEquals).toMatchObject({ status: 422, body: { path: 'filters[endDate][NOT_EQUALS]', message: expect.stringContaining('endDate') } });
  });
});
