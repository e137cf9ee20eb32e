import { beforeEach, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../lib/api/router';
import type { LogEntry } from '../../../lib/ports';
import { aBackfill, aFlow, aScheduleTrigger, aStoredExecution, aTriggerState } from '../../support/factories';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';

let deps: InMemoryDependencies;

async function get(path: string) {
  const [pathOnly = '', query = ''] = path.split('?');
  const response = await handleRequest(deps, { method: 'GET', path: pathOnly, query: new URLSearchParams(query), headers: {} });
  const json = response.headers['content-type'] === 'application/json';
  return { status: response.statusCode, headers: response.headers, body: json ? JSON.parse(response.body) : response.body };
}

const ids = (body: { results: { id: string }[] }) => body.results.map((e) => e.id);

describe('GET /api/v1/main/executions/search (Kestra 2.x filters)', () => {
  // The clock stands at 2026-03-01T12:00Z; one execution an hour before it, e0 the newest. Each ended a
  // second after it started; all by trigger hourly but e2 (daily) and e3 (none).
  const hoursAgo = (h: number) => new Date(Date.parse('2026-03-01T12:00:00.000Z') - h * 3_600_000).toISOString();
  const endOf = (h: number) => new Date(Date.parse(hoursAgo(h)) + 1000).toISOString();

  beforeEach(async () => {
    deps = inMemoryDependencies();
    const outage = [{ key: 'reason', value: 'outage' }];
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e0', createdAt: hoursAgo(0), state: 'SUCCESS', labels: outage }));
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', createdAt: hoursAgo(1), state: 'FAILED', labels: outage }));
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e2', createdAt: hoursAgo(2), state: 'KILLED', namespace: 'dev.team', triggerId: 'daily' }));
    await deps.executions.createIfAbsent(
      aStoredExecution({ id: 'e3', createdAt: hoursAgo(30), state: 'FAILED', namespace: 'devops', flowId: 'sales', triggerId: null }),
    );
    await deps.executions.createIfAbsent(
      aStoredExecution({ id: 'e4', createdAt: hoursAgo(200), state: 'SUCCESS', labels: [{ key: 'reason', value: 'rerun' }] }),
    );
  });

  it.each([
    ['', ['e0', 'e1', 'e2', 'e3', 'e4']],
    ['filters[namespace][EQUALS]=dev', ['e0', 'e1', 'e4']],
    ['filters[namespace][PREFIX]=dev', ['e0', 'e1', 'e2', 'e4']],
    ['filters[namespace][STARTS_WITH]=dev', ['e0', 'e1', 'e2', 'e3', 'e4']],
    ['filters[namespace][NOT_IN]=dev,devops', ['e2']],
    ['filters[flowId][EQUALS]=sales', ['e3']],
    ['filters[namespace][PREFIX]=dev&filters[flowId][NOT_EQUALS]=sales&filters[namespace][NOT_EQUALS]=dev', ['e2']],
    ['filters[labels][EQUALS][reason]=outage', ['e0', 'e1']],
    ['filters[labels][EQUALS]=reason:outage', ['e0', 'e1']],
    ['filters[labels][NOT_EQUALS][reason]=outage', ['e2', 'e3', 'e4']],
    ['filters[state][IN]=FAILED,KILLED', ['e1', 'e2', 'e3']],
    ['filters[state][NOT_IN]=FAILED,KILLED', ['e0', 'e4']],
    ['filters[state][EQUALS]=FAILED', ['e1', 'e3']],
    ['filters[state][NOT_EQUALS]=FAILED', ['e0', 'e2', 'e4']],
    ['filters[state][IN]=FAILED,QUEUED&filters[state][NOT_EQUALS]=SUCCESS', ['e1', 'e3']],
    [`filters[startDate][GREATER_THAN_OR_EQUAL_TO]=${hoursAgo(2)}`, ['e0', 'e1', 'e2']],
    [`filters[startDate][GREATER_THAN]=${hoursAgo(2)}`, ['e0', 'e1']],
    [`filters[startDate][LESS_THAN]=${hoursAgo(2)}`, ['e3', 'e4']],
    [`filters[startDate][LESS_THAN_OR_EQUAL_TO]=${hoursAgo(2)}`, ['e2', 'e3', 'e4']],
    [`filters[startDate][EQUALS]=${hoursAgo(1)}`, ['e1']],
    ['filters[startDate][GREATER_THAN]=2026-03-01T11:00:00%2B01:00', ['e0', 'e1']],
    ['filters[timeRange][EQUALS]=PT24H', ['e0', 'e1', 'e2']],
    ['filters[timeRange][EQUALS]=P2D&filters[state][EQUALS]=FAILED', ['e1', 'e3']],
    ['filters[q][EQUALS]=3', ['e3']],
    ['filters[triggerId][EQUALS]=hourly', ['e0', 'e1', 'e4']],
    ['filters[triggerId][IN]=daily,nope', ['e2']],
    ['filters[triggerId][NOT_EQUALS]=hourly', ['e2', 'e3']],
    ['filters[triggerId][NOT_IN]=hourly,daily', ['e3']],
    ['filters[triggerId][STARTS_WITH]=da', ['e2']],
    ['filters[triggerId][CONTAINS]=our&filters[state][EQUALS]=FAILED', ['e1']],
    [`filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${hoursAgo(2)}`, ['e0', 'e1', 'e2']],
    [`filters[endDate][LESS_THAN]=${hoursAgo(2)}`, ['e3', 'e4']],
    [`filters[endDate][EQUALS]=${endOf(1)}`, ['e1']],
    [`filters[endDate][GREATER_THAN]=${endOf(1)}`, ['e0']],
    [`filters[endDate][LESS_THAN_OR_EQUAL_TO]=${endOf(1)}`, ['e1', 'e2', 'e3', 'e4']],
    [`filters[endDate][GREATER_THAN]=${endOf(1)}&filters[endDate][LESS_THAN]=${endOf(1)}`, []],
    [
      `filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${hoursAgo(31)}&filters[triggerId][NOT_EQUALS]=hourly&filters[labels][NOT_EQUALS][reason]=outage`,
      ['e2', 'e3'],
    ],
    [`filters[endDate][LESS_THAN]=${hoursAgo(1)}&filters[startDate][GREATER_THAN]=${hoursAgo(100)}&filters[namespace][PREFIX]=dev`, ['e2']],
    ['filters[scope][EQUALS]=USER', ['e0', 'e1', 'e2', 'e3', 'e4']],
    ['filters[scope][EQUALS]=SYSTEM', []],
    ['filters[state][IN]=QUEUED,PAUSED', []],
    [`filters[startDate][GREATER_THAN]=${hoursAgo(1)}&filters[startDate][LESS_THAN]=${hoursAgo(1)}`, []],
    // The 1.x parameters these paths took under /api/v1/main keep their meaning.
    ['namespace=dev&state=FAILED', ['e1']],
    ['labels=reason:rerun&filters[namespace][EQUALS]=dev', ['e4']],
  ])('%s', async (query, expected) => {
    const { status, body } = await get(`/api/v1/main/executions/search?${query}`);

    expect(status).toBe(200);
    expect(ids(body)).toEqual(expected);
    expect(body).toMatchObject({ total: expected.length, totalIsLowerBound: false });
  });

  it('never takes an unfinished execution into an end date range', async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'running', createdAt: hoursAgo(0.5), state: 'RUNNING' }));

    const { body } = await get('/api/v1/main/executions/search?filters[endDate][GREATER_THAN]=1970-01-01T00:00:00Z&filters[triggerId][EQUALS]=hourly');
    expect(ids(body)).toEqual(['e0', 'e1', 'e4']);
    expect(ids((await get('/api/v1/main/executions/search?filters[triggerId][EQUALS]=hourly')).body)).toContain('running');
  });

  it('pages by 10 by default, newest first, the only order it serves', async () => {
    for (let i = 0; i < 12; i++)
      await deps.executions.createIfAbsent(aStoredExecution({ id: `x${String(i).padStart(2, '0')}`, createdAt: hoursAgo(-1 - i / 60) }));

    const first = await get('/api/v1/main/executions/search?sort=state.startDate:desc');
    expect(first.body.results).toHaveLength(10);
    expect(first.body.total).toBe(17);
    expect(ids((await get('/api/v1/main/executions/search?page=2&size=10')).body)).toEqual(['x01', 'x00', 'e0', 'e1', 'e2', 'e3', 'e4']);
  });

  it.each([
    [
      'filters[triggerId][ENDS_WITH]=ly',
      'filters[triggerId][ENDS_WITH]',
      'operation ENDS_WITH is not supported for field triggerId by the executions search; supported operations for triggerId: EQUALS, NOT_EQUALS, IN, NOT_IN, STARTS_WITH, CONTAINS',
    ],
    [
      'filters[endDate][NOT_EQUALS]=2026-03-01T00:00:00Z',
      'filters[endDate][NOT_EQUALS]',
      'supported operations for endDate: GREATER_THAN, GREATER_THAN_OR_EQUAL_TO, LESS_THAN, LESS_THAN_OR_EQUAL_TO, EQUALS',
    ],
    ['filters[endDate][LESS_THAN]=yesterday', 'filters[endDate][LESS_THAN]', '"yesterday" is not an ISO-8601 date-time with an offset'],
    ['filters[triggerId][IN]=,', 'filters[triggerId][IN]', 'expected a comma-separated list of values, got none'],
    [
      `filters[triggerId][IN]=${Array.from({ length: 60 }, (_, i) => `t${i}`).join(',')}&filters[triggerId][NOT_IN]=${Array.from({ length: 41 }, (_, i) => `u${i}`).join(',')}`,
      'filters[triggerId][NOT_IN]',
      'expected at most 100 trigger ids in all the triggerId filters',
    ],
    [
      'filters[triggerExecutionId][EQUALS]=x',
      'filters[triggerExecutionId][EQUALS]',
      'field triggerExecutionId is not supported by the executions search: no execution here is started by another',
    ],
    ['filters[state][STARTS_WITH]=F', 'filters[state][STARTS_WITH]', 'supported operations for state: EQUALS, NOT_EQUALS, IN, NOT_IN'],
    ['filters[state][IN]=FAILED,BROKEN', 'filters[state][IN]', 'unknown state "BROKEN"; expected one of CREATED, SUBMITTED'],
    ['filters[startDate][GREATER_THAN]=yesterday', 'filters[startDate][GREATER_THAN]', '"yesterday" is not an ISO-8601 date-time with an offset'],
    ['filters[timeRange][EQUALS]=a week', 'filters[timeRange][EQUALS]', 'invalid duration "a week"'],
    ['filters[labels][EQUALS]=outage', 'filters[labels][EQUALS]', "expected the label's key in a third bracket"],
    ['filters[scope][EQUALS]=ALL', 'filters[scope][EQUALS]', 'expected USER or SYSTEM, got "ALL"'],
    ['filters[q][EQUALS]=a&filters[q][EQUALS]=b', 'filters[q][EQUALS]', 'expected one q filter'],
    ['sort=state.startDate:asc', 'sort', 'cannot sort by "state.startDate:asc" (executions are read newest first'],
    ['page=10001', 'page', 'expected page × size at most 100,000'],
  ])('answers 422 naming the parameter for %s', async (query, path, message) => {
    const { status, body } = await get(`/api/v1/main/executions/search?${query}`);

    expect(status).toBe(422);
    expect(body.path).toBe(path);
    expect(body.message).toContain(message);
  });

  it('leaves the 1.x route as it was: its own parameters, its page size, no filters read', async () => {
    const { status, body } = await get('/api/v1/executions/search?namespace=dev&filters[state][EQUALS]=FAILED');

    expect(status).toBe(200);
    expect(ids(body)).toEqual(['e0', 'e1', 'e4']);
  });
});

describe('GET /api/v1/main/logs/search (Kestra 2.x filters)', () => {
  const line = (i: number, level: LogEntry['level'], taskId?: string): { seq: number; entry: LogEntry } => ({
    seq: 1_000_000 + i,
    entry: {
      namespace: 'dev',
      flowId: 'reports',
      executionId: 'e1',
      timestamp: '2026-03-01T12:00:00.000Z',
      level,
      message: `line ${i}`,
      ...(taskId ? { taskId } : {}),
    },
  });
  const messages = (body: { results: LogEntry[] }) => body.results.map((entry) => entry.message);

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'FAILED' }));
    await deps.logs.append([line(0, 'DEBUG', 'build'), line(1, 'INFO', 'build'), line(2, 'WARN', 'test'), line(3, 'ERROR', 'test'), line(4, 'ERROR')]);
  });

  it('answers a page of the lines that match, how many match, and where to read on', async () => {
    const { status, body } = await get('/api/v1/main/logs/search?filters[executionId][EQUALS]=e1&filters[level][EQUALS]=WARN&size=2');

    expect(status).toBe(200);
    expect(body).toEqual({
      results: [line(2, 'WARN', 'test').entry, line(3, 'ERROR', 'test').entry],
      type: 'OFFSET',
      total: 3,
      totalIsLowerBound: false,
      nextCursor: '1000003',
      more: true,
    });
    const next = await get(`/api/v1/main/logs/search?filters[executionId][EQUALS]=e1&filters[level][EQUALS]=WARN&size=2&cursor=${body.nextCursor}`);
    expect(next.body).toMatchObject({ type: 'CURSOR', total: 1, nextCursor: '1000004', more: false });
    expect(messages(next.body)).toEqual(['line 4']);
  });

  it.each([
    ['filters[level][EQUALS]=info', ['line 1', 'line 2', 'line 3', 'line 4']],
    ['filters[taskId][EQUALS]=test', ['line 2', 'line 3']],
    ['filters[taskId][NOT_IN]=build,test', ['line 4']],
    ['filters[taskId][IN]=build&filters[level][EQUALS]=INFO', ['line 1']],
    ['page=2&size=2', ['line 2', 'line 3']],
  ])('%s', async (query, expected) => {
    const { body } = await get(`/api/v1/main/logs/search?filters[executionId][EQUALS]=e1&${query}`);

    expect(messages(body)).toEqual(expected);
  });

  it('still reads the 1.x form these paths took: executionId and cursor', async () => {
    const { body } = await get('/api/v1/main/logs/search?executionId=e1&cursor=1000002');

    expect(messages(body)).toEqual(['line 3', 'line 4']);
    expect(body).toMatchObject({ nextCursor: '1000004', more: false });
  });

  it('reads a bounded number of lines, then says the total is a lower bound and where to read on', async () => {
    await deps.logs.append(Array.from({ length: 20_000 }, (_, i) => line(10 + i, 'DEBUG')));

    const { body } = await get('/api/v1/main/logs/search?filters[executionId][EQUALS]=e1&filters[level][EQUALS]=WARN&size=10');

    expect(messages(body)).toEqual(['line 2', 'line 3', 'line 4']);
    expect(body).toMatchObject({ total: 3, totalIsLowerBound: true, more: true, nextCursor: String(1_000_010 + 19_994) });
  });

  it.each([
    ['', 'filters[executionId][EQUALS]', 'expected the id of the execution whose log to read'],
    ['filters[namespace][EQUALS]=dev', 'filters[namespace][EQUALS]', 'logs are kept per execution'],
    ['filters[executionId][EQUALS]=e1&filters[level][EQUALS]=LOUD', 'filters[level][EQUALS]', 'expected one of TRACE, DEBUG, INFO, WARN, ERROR'],
    ['filters[executionId][EQUALS]=e1&executionId=e2', 'executionId', 'names execution e2 while filters[executionId][EQUALS] names e1'],
    ['filters[executionId][EQUALS]=e1&page=3&size=10000', 'size', 'expected an integer from 1 to 1000'],
    ['filters[executionId][EQUALS]=e1&page=21&size=1000', 'page', 'expected page × size at most 20,000'],
  ])('answers 422 for %s', async (query, path, message) => {
    const { status, body } = await get(`/api/v1/main/logs/search?${query}`);

    expect(status).toBe(422);
    expect(body.path).toBe(path);
    expect(body.message).toContain(message);
  });

  it('answers 404 for an unknown execution', async () => {
    expect((await get('/api/v1/main/logs/search?filters[executionId][EQUALS]=nope')).status).toBe(404);
  });
});

describe('GET /api/v1/main/triggers/search and /triggers/export/by-query/csv (Kestra 2.x filters)', () => {
  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.flows.create(aFlow({ triggers: [aScheduleTrigger(), aScheduleTrigger({ id: 'daily', cron: '0 0,12 * * *' })] }));
    await deps.flows.create(aFlow({ namespace: 'dev.team', id: 'sales', triggers: [aScheduleTrigger()] }));
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.triggers.createIfAbsent(aTriggerState({ triggerId: 'daily', nextExecutionDate: '2026-03-02T00:00:00Z', disabled: true }));
    await deps.triggers.createIfAbsent(aTriggerState({ namespace: 'dev.team', flowId: 'sales', nextExecutionDate: '2026-03-01T12:30:00Z' }));
  });
  const names = (body: { results: { state: { namespace: string; flowId: string; triggerId: string } }[] }) =>
    body.results.map(({ state }) => `${state.namespace}/${state.flowId}/${state.triggerId}`);

  it('answers PagedResults<ApiTriggerAndState>: each trigger as its flow defines it beside its 2.x state', async () => {
    const { status, body } = await get('/api/v1/main/triggers/search?filters[triggerId][EQUALS]=daily');

    expect(status).toBe(200);
    expect(body).toEqual({
      total: 1,
      results: [
        {
          trigger: expect.objectContaining({ id: 'daily', type: 'io.kestra.plugin.core.trigger.Schedule', cron: '0 0,12 * * *' }),
          state: expect.objectContaining({ namespace: 'dev', flowId: 'reports', triggerId: 'daily', disabled: true, kind: 'SCHEDULE', locked: false }),
        },
      ],
    });
  });

  it.each([
    ['', ['dev/reports/daily', 'dev/reports/hourly', 'dev.team/sales/hourly']],
    ['filters[namespace][EQUALS]=dev', ['dev/reports/daily', 'dev/reports/hourly']],
    ['filters[namespace][PREFIX]=dev&filters[triggerId][EQUALS]=hourly', ['dev/reports/hourly', 'dev.team/sales/hourly']],
    ['filters[q][EQUALS]=SALES', ['dev.team/sales/hourly']],
    ['filters[triggerState][EQUALS]=ENABLED', ['dev/reports/hourly', 'dev.team/sales/hourly']],
    ['namespace=dev.team', ['dev.team/sales/hourly']],
    ['sort=nextEvaluationDate:asc', ['dev.team/sales/hourly', 'dev/reports/hourly', 'dev/reports/daily']],
    ['sort=triggerId:desc&sort=namespace:desc', ['dev.team/sales/hourly', 'dev/reports/hourly', 'dev/reports/daily']],
    ['size=1&page=2', ['dev/reports/hourly']],
  ])('%s', async (query, expected) => {
    const { body } = await get(`/api/v1/main/triggers/search?${query}`);

    expect(names(body)).toEqual(expected);
    expect(body.total).toBe(query.startsWith('size=1') ? 3 : expected.length);
  });

  it.each([
    ['filters[labels][EQUALS][a]=b', 'filters[labels][EQUALS][a]', 'field labels is not supported by the triggers search'],
    ['filters[namespace][REGEX]=d.*', 'filters[namespace][REGEX]', 'operation REGEX is not supported for field namespace'],
    ['sort=cron:asc', 'sort', 'cannot sort by "cron:asc"'],
  ])('answers 422 for %s', async (query, path, message) => {
    const { status, body } = await get(`/api/v1/main/triggers/search?${query}`);

    expect(status).toBe(422);
    expect(body.path).toBe(path);
    expect(body.message).toContain(message);
  });

  it('exports the selected triggers as CSV: a header row, RFC 4180 quoting, the backfill and its progress', async () => {
    const row = await deps.triggers.get({ namespace: 'dev', flowId: 'reports', triggerId: 'hourly' });
    await deps.triggers.startBackfill(
      row!,
      aBackfill({ start: '2026-02-01T00:00:00Z', end: '2026-02-01T09:00:00Z', totalTicks: 10 }),
      '2026-03-01T12:00:00.000Z',
    );

    const { status, headers, body } = await get('/api/v1/main/triggers/export/by-query/csv?filters[namespace][EQUALS]=dev');

    expect(status).toBe(200);
    expect(headers).toMatchObject({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="triggers.csv"' });
    const [header, daily, hourly, end] = (body as string).split('\r\n');
    expect(header).toBe(
      'namespace,flowId,triggerId,type,cron,timezone,disabled,nextEvaluationDate,lastTriggeredDate,updatedAt,backfillStart,backfillEnd,backfillCurrentDate,backfillPaused,backfillTotal,backfillDispatched,backfillQueued,backfillRunning,backfillSucceeded,backfillFailed,backfillSkipped,lastBackfillOutcome,lastBackfillEndedDate',
    );
    expect(daily).toBe('dev,reports,daily,io.kestra.plugin.core.trigger.Schedule,"0 0,12 * * *",UTC,true,,,2026-03-01T12:00:00.000Z,,,,,,,,,,,,,');
    expect(hourly).toMatch(
      /^dev,reports,hourly,io\.kestra\.plugin\.core\.trigger\.Schedule,0 \* \* \* \*,UTC,false,2026-02-01T00:00:00Z,,2026-03-01T12:00:00\.000Z,2026-02-01T00:00:00Z,2026-02-01T09:00:00Z,2026-02-01T00:00:00Z,false,10,0,0,0,0,0,0,,$/,
    );
    expect(end).toBe('');
  });

  it('exports only a header when nothing is selected, and refuses filters it does not serve', async () => {
    expect((await get('/api/v1/main/triggers/export/by-query/csv?filters[namespace][EQUALS]=nope')).body).toMatch(
      /^namespace,flowId,.*lastBackfillEndedDate\r\n$/,
    );
    expect((await get('/api/v1/main/triggers/export/by-query/csv?filters[state][EQUALS]=FAILED')).status).toBe(422);
  });
});
