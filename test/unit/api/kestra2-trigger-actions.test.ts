import { beforeEach, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../lib/api/router';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { executionLogs } from '../../../lib/app/execution-logs';
import { runOperationPart } from '../../../lib/app/operations';
import { aBackfill, aFlow, aRunInput, aScheduleTrigger, aTriggerState } from '../../support/factories';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';

const REF = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const OTHER = { namespace: 'dev.team', flowId: 'exports', triggerId: 'hourly' };
const V2 = '/api/v1/main';

let deps: InMemoryDependencies;

async function call(method: string, path: string, body?: unknown) {
  const [route = '', query = ''] = path.split('?');
  const response = await handleRequest(deps, {
    method,
    path: route,
    query: new URLSearchParams(query),
    headers: {},
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}

/** Delivers every queued part, as the operations queue would. */
async function applyQueued(): Promise<void> {
  for (const message of deps.operationQueue.sent.splice(0)) await runOperationPart(deps, message);
}

beforeEach(async () => {
  deps = inMemoryDependencies();
  await deps.flows.create(aFlow());
  await deps.flows.create(aFlow({ namespace: 'dev.team', id: 'exports', triggers: [aScheduleTrigger()] }));
  await deps.triggers.createIfAbsent(aTriggerState());
  await deps.triggers.createIfAbsent(aTriggerState(OTHER));
  await deps.triggers.startBackfill(REF, aBackfill(), deps.clock.now().toISOString());
  await deps.triggers.startBackfill(OTHER, aBackfill({ id: 'bf2', executionName: 'other' }), deps.clock.now().toISOString());
});

describe('the bulk backfill actions (Kestra 2.x: 202, carried out in the background)', () => {
  it("by-triggers answers 202 {operationId, totalItems}; the operation's progress is ours to read", async () => {
    const { status, body } = await call('POST', `${V2}/triggers/backfill/pause/by-triggers`, [REF, OTHER]);

    expect(status).toBe(202);
    expect(body).toEqual({ operationId: expect.any(String), totalItems: 2 });
    expect((await call('GET', `${V2}/operations/${body.operationId}`)).body).toMatchObject({ kind: 'BACKFILL_PAUSE', state: 'RUNNING', done: 0 });

    await applyQueued();

    expect((await deps.triggers.get(OTHER))?.backfill?.paused).toBe(true);
    expect(await call('GET', `${V2}/operations/${body.operationId}`)).toEqual({
      status: 200,
      body: {
        operationId: body.operationId,
        kind: 'BACKFILL_PAUSE',
        totalItems: 2,
        done: 2,
        failed: 0,
        errors: [],
        errorsOmitted: 0,
        state: 'SUCCESS',
        createdAt: '2026-03-01T12:00:00.000Z',
        endedAt: '2026-03-01T12:00:00.000Z',
      },
    });
  });

  it('by-query selects the triggers with a backfill its filters match: PREFIX takes a namespace and those below it', async () => {
    const exact = await call('POST', `${V2}/triggers/backfill/delete/by-query?filters[namespace][EQUALS]=dev`);
    const below = await call('POST', `${V2}/triggers/backfill/delete/by-query?filters[namespace][PREFIX]=dev&filters[flowId][EQUALS]=exports`);
    const none = await call('POST', `${V2}/triggers/backfill/delete/by-query?filters[namespace][EQUALS]=prod`);

    expect([exact.body.totalItems, below.body.totalItems, none.body.totalItems]).toEqual([1, 1, 0]);
    await applyQueued();
    expect((await deps.triggers.get(REF))?.lastBackfill?.outcome).toBe('DELETED');
    expect((await deps.triggers.get(OTHER))?.lastBackfill?.outcome).toBe('DELETED');
  });

  it('refuses a filter it does not serve with a 422 naming it, starting nothing', async () => {
    const { status, body } = await call('POST', `${V2}/triggers/backfill/pause/by-query?filters[state][IN]=RUNNING`);

    expect(status).toBe(422);
    expect(body.path).toBe('filters[state][IN]');
    expect(deps.operationQueue.sent).toEqual([]);
  });

  it('keeps the 1.x meaning of namespace and flowId under the tenant path, beside the filters', async () => {
    const legacy = await call('POST', `${V2}/triggers/backfill/delete/by-query?namespace=dev.team`);
    const both = await call('POST', `${V2}/triggers/backfill/delete/by-query?namespace=dev&filters[flowId][EQUALS]=reports`);

    expect([legacy.status, legacy.body.totalItems, both.body.totalItems]).toEqual([202, 1, 1]);
    await applyQueued();
    expect((await deps.triggers.get(OTHER))?.lastBackfill?.outcome).toBe('DELETED');
    expect((await deps.triggers.get(REF))?.lastBackfill?.outcome).toBe('DELETED');
  });

  it('refuses a body that is not an array of triggers with a 422 naming the field', async () => {
    const { status, body } = await call('POST', `${V2}/triggers/backfill/unpause/by-triggers`, [{ namespace: 'dev', flowId: 'reports' }]);

    expect(status).toBe(422);
    expect(body.path).toBe('[0].triggerId');
  });

  it('leaves the 1.x bulk routes synchronous, answering {count}', async () => {
    expect(await call('POST', '/api/v1/triggers/backfill/pause/by-triggers', [REF])).toEqual({ status: 200, body: { count: 1 } });
  });
});

describe("the bulk cancel (ours: delete that kills the backfills' running and queued executions)", () => {
  it('2.x by-triggers answers 202 and cancels every backfill of each trigger in the background, killing their queued executions', async () => {
    await dispatchBatch(deps, aRunInput());
    const queued = deps.queue.sentIds('backfill');

    const { status, body } = await call('POST', `${V2}/triggers/backfill/cancel/by-triggers`, [REF, OTHER]);

    expect([status, body.totalItems]).toEqual([202, 2]);
    expect((await deps.triggers.get(REF))?.backfill?.id).toBe('bf1');
    await applyQueued();
    expect((await call('GET', `${V2}/operations/${body.operationId}`)).body).toMatchObject({ kind: 'BACKFILL_CANCEL', state: 'SUCCESS', done: 2, failed: 0 });
    for (const ref of [REF, OTHER]) expect(await deps.triggers.get(ref)).toMatchObject({ backfills: [], lastBackfill: { outcome: 'CANCELLED' } });
    for (const id of queued) expect((await deps.executions.get(id))?.execution.state.current).toBe('KILLED');
  });

  it('2.x by-query cancels the backfills of the triggers its filters select, and only those', async () => {
    const { status, body } = await call('POST', `${V2}/triggers/backfill/cancel/by-query?filters[namespace][EQUALS]=dev.team`);

    expect([status, body.totalItems]).toEqual([202, 1]);
    await applyQueued();
    expect((await deps.triggers.get(OTHER))?.lastBackfill?.outcome).toBe('CANCELLED');
    expect((await deps.triggers.get(REF))?.backfill?.id).toBe('bf1');
  });

  it('1.x by-triggers and by-query cancel at once, answer {count}, and the killed executions say which route asked', async () => {
    await dispatchBatch(deps, aRunInput());
    const [queued] = deps.queue.sentIds('backfill');

    const byTriggers = await call('POST', '/api/v1/triggers/backfill/cancel/by-triggers', [REF, { ...REF, triggerId: 'nope' }]);
    const byQuery = await call('POST', '/api/v1/triggers/backfill/cancel/by-query?namespace=dev');

    // REF's backfill was cancelled by the first: the second finds only OTHER's.
    expect([byTriggers, byQuery]).toEqual([
      { status: 200, body: { count: 1 } },
      { status: 200, body: { count: 1 } },
    ]);
    for (const ref of [REF, OTHER]) expect((await deps.triggers.get(ref))?.lastBackfill?.outcome).toBe('CANCELLED');
    expect((await executionLogs(deps, queued!)).map((l) => l.message)).toEqual([
      'Execution killed: backfill bf1 cancelled, asked by POST /api/v1/triggers/backfill/cancel/by-triggers, at 2026-03-01T12:00:00.000Z',
    ]);
  });

  it('refuses a body that is not an array of triggers with a 422 naming the field, cancelling nothing', async () => {
    const { status, body } = await call('POST', `${V2}/triggers/backfill/cancel/by-triggers`, [{ namespace: 'dev', flowId: 'reports' }]);

    expect(status).toBe(422);
    expect(body.path).toBe('[0].triggerId');
    expect(deps.operationQueue.sent).toEqual([]);
  });
});

describe('set-disabled (Kestra 2.x)', () => {
  it('PUT switches one trigger and answers its ApiTriggerState', async () => {
    const { status, body } = await call('PUT', `${V2}/triggers/set-disabled`, { ...OTHER, disabled: true });

    expect(status).toBe(200);
    expect(body).toMatchObject({ ...OTHER, disabled: true, kind: 'SCHEDULE', updatedAt: '2026-03-01T12:00:00.000Z' });
  });

  it('PUT refuses a recoverMissedSchedules that is not true, false or BACKFILL, and a missing disabled, with 422s naming them', async () => {
    const recovery = await call('PUT', `${V2}/triggers/set-disabled`, { ...OTHER, disabled: false, recoverMissedSchedules: 'ALL' });
    const missing = await call('PUT', `${V2}/triggers/set-disabled`, OTHER);

    expect(recovery).toEqual({
      status: 422,
      body: { message: 'recoverMissedSchedules: expected true, false or "BACKFILL", got "ALL"', path: 'recoverMissedSchedules' },
    });
    expect(missing).toMatchObject({ status: 422, body: { path: 'disabled' } });
  });

  it('PUT answers 404 naming the flow whole', async () => {
    const { status, body } = await call('PUT', `${V2}/triggers/set-disabled`, { ...OTHER, flowId: 'nope', disabled: true });

    expect(status).toBe(404);
    expect(body.message).toContain('dev.team.nope');
  });

  it('by-triggers and by-query answer 202 and switch the triggers in the background, with the recovery asked for', async () => {
    const off = await call('POST', `${V2}/triggers/set-disabled/by-triggers`, { triggers: [REF, OTHER], disabled: true });
    await applyQueued();
    const on = await call('POST', `${V2}/triggers/set-disabled/by-query?filters[namespace][PREFIX]=dev&disabled=false&recoverMissedSchedules=true`);
    const badQuery = await call('POST', `${V2}/triggers/set-disabled/by-query?disabled=maybe`);

    expect([off.status, off.body.totalItems, on.status, on.body.totalItems]).toEqual([202, 2, 202, 2]);
    expect((await deps.operations.get(on.body.operationId))?.recover).toBe(true);
    await applyQueued();
    expect(await deps.triggers.get(OTHER)).toMatchObject({ disabled: false });
    expect(badQuery).toMatchObject({ status: 422, body: { path: 'disabled' } });
  });
});

describe('DELETE /{tenant}/triggers/{namespace}/{flowId}/{triggerId}', () => {
  it("answers 204 and resets the trigger's state", async () => {
    await deps.triggers.finishBackfill(REF, 'bf1', 'DELETED', '2026-03-01T12:00:00.000Z');

    expect(await call('DELETE', `${V2}/triggers/dev/reports/hourly`)).toEqual({ status: 204, body: undefined });
    expect(await deps.triggers.get(REF)).toEqual({
      ...REF,
      nextExecutionDate: '2026-03-01T13:00:00Z',
      disabled: false,
      updatedDate: '2026-03-01T12:00:00.000Z',
      backfills: [],
    });
  });

  it('answers 409 naming the active backfill, and 404 naming an unknown trigger', async () => {
    const active = await call('DELETE', `${V2}/triggers/dev.team/exports/hourly`);
    const unknown = await call('DELETE', `${V2}/triggers/dev.team/exports/nope`);

    expect(active).toMatchObject({ status: 409, body: { message: expect.stringContaining('dev.team.exports.hourly has an active backfill (bf2') } });
    expect(unknown).toMatchObject({ status: 404, body: { message: expect.stringContaining('dev.team.exports') } });
  });
});

describe('GET /{tenant}/operations/{operationId} (ours)', () => {
  it('answers 404 for an unknown operation and 422 for what cannot be an operation id', async () => {
    expect(await call('GET', `${V2}/operations/nope`)).toMatchObject({ status: 404, body: { message: expect.stringContaining('Operation nope not found') } });
    expect(await call('GET', `${V2}/operations/a%20b`)).toMatchObject({ status: 422, body: { path: 'operationId' } });
  });
});
