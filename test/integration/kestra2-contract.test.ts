import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFlow, minuteWindow, sleepyMinuteFlow } from '../support/flows';
import { type Kestra2Shape, expectKestra2Shape } from '../support/kestra2-shapes';
import { type TestProduct, startProduct, waitFor } from '../support/local';

/**
 * Kestra 2.x's contract, route by route: every request a generated client sends is checked against
 * the shape Kestra's document gives it, and every answer against the shape its clients parse
 * (test/support/kestra2-shapes.ts). The behaviour of each route is tested beside it
 * (kestra2-*.test.ts); this suite only asks "would an official SDK accept this exchange?".
 */
const ref = { namespace: 'contract', flowId: 'k2', triggerId: 'schedule' };
const V2 = '/api/v1/main';

describe("Kestra 2.x's routes against the shapes of Kestra's published document", () => {
  let product: TestProduct;
  /** One exchange: the request body (when a shape is given) and the answer must match their shapes. */
  const exchange = async (method: string, path: string, request: { shape: Kestra2Shape; body: unknown } | undefined, answer: Kestra2Shape, status = 200) => {
    if (request) expectKestra2Shape(request.shape, request.body);
    const response = await product.api.call(method, `${V2}${path}`, request?.body);
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expectKestra2Shape(answer, response.body);
    return response.body;
  };

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '25', BACKFILL_MAX_IN_FLIGHT: '50' }, workerConcurrency: 4, workerBatchSize: 2 });
    expect((await product.api.createFlow(sleepyMinuteFlow(ref.namespace, ref.flowId))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.tasksIdle();
    await product?.runtime.queue.idle();
    await product?.close();
  });

  it('refuses what a generated client would refuse (so the checks below can fail)', () => {
    const state = { namespace: 'a', flowId: 'b', triggerId: 'c', updatedAt: '2026-01-01T00:00:00Z' };
    expect(() => expectKestra2Shape('ApiTriggerState', state)).not.toThrow();
    expect(() => expectKestra2Shape('ApiTriggerState', { ...state, updatedAt: undefined })).toThrow(/updatedAt/);
    expect(() => expectKestra2Shape('ApiTriggerState', { ...state, updatedAt: 'yesterday' })).toThrow(/date-time/);
    expect(() =>
      expectKestra2Shape('ApiTriggerState', { ...state, backfill: { start: '2026-01-01T00:00:00Z', labels: [{ key: 'Reason', value: 'x' }] } }),
    ).toThrow(/labels\/0\/key/);
    expect(() => expectKestra2Shape('ApiAsyncOperationResponse', { operationId: 'x' })).toThrow(/totalItems/);
  });

  it('backfill create, pause, unpause, update, delete and cancel, and the flow triggers page', async () => {
    const body = {
      ...ref,
      backfill: {
        ...minuteWindow(200, 3),
        labels: [{ key: 'via', value: 'sdk' }],
        inputs: {},
        maxConcurrency: 10,
        order: 'NEWEST_FIRST',
        latestRevision: false,
      },
    };
    const created = await exchange('PUT', '/triggers/backfill/create', { shape: 'ApiCreateBackfillRequest', body }, 'ApiTriggerState');
    expect(created.backfill).toMatchObject({ order: 'NEWEST_FIRST', maxConcurrency: 10, flowRevision: 1, latestRevision: false });
    await exchange('GET', `/triggers/${ref.namespace}/${ref.flowId}`, undefined, 'PagedResults<ApiTriggerState>');
    await exchange('PUT', '/triggers/backfill/pause', { shape: 'ApiTriggerId', body: ref }, 'ApiTriggerState');
    await exchange('PUT', '/triggers/backfill/unpause', { shape: 'ApiTriggerId', body: ref }, 'ApiTriggerState');
    const update = { ...ref, backfill: { maxConcurrency: 20 } };
    const updated = await exchange('PUT', '/triggers/backfill/update', { shape: 'ApiUpdateBackfillRequest', body: update }, 'ApiTriggerState');
    expect(updated.backfill.maxConcurrency).toBe(20);
    await exchange('POST', '/triggers/backfill/delete', { shape: 'ApiTriggerId', body: ref }, 'ApiTriggerState');
    // Ours: a failure policy at creation (extra fields of Kestra's backfill), and cancel, whose body is delete's.
    const withPolicy = { ...ref, backfill: { ...minuteWindow(200, 4), failurePolicy: { maxFailures: 5, action: 'PAUSE' } } };
    const guarded = await exchange('PUT', '/triggers/backfill/create', { shape: 'ApiCreateBackfillRequest', body: withPolicy }, 'ApiTriggerState');
    expect(guarded.backfill.failurePolicy).toEqual({ maxFailures: 5, action: 'PAUSE' });
    await exchange('POST', '/triggers/backfill/cancel', { shape: 'ApiTriggerId', body: ref }, 'ApiTriggerState');
  });

  it('the asynchronous bulk actions (202) and set-disabled', async () => {
    for (const action of ['pause', 'unpause', 'delete']) {
      await exchange('POST', `/triggers/backfill/${action}/by-triggers`, { shape: 'ApiTriggerId[]', body: [ref] }, 'ApiAsyncOperationResponse', 202);
      await exchange('POST', `/triggers/backfill/${action}/by-query?filters[namespace][EQUALS]=contract`, undefined, 'ApiAsyncOperationResponse', 202);
    }
    await exchange('PUT', '/triggers/set-disabled', { shape: 'ApiDisableTriggerRequest', body: { ...ref, disabled: true } }, 'ApiTriggerState');
    await exchange(
      'POST',
      '/triggers/set-disabled/by-triggers',
      { shape: 'SetDisabledRequest', body: { triggers: [ref], disabled: false } },
      'ApiAsyncOperationResponse',
      202,
    );
    await exchange('POST', '/triggers/set-disabled/by-query?filters[namespace][EQUALS]=contract&disabled=true', undefined, 'ApiAsyncOperationResponse', 202);

    // The CSV export is a string (Kestra's document: `type: string`) with a header row; resetting a trigger answers without a body.
    const csv = await product.api.call('GET', `${V2}/triggers/export/by-query/csv?filters[namespace][EQUALS]=contract`);
    expect(csv.status).toBe(200);
    expect(typeof csv.body).toBe('string');
    expect((csv.body as string).split('\r\n')[0]).toContain('namespace');
    // 409 while the bulk delete above still has the backfill to remove: it is carried out in the background.
    const reset = await waitFor(async () => {
      const answer = await product.api.call('DELETE', `${V2}/triggers/${ref.namespace}/${ref.flowId}/${ref.triggerId}`);
      return answer.status === 409 ? undefined : answer;
    }, 30_000);
    expect([200, 204]).toContain(reset?.status);
  });

  it('an execution, its log, and the data of both follow streams', async () => {
    expect((await product.api.createFlow(logFlow(ref.namespace, 'k2log', { id: 'schedule', cron: '* * * * *' }))).status).toBe(200);
    const body = { namespace: ref.namespace, flowId: 'k2log', triggerId: 'schedule', backfill: minuteWindow(2, 2) };
    await exchange('PUT', '/triggers/backfill/create', { shape: 'ApiCreateBackfillRequest', body }, 'ApiTriggerState');
    const ended = await waitFor(async () => {
      const { body: page } = await product.api.call('GET', `/api/v1/executions/search?namespace=${ref.namespace}&flowId=k2log&state=SUCCESS`);
      return page.results[0]?.id as string | undefined;
    }, 30_000);
    expect(ended, 'an execution of the backfill ended').toBeDefined();

    await exchange('GET', `/executions/${ended}`, undefined, 'ApiExecution');
    const lines = await exchange('GET', `/logs/${ended}`, undefined, 'LogEntries');
    expect(lines.length).toBeGreaterThan(0);
    for (const [path, shape] of [
      [`/executions/${ended}/follow`, 'Execution'],
      [`/logs/${ended}/follow`, 'LogEntries'],
    ] as const) {
      const text = await (await fetch(`${product.api.baseUrl}${V2}${path}`)).text();
      // Kestra's `start` event is a placeholder (an id alone): the documents are those of `progress` and `end`.
      const documents = [...text.matchAll(/^id: (progress|end)\ndata: (.*)$/gm)].map((m) => JSON.parse(m[2] ?? ''));
      expect(documents.length, path).toBeGreaterThan(0);
      if (shape === 'Execution') for (const document of documents) expectKestra2Shape(shape, document);
      else expectKestra2Shape(shape, documents);
    }

    // The searches, with the filters a generated client sends.
    const filters = `filters[namespace][EQUALS]=${ref.namespace}&filters[flowId][EQUALS]=k2log`;
    const executions = await exchange('GET', `/executions/search?${filters}&filters[state][IN]=SUCCESS,FAILED`, undefined, 'PagedResults<ApiLightExecution>');
    expect(executions.results.length).toBeGreaterThan(0);
    const logs = await exchange(
      'GET',
      `/logs/search?filters[executionId][EQUALS]=${ended}&filters[level][EQUALS]=INFO`,
      undefined,
      'CursorOrOffsetPagedResults<LogEntry>',
    );
    expect(logs.results.length).toBeGreaterThan(0);
    const triggers = await exchange('GET', `/triggers/search?filters[namespace][EQUALS]=${ref.namespace}`, undefined, 'PagedResults<ApiTriggerAndState>');
    expect(triggers.total).toBe(2);
  });

  it('the execution actions: kill one, by ids and by query; restart one, by ids and by query', async () => {
    const flow = sleepyMinuteFlow(ref.namespace, 'k2kill').replace('sleep 0.05', 'sleep 600');
    expect((await product.api.createFlow(flow)).status).toBe(200);
    const body = { namespace: ref.namespace, flowId: 'k2kill', triggerId: 'schedule', backfill: minuteWindow(1, 4) };
    await exchange('PUT', '/triggers/backfill/create', { shape: 'ApiCreateBackfillRequest', body }, 'ApiTriggerState');
    const runningId = await waitFor(async () => {
      const { body: page } = await product.api.call('GET', `${V2}/executions/search?filters[flowId][EQUALS]=k2kill&filters[state][EQUALS]=RUNNING`);
      return page.results[0]?.id as string | undefined;
    }, 30_000);
    expect(runningId, 'the execution runs').toBeDefined();

    const killed = await exchange('DELETE', `/executions/${runningId}/actions/kill`, undefined, 'ApiExecution');
    expect(['KILLING', 'KILLED']).toContain(killed.state.current);
    await exchange('DELETE', '/executions/kill/by-ids', { shape: 'String[]', body: [runningId] }, 'ApiAsyncOperationResponse', 202);
    await exchange('DELETE', '/executions/kill/by-query?filters[flowId][EQUALS]=k2kill', undefined, 'ApiAsyncOperationResponse', 202);
    const killedNow = () => waitFor(async () => (await product.api.call('GET', `${V2}/executions/${runningId}`)).body.state.current === 'KILLED', 15_000);
    expect(await killedNow()).toBe(true);

    // Restart it (one, by ids, by query), then kill it again by query, waiting for each operation.
    const operationEnded = (id: string) => waitFor(async () => (await product.api.call('GET', `${V2}/operations/${id}`)).body.state !== 'RUNNING', 30_000);
    await exchange('POST', `/executions/${runningId}/restart`, undefined, 'ApiExecution');
    await exchange('DELETE', `/executions/${runningId}/actions/kill`, undefined, 'ApiExecution');
    expect(await killedNow()).toBe(true);
    const byIds = await exchange('POST', '/executions/restart/by-ids', { shape: 'String[]', body: [runningId] }, 'ApiAsyncOperationResponse', 202);
    expect(await operationEnded(byIds.operationId)).toBe(true);
    const byQuery = await exchange('POST', '/executions/restart/by-query?filters[flowId][EQUALS]=k2kill', undefined, 'ApiAsyncOperationResponse', 202);
    expect(await operationEnded(byQuery.operationId)).toBe(true);
    const kill = await exchange('DELETE', '/executions/kill/by-query?filters[flowId][EQUALS]=k2kill', undefined, 'ApiAsyncOperationResponse', 202);
    expect(await operationEnded(kill.operationId)).toBe(true);
    expect(await killedNow()).toBe(true);
  });

  it('the replay of an ended execution: one, by ids and by query', async () => {
    expect((await product.api.createFlow(logFlow(ref.namespace, 'k2replay', { id: 'schedule', cron: '* * * * *' }))).status).toBe(200);
    const body = { namespace: ref.namespace, flowId: 'k2replay', triggerId: 'schedule', backfill: minuteWindow(1, 5) };
    await exchange('PUT', '/triggers/backfill/create', { shape: 'ApiCreateBackfillRequest', body }, 'ApiTriggerState');
    const ended = await waitFor(async () => {
      const { body: page } = await product.api.call('GET', `${V2}/executions/search?filters[flowId][EQUALS]=k2replay&filters[state][EQUALS]=SUCCESS`);
      return page.results[0]?.id as string | undefined;
    }, 30_000);
    expect(ended, 'an execution of the backfill ended').toBeDefined();

    const replay = await exchange('POST', `/executions/${ended}/replay`, undefined, 'ApiExecution');
    expect(replay.originalId).toBe(ended);
    await exchange('POST', '/executions/replay/by-ids', { shape: 'String[]', body: [ended] }, 'ApiAsyncOperationResponse', 202);
    await exchange('POST', `/executions/replay/by-query?filters[q][EQUALS]=${ended}`, undefined, 'ApiAsyncOperationResponse', 202);
  });
});
