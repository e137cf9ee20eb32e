import { beforeEach, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../lib/api/router';
import { aFlow, aScheduleTrigger, aTriggerState } from '../../support/factories';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';

const REF = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const WINDOW = { start: '2026-02-01T00:00:00Z', end: '2026-02-01T09:00:00Z' };

let deps: InMemoryDependencies;

async function call(method: string, path: string, body?: unknown, query = '') {
  const response = await handleRequest(deps, {
    method,
    path,
    query: new URLSearchParams(query),
    headers: {},
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}

const create = (body: unknown, tenant = 'main') => call('PUT', `/api/v1/${tenant}/triggers/backfill/create`, body);

beforeEach(async () => {
  deps = inMemoryDependencies();
  await deps.flows.create(aFlow({ triggers: [aScheduleTrigger(), aScheduleTrigger({ id: 'daily', cron: '0 0 * * *' })] }));
  await deps.triggers.createIfAbsent(aTriggerState());
  // `daily` fired its midnight tick: the row records when (1.x's `date`).
  const daily = aTriggerState({ triggerId: 'daily', nextExecutionDate: '2026-03-01T00:00:00Z' });
  await deps.triggers.createIfAbsent(daily);
  await deps.triggers.advanceSchedule(daily, '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z', daily.updatedDate);
});

describe('PUT /api/v1/{tenant}/triggers/backfill/create (Kestra 2.x)', () => {
  it("starts the backfill and answers Kestra 2.x's ApiTriggerState, with our extensions as extra fields", async () => {
    const { status, body } = await create({ ...REF, backfill: { ...WINDOW, labels: [{ key: 'reason', value: 'outage' }] } });

    expect(status).toBe(200);
    expect(body).toEqual({
      ...REF,
      updatedAt: '2026-03-01T12:00:00.000Z',
      nextEvaluationDate: WINDOW.start,
      // Ours: the live schedule's next tick, which the backfill's cursor hides from nextEvaluationDate.
      liveNextEvaluationDate: '2026-03-01T13:00:00Z',
      backfill: expect.objectContaining({
        ...WINDOW,
        currentDate: WINDOW.start,
        paused: false,
        labels: [{ key: 'reason', value: 'outage' }],
        previousNextExecutionDate: '2026-03-01T13:00:00Z',
        reprocess: 'ALL',
        order: 'OLDEST_FIRST',
        stateMachineExecutionName: expect.any(String),
        progress: { total: 10, dispatched: 0, queued: 0, running: 0, succeeded: 0, failed: 0, killed: 0, skipped: 0, rate: null, eta: null },
      }),
      // Ours: every active backfill (here the one).
      backfills: [expect.objectContaining({ id: body.backfill.id, ...WINDOW })],
      disabled: false,
      locked: false,
      kind: 'SCHEDULE',
    });
    expect(deps.workflows.started).toHaveLength(1);
    expect((await deps.triggers.get(REF))?.backfill?.totalTicks).toBe(10);
  });

  it('answers 409 naming the active backfill a window overlaps, and keeps the first one', async () => {
    await create({ ...REF, backfill: WINDOW });
    const first = (await deps.triggers.get(REF))?.backfill?.id;

    const { status, body } = await create({ ...REF, backfill: WINDOW });

    expect(status).toBe(409);
    expect(body.message).toMatch(
      new RegExp(`^Backfill ${first} is already active on trigger hourly of flow dev\\.reports over .*, which overlaps this window`),
    );
    expect((await deps.triggers.get(REF))?.backfills.map((b) => b.id)).toEqual([first]);
  });

  it.each([
    ['a missing start', { ...REF, backfill: { end: WINDOW.end } }, 'backfill.start'],
    ['an end before the start', { ...REF, backfill: { start: WINDOW.end, end: WINDOW.start } }, 'backfill.start'],
    ['an end in the future', { ...REF, backfill: { start: WINDOW.start, end: '2026-03-02T00:00:00Z' } }, 'backfill.end'],
    ['no trigger id', { namespace: 'dev', flowId: 'reports', backfill: WINDOW }, 'triggerId'],
    ['a body that is not an object', [1], 'body'],
  ])('answers %s with a 422 naming the field, writing nothing', async (_, body, path) => {
    const response = await create(body);

    expect(response.status).toBe(422);
    expect(response.body.path).toBe(path);
    expect(response.body.message).toContain(path);
    expect((await deps.triggers.get(REF))?.backfill).toBeUndefined();
    expect(deps.workflows.started).toEqual([]);
  });

  it('leaves the 1.x route its 400 for the same body', async () => {
    const { status, body } = await call('PUT', '/api/v1/triggers', { ...REF, backfill: { start: WINDOW.end, end: WINDOW.start } });

    expect(status).toBe(400);
    expect(body.path).toBe('backfill.start');
  });

  it('answers an unknown flow or trigger with a 404 naming it whole', async () => {
    const noFlow = await create({ namespace: 'dev', flowId: 'nope', triggerId: 'hourly', backfill: WINDOW });
    const noTrigger = await create({ ...REF, triggerId: 'nightly', backfill: WINDOW });

    expect(noFlow).toEqual({ status: 404, body: { message: 'Flow dev.nope of trigger hourly not found' } });
    expect(noTrigger).toEqual({ status: 404, body: { message: 'Flow dev.reports has no schedule trigger nightly' } });
    // The 1.x route keeps Kestra 1.x's wording, which the seed's clients match on.
    const legacy = await call('PUT', '/api/v1/triggers', { namespace: 'dev', flowId: 'nope', triggerId: 'hourly', backfill: WINDOW });
    expect(legacy).toEqual({ status: 404, body: { message: 'Flow of trigger hourly not found' } });
  });

  it('answers another tenant with a 404 naming it, writing nothing', async () => {
    const { status, body } = await create({ ...REF, backfill: WINDOW }, 'acme');

    expect(status).toBe(404);
    expect(body.message).toBe('Tenant acme not found: the only tenant is main');
    expect((await deps.triggers.get(REF))?.backfill).toBeUndefined();
  });
});

describe('pause, unpause and delete under /api/v1/{tenant}/triggers/backfill (Kestra 2.x)', () => {
  beforeEach(async () => {
    expect((await create({ ...REF, backfill: WINDOW })).status).toBe(200);
  });

  it('pauses with PUT, unpauses with PUT and deletes with POST, each answering the ApiTriggerState', async () => {
    const paused = await call('PUT', '/api/v1/main/triggers/backfill/pause', REF);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ ...REF, kind: 'SCHEDULE', locked: false, backfill: { paused: true } });

    const unpaused = await call('PUT', '/api/v1/main/triggers/backfill/unpause', REF);
    expect(unpaused.status).toBe(200);
    expect(unpaused.body.backfill.paused).toBe(false);

    deps.clock.advance(60_000);
    const deleted = await call('POST', '/api/v1/main/triggers/backfill/delete', REF);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({
      ...REF,
      updatedAt: '2026-03-01T12:01:00.000Z',
      nextEvaluationDate: '2026-03-01T13:00:00Z',
      disabled: false,
      locked: false,
      kind: 'SCHEDULE',
      // Ours: the backfill just deleted, as the trigger's last one.
      lastBackfill: expect.objectContaining({ outcome: 'DELETED', endedDate: '2026-03-01T12:01:00.000Z' }),
    });
    expect(deps.workflows.stopped).toHaveLength(1);
  });

  it('answers a trigger without a backfill with a 409 (the 1.x route keeps its 400)', async () => {
    const daily = { ...REF, triggerId: 'daily' };

    for (const [method, action] of [
      ['PUT', 'pause'],
      ['PUT', 'unpause'],
      ['POST', 'delete'],
    ] as const) {
      expect(await call(method, `/api/v1/main/triggers/backfill/${action}`, daily), action).toEqual({ status: 409, body: { message: 'No backfill found' } });
      expect((await call(method, `/api/v1/triggers/backfill/${action}`, daily)).status, action).toBe(400);
    }
  });

  it('answers a missing field with a 422 naming it, changing nothing', async () => {
    const { status, body } = await call('PUT', '/api/v1/main/triggers/backfill/pause', { namespace: 'dev', triggerId: 'hourly' });

    expect(status).toBe(422);
    expect(body.path).toBe('flowId');
    expect((await deps.triggers.get(REF))?.backfill?.paused).toBe(false);
  });

  it('answers an unknown flow with a 404 naming it', async () => {
    const { status, body } = await call('POST', '/api/v1/main/triggers/backfill/delete', { ...REF, flowId: 'nope' });

    expect(status).toBe(404);
    expect(body.message).toContain('dev.nope');
    expect((await deps.triggers.get(REF))?.backfill).toBeDefined();
  });

  it('answers the wrong method with a 405', async () => {
    expect((await call('POST', '/api/v1/main/triggers/backfill/pause', REF)).status).toBe(405);
  });

  it("serves 2.x's asynchronous bulk forms under the tenant path, and 1.x's synchronous ones without it", async () => {
    const v2 = await call('POST', '/api/v1/main/triggers/backfill/pause/by-triggers', [REF]);
    const v1 = await call('POST', '/api/v1/triggers/backfill/pause/by-triggers', [REF]);

    expect(v2).toEqual({ status: 202, body: { operationId: expect.any(String), totalItems: 1 } });
    expect(v1).toEqual({ status: 200, body: { count: 1 } });
  });
});

describe('GET /api/v1/{tenant}/triggers/{namespace}/{flowId} (Kestra 2.x)', () => {
  const list = (query = '', flow = 'dev/reports', tenant = 'main') => call('GET', `/api/v1/${tenant}/triggers/${flow}`, undefined, query);

  it("answers PagedResults<ApiTriggerState>: the flow's triggers by id, the backfill's progress on its own", async () => {
    await create({ ...REF, backfill: WINDOW });

    const { status, body } = await list();

    expect(status).toBe(200);
    expect(body.total).toBe(2);
    expect(body.results).toEqual([
      {
        ...REF,
        triggerId: 'daily',
        updatedAt: '2026-03-01T12:00:00.000Z',
        evaluatedAt: '2026-03-01T00:00:00Z',
        lastTriggeredDate: '2026-03-01T00:00:00Z',
        nextEvaluationDate: '2026-03-02T00:00:00Z',
        disabled: false,
        locked: false,
        kind: 'SCHEDULE',
      },
      expect.objectContaining({
        ...REF,
        nextEvaluationDate: WINDOW.start,
        backfill: expect.objectContaining({ progress: expect.objectContaining({ total: 10 }) }),
      }),
    ]);
    for (const result of body.results) expect(result).not.toHaveProperty('nextExecutionDate');
  });

  it('pages with page and size, and filters by q', async () => {
    expect((await list('page=2&size=1')).body).toEqual({ total: 2, results: [expect.objectContaining({ triggerId: 'hourly' })] });
    expect((await list('q=dai')).body).toEqual({ total: 1, results: [expect.objectContaining({ triggerId: 'daily' })] });
  });

  it('shows a finished backfill as lastBackfill', async () => {
    await create({ ...REF, backfill: WINDOW });
    await call('POST', '/api/v1/main/triggers/backfill/delete', REF);

    const hourly = (await list('q=hourly')).body.results[0];

    expect(hourly.lastBackfill).toMatchObject({ outcome: 'DELETED' });
    expect(hourly).not.toHaveProperty('backfill');
  });

  it('answers an unknown flow with a 404 naming it, a bad size with a 422 naming it, another tenant with a 404', async () => {
    expect(await list('', 'dev/nope')).toEqual({ status: 404, body: { message: 'Flow dev.nope not found' } });
    expect(await list('size=0')).toMatchObject({ status: 422, body: { path: 'size' } });
    expect(await list('', 'dev/reports', 'acme')).toMatchObject({ status: 404, body: { message: expect.stringContaining('acme') } });
  });

  it('leaves the 1.x route its 1.x shape', async () => {
    const { body } = await call('GET', '/api/v1/triggers/dev/reports');

    expect(body.results[0]).toHaveProperty('nextExecutionDate');
    expect(body.results[0]).toHaveProperty('updatedDate');
  });
});
