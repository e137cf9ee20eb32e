import { beforeEach, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../../lib/api/http';
import { handleRequest } from '../../../lib/api/router';
import { transition } from '../../../lib/domain/execution';
import type { LogEntry } from '../../../lib/ports';
import { aStoredExecution, aLogEntry } from '../../support/factories';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';

const V2 = '/api/v1/main';

let deps: InMemoryDependencies;

function get(path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  const [pathOnly = '', query = ''] = path.split('?');
  return handleRequest(deps, { method: 'GET', path: pathOnly, query: new URLSearchParams(query), headers });
}

/** A streamed answer as a transport reads it, within `maxMs`: its events, each as `<id or event name> <data>`. */
async function events(response: HttpResponse, maxMs = 60_000): Promise<string[]> {
  expect(response.headers['content-type']).toBe('text/event-stream');
  if (!response.stream) throw new Error('not a streamed answer');
  let text = '';
  for await (const chunk of response.stream({ maxMs })) text += chunk;
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const fields = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      return `${fields.event ?? fields.id ?? 'comment'} ${fields.data ?? ''}`.trim();
    });
}

beforeEach(async () => {
  deps = inMemoryDependencies();
  await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'SUCCESS', labels: [{ key: 'reason', value: 'outage' }] }));
  await deps.logs.append([
    { seq: 1_000_000, entry: aLogEntry('one') },
    { seq: 1_000_001, entry: aLogEntry('two') },
  ]);
});

describe('GET /api/v1/{tenant}/executions/{executionId} (Kestra 2.x)', () => {
  it("answers Kestra 2.x's ApiExecution, with every required field", async () => {
    const response = await get(`${V2}/executions/e1`);

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      tenantId: 'main',
      id: 'e1',
      namespace: 'dev',
      flowId: 'reports',
      flowRevision: 1,
      originalId: 'e1',
      deleted: false,
      metadata: { originalCreatedDate: '2026-03-01T12:00:00.000Z', attemptNumber: 1 },
      state: { current: 'SUCCESS', histories: [{ state: 'CREATED' }, { state: 'RUNNING' }, { state: 'SUCCESS' }], duration: 'PT1S' },
      labels: [{ key: 'reason', value: 'outage' }],
      trigger: { id: 'hourly', type: 'io.kestra.plugin.core.trigger.Schedule' },
      taskRunList: [],
    });
  });

  it('is the document the 1.x route answers, with its tenant', async () => {
    expect(JSON.parse((await get(`${V2}/executions/e1`)).body)).toEqual({ tenantId: 'main', ...JSON.parse((await get('/api/v1/executions/e1')).body) });
  });

  it('answers 404 naming the execution', async () => {
    const response = await get(`${V2}/executions/nope`);

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toEqual({ message: 'Execution nope not found' });
  });

  it('answers 404 under another tenant', async () => {
    expect((await get('/api/v1/acme/executions/e1')).statusCode).toBe(404);
  });

  it("leaves a tenant's executions/search and logs/search to the 1.x searches, more literal than {executionId}", async () => {
    const search = await get(`${V2}/executions/search?namespace=dev&flowId=reports`);
    expect(search.statusCode).toBe(200);
    expect(JSON.parse(search.body).results.map((e: { id: string }) => e.id)).toEqual(['e1']);

    const logs = await get(`${V2}/logs/search?executionId=e1`);
    expect(logs.statusCode).toBe(200);
    expect(JSON.parse(logs.body).results.map((l: LogEntry) => l.message)).toEqual(['one', 'two']);
  });
});

describe('GET /api/v1/{tenant}/logs/{executionId} and …/download (Kestra 2.x)', () => {
  it('answer as the 1.x routes do', async () => {
    for (const path of ['/logs/e1', '/logs/e1/download', '/logs/e1/download?cursor=1000000']) {
      const [v2, v1] = [await get(`${V2}${path}`), await get(`/api/v1${path}`)];
      expect(v2.statusCode, path).toBe(200);
      expect({ headers: v2.headers, body: v2.body }, path).toEqual({ headers: v1.headers, body: v1.body });
    }
  });

  it('answer 404 naming the execution, and 422 (not 1.x’s 400) for a malformed cursor', async () => {
    expect(JSON.parse((await get(`${V2}/logs/nope`)).body)).toEqual({ message: 'Execution nope not found' });
    expect((await get(`${V2}/logs/nope/download`)).statusCode).toBe(404);

    const bad = await get(`${V2}/logs/e1/download?cursor=soon`);
    expect(bad.statusCode).toBe(422);
    expect(JSON.parse(bad.body)).toMatchObject({ path: 'cursor', message: expect.stringContaining('"soon"') });
    expect((await get('/api/v1/logs/e1/download?cursor=soon')).statusCode).toBe(400);
  });
});

describe('GET /api/v1/{tenant}/executions/{executionId}/follow (Kestra 2.x)', () => {
  it("streams Kestra's events: start, then end at once for an execution that has ended", async () => {
    const response = await get(`${V2}/executions/e1/follow`);

    expect(response.statusCode).toBe(200);
    const seen = await events(response);
    expect(seen).toEqual(['start {"id":"e1"}', expect.stringMatching(/^end \{.*"current":"SUCCESS"/)]);
    expect(JSON.parse(seen[1]!.slice('end '.length))).toMatchObject({ originalId: 'e1', deleted: false, metadata: { attemptNumber: 1 } });
  });

  it('follows a running execution until its window closes, ending with reconnect', async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e2', state: 'RUNNING' }));

    const seen = await events(await get(`${V2}/executions/e2/follow`), 20_000);

    expect(seen.map((e) => e.split(' ')[0])).toEqual(['start', 'progress', 'comment', 'reconnect']);
  });

  it('answers 404 naming the execution before any stream', async () => {
    const response = await get(`${V2}/executions/nope/follow`);

    expect(response.statusCode).toBe(404);
    expect(response.stream).toBeUndefined();
    expect(JSON.parse(response.body)).toEqual({ message: 'Execution nope not found' });
  });

  it('answers 204 to an EventSource reconnecting after `end`, which stops it for good', async () => {
    const response = await get(`${V2}/executions/e1/follow`, { 'last-event-id': 'end' });

    expect(response.statusCode).toBe(204);
    expect(response.stream).toBeUndefined();
  });
});

describe('GET /api/v1/{tenant}/logs/{executionId}/follow (Kestra 2.x)', () => {
  it('streams every line, then end once the execution has ended', async () => {
    const seen = await events(await get(`${V2}/logs/e1/follow`));

    expect(seen).toEqual([
      'start {"namespace":"dev","flowId":"reports","executionId":"e1"}',
      `progress ${JSON.stringify(aLogEntry('one'))}`,
      `progress ${JSON.stringify(aLogEntry('two'))}`,
      'end {"namespace":"dev","flowId":"reports","executionId":"e1"}',
    ]);
  });

  it('goes on after the cursor an EventSource sends back as Last-Event-ID, or after ?cursor=', async () => {
    const resumed = await events(await get(`${V2}/logs/e1/follow`, { 'last-event-id': '1000000' }));
    expect(resumed.filter((e) => e.startsWith('progress'))).toEqual([`progress ${JSON.stringify(aLogEntry('two'))}`]);

    const asked = await events(await get(`${V2}/logs/e1/follow?cursor=1000001`));
    expect(asked.filter((e) => e.startsWith('progress'))).toEqual([]);

    // Kestra's own ids (`progress`, after a dropped connection) say nothing of where to go on: from the start.
    const fresh = await events(await get(`${V2}/logs/e1/follow`, { 'last-event-id': 'progress' }));
    expect(fresh.filter((e) => e.startsWith('progress'))).toHaveLength(2);
  });

  it('ends a window before the execution ends with reconnect from the last line sent', async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e2', state: 'RUNNING' }));
    await deps.logs.append([{ seq: 1_000_000, entry: { ...aLogEntry('running'), executionId: 'e2' } }]);

    const seen = await events(await get(`${V2}/logs/e2/follow`), 5000);

    expect(seen.at(-1)).toMatch(/^reconnect \{.*"cursor":"1000000"/);
  });

  it('answers 404 naming the execution, 422 for a malformed cursor, 204 after end', async () => {
    expect(JSON.parse((await get(`${V2}/logs/nope/follow`)).body)).toEqual({ message: 'Execution nope not found' });
    expect((await get(`${V2}/logs/e1/follow?cursor=-1`)).statusCode).toBe(422);
    expect((await get(`${V2}/logs/e1/follow`, { 'last-event-id': 'end' })).statusCode).toBe(204);
  });

  it('streams what a worker writes while it is followed', async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e2' }));
    const claimed = await deps.executions.claim('e2', 'lease', deps.clock.now().getTime() + 60_000, deps.clock.now());
    if (claimed.outcome !== 'CLAIMED') throw new Error('not claimed');
    const response = await get(`${V2}/logs/e2/follow`);
    const stream = response.stream!({ maxMs: 60_000 })[Symbol.asyncIterator]();

    expect((await stream.next()).value).toContain('id: start');
    await deps.logs.append([{ seq: 1_000_000, entry: { ...aLogEntry('late'), executionId: 'e2' } }]);
    expect((await stream.next()).value).toContain('"message":"late"');
    const execution = claimed.stored.execution;
    await deps.executions.finish({ ...claimed.stored, execution: { ...execution, state: transition(execution.state, 'SUCCESS', deps.clock.now()) } }, 'lease');
    expect((await stream.next()).value).toContain('id: end');
    expect((await stream.next()).done).toBe(true);
  });
});

describe('the execution actions (kill, restart, replay) under /api/v1/{tenant}', () => {
  const call = (method: string, path: string, body?: unknown) => {
    const [pathOnly = '', query = ''] = path.split('?');
    return handleRequest(deps, {
      method,
      path: pathOnly,
      query: new URLSearchParams(query),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  const bodyOf = (response: HttpResponse) => JSON.parse(response.body);

  it('kills a running execution: 200 KILLING with its tenant, and GET shows it KILLING until its worker ends it', async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'run' }));
    const now = deps.clock.now();
    await deps.executions.claim('run', 'worker', now.getTime() + 60_000, now);

    const killed = await call('DELETE', `${V2}/executions/run/actions/kill`);

    expect(killed.statusCode).toBe(200);
    expect(bodyOf(killed)).toMatchObject({ id: 'run', tenantId: 'main', state: { current: 'KILLING' } });
    expect(bodyOf(await get(`${V2}/executions/run`)).state.current).toBe('KILLING');
    expect(bodyOf(await get('/api/v1/executions/run')).state.current).toBe('KILLING');
  });

  it('answers 2.x statuses: 409 killing or replaying what cannot be, 404 naming the execution', async () => {
    expect(await call('DELETE', `${V2}/executions/e1/actions/kill`)).toMatchObject({ statusCode: 409 });
    expect(bodyOf(await call('POST', `${V2}/executions/e1/restart`))).toEqual({
      message: 'Execution e1 is SUCCESS: only FAILED or KILLED executions can be restarted',
    });
    expect(await call('POST', `${V2}/executions/nope/replay`)).toMatchObject({
      statusCode: 404,
      body: JSON.stringify({ message: 'Execution nope not found' }),
    });
  });

  it('refuses a by-ids body that is not a list of ids, or a by-query filter it does not serve, with a 422 naming it; nothing recorded', async () => {
    const notAList = await call('DELETE', `${V2}/executions/kill/by-ids`, { ids: ['e1'] });
    const emptyId = await call('POST', `${V2}/executions/restart/by-ids`, ['e1', '']);
    const unknownFilter = await call('POST', `${V2}/executions/replay/by-query?filters[triggerId][ENDS_WITH]=ly`);

    expect(notAList.statusCode).toBe(422);
    expect(bodyOf(notAList).message).toContain('expected a JSON array of execution ids');
    expect(emptyId.statusCode).toBe(422);
    expect(bodyOf(emptyId)).toEqual({ message: '[1]: expected an execution id, got ""', path: '[1]' });
    expect(unknownFilter.statusCode).toBe(422);
    expect(bodyOf(unknownFilter)).toMatchObject({ path: 'filters[triggerId][ENDS_WITH]', message: expect.stringContaining('triggerId') });
    expect(deps.operationQueue.sent).toEqual([]);
  });

  it('selects by query only the executions an action takes: a replay the ended ones, a kill the unfinished ones', async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'waiting' }));

    const replay = await call('POST', `${V2}/executions/replay/by-query?filters[namespace][EQUALS]=dev`);
    const kill = await call('DELETE', `${V2}/executions/kill/by-query?filters[namespace][EQUALS]=dev&filters[state][IN]=SUCCESS,CREATED`);
    const restart = await call('POST', `${V2}/executions/restart/by-query?filters[namespace][EQUALS]=dev`);

    expect([replay, kill, restart].map((r) => [r.statusCode, bodyOf(r).totalItems])).toEqual([
      [202, 1],
      [202, 1],
      [202, 0],
    ]);
    expect(await deps.operations.part(bodyOf(replay).operationId, 0)).toEqual([{ executionId: 'e1' }]);
    expect(await deps.operations.part(bodyOf(kill).operationId, 0)).toEqual([{ executionId: 'waiting' }]);
  });

  it("selects by a trigger and an end date range: a backfill user's replay of one trigger's runs that ended in an outage", async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'daily', state: 'FAILED', triggerId: 'daily' }));
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'early', state: 'FAILED', createdAt: '2026-03-01T10:00:00.000Z' }));
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'late', state: 'FAILED', createdAt: '2026-03-01T11:30:00.000Z' }));
    const window = 'filters[endDate][GREATER_THAN_OR_EQUAL_TO]=2026-03-01T11:00:00Z&filters[endDate][LESS_THAN]=2026-03-01T12:00:00Z';

    const replay = await call('POST', `${V2}/executions/replay/by-query?filters[triggerId][EQUALS]=hourly&${window}`);

    expect([replay.statusCode, bodyOf(replay).totalItems]).toEqual([202, 1]);
    expect(await deps.operations.part(bodyOf(replay).operationId, 0)).toEqual([{ executionId: 'late' }]);
  });
});
