import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceUsage } from '../../lib/domain/cost/pricing';
import { newState, transition } from '../../lib/domain/execution';
import { SCHEDULE_TYPE_ALIAS } from '../../lib/domain/flow/model';
import type { StoredExecution } from '../../lib/ports';
import { SEED_FLOW, type TestProduct, startProduct } from '../support/local';
import { ManualClock } from '../support/manual-clock';

const ids = { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' };

/**
 * An ended execution of the seed flow, as a worker writes it: created, queued `queuedSeconds`,
 * RUNNING for `runSeconds`, its one shell task taking the last `shellSeconds` of it.
 */
function seedRun(id: string, createdMs: number, queuedSeconds: number, runSeconds: number, shellSeconds: number): StoredExecution {
  const created = new Date(createdMs);
  const running = new Date(createdMs + queuedSeconds * 1000);
  const end = new Date(running.getTime() + runSeconds * 1000);
  const taskStart = new Date(end.getTime() - shellSeconds * 1000);
  return {
    execution: {
      id,
      namespace: 'dev',
      flowId: 'scheduled_flow',
      flowRevision: 1,
      labels: [{ key: 'system.from', value: 'trigger' }],
      inputs: {},
      state: transition(transition(newState(created), 'RUNNING', running), 'SUCCESS', end),
      trigger: { id: 'schedule', type: SCHEDULE_TYPE_ALIAS, variables: { date: created.toISOString() } },
      taskRunList: [
        {
          id: `${id}-task`,
          executionId: id,
          namespace: 'dev',
          flowId: 'scheduled_flow',
          taskId: 'external_system_export',
          state: transition(transition(newState(taskStart), 'RUNNING', taskStart), 'SUCCESS', end),
          attempts: [],
        },
      ],
    },
    origin: { tickMs: createdMs },
  };
}

/** The dry run's estimate through HTTP, against executions of the flow whose durations are known. */
describe('POST /api/v1/triggers/backfill/preview: estimatedDuration and estimatedCostUsd', () => {
  let product: TestProduct;
  const clock = new ManualClock(Date.now());
  const now = clock.now().getTime();
  // Seven half-hourly ticks, a day ago.
  const start = new Date(now - 24 * 3600_000);
  start.setUTCMinutes(0, 0, 0);
  const end = new Date(start.getTime() + 3 * 3600_000);
  const request = { ...ids, backfill: { start: start.toISOString(), end: end.toISOString(), maxConcurrency: 2 } };

  beforeAll(async () => {
    product = await startProduct({ clock });
    expect((await product.api.createFlow(SEED_FLOW)).status).toBe(200);
    // Four runs of 3, 5, 7 and 9 s (each queued a minute first, which does not count), their shell task 1 s shorter.
    const runs = [3, 5, 7, 9].map((seconds, i) => seedRun(`run-${i}`, now - (10 - i) * 3600_000, 60, seconds, seconds - 1));
    for (const run of runs) expect(await product.runtime.deps.executions.createIfAbsent(run)).toBe(true);
  });
  afterAll(async () => product?.close());

  it('times the backfill from the median run × waves of its concurrency, and prices what it would use on AWS', async () => {
    const { status, body } = await product.api.call('POST', '/api/v1/triggers/backfill/preview', request);

    expect(status).toBe(200);
    expect(body.count).toBe(7);
    // Median 6 s, 90th percentile 8.4 s; 7 executions 2 at once: 4 waves, each a run plus the worker's
    // own 5 requests of 10 ms (pause check, put RUNNING, save before the shell task, end, ledger mark).
    // Dispatch: 7 pages of one × (8 DynamoDB requests × 10 ms + one SendMessageBatch of 20 ms) = 0.7 s, not the bound.
    expect(body.estimatedDuration).toBe('PT24.2S');
    expect(body.estimatedDurationSeconds).toBe(24.2);
    expect(body.estimate.duration).toEqual({
      estimated: 'PT24.2S',
      seconds: 24.2,
      p90: 'PT33.8S',
      p90Seconds: 33.8,
      basis: { executions: 4, medianSeconds: 6, p90Seconds: 8.4 },
      executions: 7,
      concurrency: 2,
      limitedBy: 'backfill.maxConcurrency',
      waves: 4,
      dispatchSeconds: 0.7,
    });

    const { cost } = body.estimate;
    expect(cost).toMatchObject({ pricing: 'AWS list prices, us-east-1', billed: false, complete: true });
    expect(cost.usage).toEqual({
      // Per execution: put RUNNING (1 KB item + 3 index entries), a save, the end (item + 2 entries): 8;
      // 7 pages × (put, delete, cursor move, fold); 4 deliveries of two, each marking two pages of one.
      dynamoDbWriteUnits: 7 * 8 + 7 * 4 + 4 * 2,
      // Per page: trigger row, flow, 2 open pages, its own page (7 × 5); polls every 250 ms while
      // dispatch waits, (24.2 - 0.7) / 0.25 = 94 × 4; pause checks and page ends 4 + 7; the runner's
      // kill flag once a second of shell time, 7 × 5 s.
      dynamoDbReadUnits: 35 + 94 * 4 + 11 + 35,
      // A SendMessageBatch per page; a receive and a delete per delivery.
      sqsRequests: 7 + 4 * 2,
      // Two dispatch invocations (24.2 s fits a 60 s round: one, and the one that ends), a Task and a Choice each, the Succeed.
      stateTransitions: 5,
      lambdaRequests: 4 + 2 + 7,
      // Worker: 4 deliveries × (the 2/3 quantile of the runs, 7 s, + 50 ms); task runner: 7 × 5 s
      // (the mean shell task); dispatch: the 24.2 s it runs. All 1 GB.
      lambdaGbSeconds: 28.2 + 35 + 24.2,
    });
    expect(body.estimatedCostUsd).toBe(cost.usd);
    expect(cost.usd).toBeCloseTo(priceUsage(cost.usage, 'arm64').totalUsd, 6);
  });

  it('answers the same under the tenant path (the 1.x route, as Kestra 2.x has no dry run)', async () => {
    const plain = await product.api.call('POST', '/api/v1/triggers/backfill/preview', request);
    const tenant = await product.api.call('POST', '/api/v1/main/triggers/backfill/preview', request);

    expect(tenant.status).toBe(200);
    expect(tenant.body.estimate).toEqual(plain.body.estimate);
  });

  it('without ended executions of the flow: no duration, saying why', async () => {
    const other = SEED_FLOW.replace('id: scheduled_flow', 'id: fresh');
    expect((await product.api.createFlow(other)).status).toBe(200);

    const { body } = await product.api.call('POST', '/api/v1/triggers/backfill/preview', { ...request, flowId: 'fresh' });

    expect(body.estimatedDuration).toBeNull();
    expect(body.estimate.duration.reason).toBe('No ended execution of flow dev.fresh yet to time it from');
    expect(body.estimate.cost).toMatchObject({ complete: false, reason: 'No ended execution of flow dev.fresh yet: the time of its tasks is not counted' });
  });
});
