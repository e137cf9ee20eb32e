import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FLOW, type TestProduct, halfHourTicks, startProduct, waitFor } from '../support/local';

/**
 * What the seed page does, through the HTTP API only: the seed's flow, the seed's PUT body with a
 * 5-hour window (a 5-hour outage of a half-hourly flow = 10 missed executions).
 */
describe('the seed: a 5-hour outage replayed by PUT /api/v1/triggers', () => {
  let product: TestProduct;
  const ticks = halfHourTicks(10);
  let trigger: any;
  let before: number;

  beforeAll(async () => {
    product = await startProduct();
    before = Date.now();
    const created = await product.api.createFlow(SEED_FLOW);
    expect(created.status).toBe(200);
    const response = await product.api.call('PUT', '/api/v1/triggers', {
      backfill: {
        start: ticks[0]!.toISOString(),
        end: ticks[9]!.toISOString(),
        inputs: null,
        labels: [{ key: 'reason', value: 'outage' }],
      },
      flowId: 'scheduled_flow',
      namespace: 'dev',
      triggerId: 'schedule',
    });
    expect(response.status).toBe(200);
    trigger = response.body;
  });

  afterAll(async () => {
    await product?.close();
  });

  it("answers with Kestra's Trigger JSON holding the backfill", () => {
    expect(trigger).toMatchObject({ namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule', disabled: false });
    const utc = (d: Date) => d.toISOString().replace('.000Z', 'Z');
    expect(trigger.backfill).toMatchObject({
      start: utc(ticks[0]!),
      end: utc(ticks[9]!),
      currentDate: utc(ticks[0]!),
      paused: false,
      labels: [{ key: 'reason', value: 'outage' }],
    });
    // The live schedule's next tick when the backfill began: the first half hour after the flow was created.
    const previousNext = Date.parse(trigger.backfill.previousNextExecutionDate);
    expect(previousNext).toBeGreaterThan(before);
    expect(previousNext).toBeLessThanOrEqual(before + 30 * 60_000);
    expect(previousNext % (30 * 60_000)).toBe(0);
    expect(trigger.backfill.progress).toMatchObject({ total: 10, dispatched: 0, failed: 0 });
    expect(trigger.nextExecutionDate).toBe(utc(ticks[0]!));
  });

  it('runs every missed tick exactly once, labelled, with its trigger dates and logs', async () => {
    const done = await waitFor(
      async () => {
        const ex = await product.api.executions('dev', 'scheduled_flow');
        return ex.length >= 10 && ex.every((e) => e.state.current === 'SUCCESS') ? ex : undefined;
      },
      90_000,
      250,
    );
    expect(done, 'all 10 executions reach SUCCESS').toBeTruthy();
    const executions = done as any[];
    expect(executions).toHaveLength(10);

    const dates = executions.map((e) => e.trigger.variables.date).sort();
    expect(dates).toEqual(ticks.map((t) => t.toISOString().replace('.000Z', 'Z')));
    for (const e of executions) {
      expect(e.labels).toContainEqual({ key: 'reason', value: 'outage' });
      expect(e.trigger).toMatchObject({ id: 'schedule', type: 'io.kestra.core.models.triggers.types.Schedule' });
      const tick = Date.parse(e.trigger.variables.date);
      expect(Date.parse(e.trigger.variables.next)).toBe(tick + 30 * 60_000);
      expect(Date.parse(e.trigger.variables.previous)).toBe(tick - 30 * 60_000);
      expect(e.state.histories.map((h: any) => h.state)).toEqual(['CREATED', 'RUNNING', 'SUCCESS']);
      expect(e.state.duration).toMatch(/^PT/);
      expect(e.taskRunList).toHaveLength(1);
      expect(e.taskRunList[0]).toMatchObject({ taskId: 'external_system_export', state: { current: 'SUCCESS' } });
    }

    const one = executions[0];
    const fetched = await product.api.call('GET', `/api/v1/executions/${one.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.id).toBe(one.id);

    const logs = await product.api.call('GET', `/api/v1/logs/${one.id}`);
    expect(logs.status).toBe(200);
    const line = logs.body.find((l: any) => l.message.startsWith('processing data for '));
    expect(line).toMatchObject({ level: 'INFO', taskId: 'external_system_export', executionId: one.id });
    // `execution.startDate ?? trigger.date`: the left side is always set, so it is the creation time (Kestra's semantics).
    expect(line.message).toBe(`processing data for ${one.state.startDate}`);
  });

  it('clears the backfill from the trigger once done, showing the live next date again', async () => {
    const cleared = await waitFor(async () => {
      const { body } = await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow');
      return body.results.every((r: any) => !r.backfill) ? body : undefined;
    }, 20_000);
    expect(cleared).toBeTruthy();
    expect((cleared as any).total).toBe(1);
    const row = (cleared as any).results[0];
    expect(row.nextExecutionDate).toBe(trigger.backfill.previousNextExecutionDate);
  });

  it('filters executions by label and state', async () => {
    const labelled = await product.api.call('GET', '/api/v1/executions/search?namespace=dev&flowId=scheduled_flow&labels=reason:outage');
    expect(labelled.body.total).toBe(10);
    const other = await product.api.call('GET', '/api/v1/executions/search?namespace=dev&flowId=scheduled_flow&labels=reason:other');
    expect(other.body.total).toBe(0);
    const failed = await product.api.call('GET', '/api/v1/executions/search?namespace=dev&flowId=scheduled_flow&state=FAILED');
    expect(failed.body.total).toBe(0);
    const paged = await product.api.call('GET', '/api/v1/executions/search?namespace=dev&flowId=scheduled_flow&page=2&size=4');
    expect(paged.body).toMatchObject({ total: 10 });
    expect(paged.body.results).toHaveLength(4);
  });

  it('serves the same API under the main tenant path', async () => {
    const { status, body } = await product.api.call('GET', '/api/v1/main/triggers/dev/scheduled_flow');
    expect(status).toBe(200);
    expect(body.total).toBe(1);
  });
});

describe('a backfill on AWS names its state machine execution in the console', () => {
  it('adds the execution ARN and console page when the state machine ARN is configured', async () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:KestraBackfills-dev-backfill';
    const product = await startProduct({ env: { ...process.env, BACKFILL_STATE_MACHINE_ARN: arn } });
    try {
      expect((await product.api.createFlow(SEED_FLOW)).status).toBe(200);
      const ticks = halfHourTicks(2);
      const ref = { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' };
      const created = await product.api.call('PUT', '/api/v1/triggers', { ...ref, backfill: { start: ticks[0]!.toISOString(), end: ticks[1]!.toISOString() } });
      expect(created.status).toBe(200);
      const { backfill } = (await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).body.results[0];
      const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:KestraBackfills-dev-backfill:${backfill.stateMachineExecutionName}`;
      expect(backfill.stateMachineExecutionArn).toBe(executionArn);
      expect(backfill.stateMachineConsoleUrl).toBe(
        `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${executionArn}`,
      );
    } finally {
      await product.close();
    }
  });
});
