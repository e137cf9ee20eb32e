import { describe, expect, it } from 'vitest';
import { type ExecutionProfile, type ServiceFootprint, estimateBackfillRun, quantile } from '../../../lib/domain/cost/backfill-model';
import { priceUsage, sendMessageBatchRequests } from '../../../lib/domain/cost/pricing';

/** The AWS defaults: 1 GB arm64 functions, ten deliveries of ten, dispatch's default settings. */
const FOOTPRINT: ServiceFootprint = {
  architecture: 'arm64',
  memoryMb: { dispatch: 1024, worker: 1024, taskRunner: 1024 },
  worker: { batchSize: 10, concurrency: 10 },
  dispatch: { batchSize: 100, roundSeconds: 60, roundWaitSeconds: 4, throttleWaitSeconds: 2, roundPollMs: 250 },
};

const LOG_FLOW: ExecutionProfile = {
  instant: true,
  runnerTasks: 0,
  itemBytes: 900,
  messageBytes: 1500,
  triggerRowBytes: 800,
  flowItemBytes: 300,
  runSeconds: [],
  runnerSeconds: [],
};

describe('priceUsage', () => {
  it('prices each service at its us-east-1 list price', () => {
    const cost = priceUsage(
      { dynamoDbWriteUnits: 1e6, dynamoDbReadUnits: 1e6, sqsRequests: 1e6, stateTransitions: 1000, lambdaRequests: 1e6, lambdaGbSeconds: 1000 },
      'arm64',
    );

    expect(cost.byService).toEqual({
      dynamoDbWrites: 0.625,
      dynamoDbReads: 0.125,
      sqs: 0.4,
      stepFunctions: 0.025,
      lambdaRequests: 0.2,
      lambdaGbSeconds: expect.closeTo(0.0133334, 10),
    });
    expect(cost.totalUsd).toBeCloseTo(0.625 + 0.125 + 0.4 + 0.025 + 0.2 + 0.0133334, 10);
  });

  it('prices x86_64 GB-seconds higher', () => {
    const usage = { dynamoDbWriteUnits: 0, dynamoDbReadUnits: 0, sqsRequests: 0, stateTransitions: 0, lambdaRequests: 0, lambdaGbSeconds: 1000 };

    expect(priceUsage(usage, 'x86_64').totalUsd).toBeCloseTo(0.0166667, 10);
  });
});

describe('sendMessageBatchRequests', () => {
  it('bills one request per batch of ten, plus one per further 64 KiB of the batch', () => {
    expect(sendMessageBatchRequests([])).toBe(0);
    expect(sendMessageBatchRequests(new Array(25).fill(1024))).toBe(3);
    // 10 × 10 KiB = 100 KiB: two 64 KiB chunks.
    expect(sendMessageBatchRequests(new Array(10).fill(10 * 1024))).toBe(2);
  });
});

describe('quantile', () => {
  it('interpolates between the nearest ranks', () => {
    const values = [28, 10, 12, 14, 16, 18, 20, 22, 24, 26];
    expect(quantile(values, 0.5)).toBe(19);
    expect(quantile(values, 0.9)).toBeCloseTo(26.2, 10);
    expect(quantile([], 0.5)).toBeUndefined();
    expect(quantile([7], 0.9)).toBe(7);
  });
});

describe('estimateBackfillRun', () => {
  it('a Log flow without history: bounded by the workers, no duration, usage from the design (computed by hand)', () => {
    const estimate = estimateBackfillRun({ executions: 1000, maxConcurrency: 500, checksEarlierRuns: false }, LOG_FLOW, FOOTPRINT);

    expect(estimate).toMatchObject({
      // 10 invocations × 10 messages: 100 at once, not the backfill's 500.
      concurrency: 100,
      limitedBy: 'workers',
      pageExecutions: 100,
      waves: 10,
      basis: null,
      durationSeconds: null,
      p90DurationSeconds: null,
      complete: true,
    });
    // 10 pages × (8 DynamoDB requests × 10 ms + 2 rounds of SendMessageBatch × 20 ms).
    expect(estimate.dispatchSeconds).toBeCloseTo(1.2, 10);
    const usage = estimate.usage;
    // 1,000 × (1 item + 2 index entries) + 10 pages × (put, delete, cursor, fold) + 100 deliveries × 1.09 pages marked.
    expect(usage.dynamoDbWriteUnits).toBeCloseTo(3149, 10);
    // 10 pages × (row, flow, 1 open page, the page's own) + (20 pause checks + 10 page ends) × the row.
    expect(usage.dynamoDbReadUnits).toBeCloseTo(70, 10);
    // 10 pages × 10 SendMessageBatch + 100 deliveries × (receive, delete).
    expect(usage.sqsRequests).toBe(300);
    // Two dispatch invocations (Task, Choice each) and the Succeed.
    expect(usage.stateTransitions).toBe(5);
    expect(usage.lambdaRequests).toBe(102);
    // 100 worker invocations × 30 ms at 1 GB, dispatch 1.2 s at 1 GB.
    expect(usage.lambdaGbSeconds).toBeCloseTo(4.2, 10);
    expect(priceUsage(usage, 'arm64').totalUsd).toBeCloseTo(
      3149 * 0.625e-6 + 70 * 0.125e-6 + 300 * 0.4e-6 + 5 * 0.000025 + 102 * 0.2e-6 + 4.2 * 0.0000133334,
      12,
    );
  });

  it('a shell flow with ten timed runs, below a batch of concurrency (computed by hand)', () => {
    const profile: ExecutionProfile = {
      ...LOG_FLOW,
      instant: false,
      runnerTasks: 1,
      itemBytes: 1500,
      messageBytes: 2000,
      runSeconds: [10, 12, 14, 16, 18, 20, 22, 24, 26, 28],
      runnerSeconds: new Array(10).fill(15),
    };

    const estimate = estimateBackfillRun({ executions: 200, maxConcurrency: 50, checksEarlierRuns: false }, profile, FOOTPRINT);

    expect(estimate).toMatchObject({
      concurrency: 50,
      limitedBy: 'backfill',
      // 50 / 19 s end per second: a poll every 0.25 s finds room for one.
      pageExecutions: 1,
      waves: 4,
      basis: { executions: 10, medianSeconds: 19, p90Seconds: expect.closeTo(26.2, 10) },
      complete: true,
    });
    // 200 pages × (80 + 20) ms.
    expect(estimate.dispatchSeconds).toBeCloseTo(20, 10);
    // 4 waves × (19 s + 5 requests × 10 ms); from the 90th percentile 4 × 26.25 s.
    expect(estimate.durationSeconds).toBeCloseTo(76.2, 10);
    expect(estimate.p90DurationSeconds).toBeCloseTo(105, 10);
    const usage = estimate.usage;
    // 200 × (put 2 + 3 entries, a save 2, the end 2 + 2 entries) + 200 pages × 4 + 20 deliveries × 10 pages marked.
    expect(usage.dynamoDbWriteUnits).toBeCloseTo(3200, 10);
    // 200 pages × (row + flow + 50 open pages + 1) + 224.8 polls × 52 + (20 + 200) row reads + 200 × 15 s of kill-flag polls.
    expect(usage.dynamoDbReadUnits).toBeCloseTo(10600 + 224.8 * 52 + 220 + 3000, 6);
    expect(usage.sqsRequests).toBe(240);
    // ceil(76.2 / 60) + 1 = 3 dispatch invocations: 2 × 3 + 1.
    expect(usage.stateTransitions).toBe(7);
    expect(usage.lambdaRequests).toBe(20 + 3 + 200);
    // Worker: 20 × (the 10/11 quantile, 26.36 s, + 50 ms); runner: 200 × 15 s; dispatch: 76.2 s. All 1 GB.
    expect(usage.lambdaGbSeconds).toBeCloseTo(20 * (26 + (8.1818181818 - 8) * 2 + 0.05) + 3000 + 76.2, 6);
  });

  it('hands the wait to the state machine when room for a batch takes longer than the wait inside dispatch', () => {
    const profile: ExecutionProfile = { ...LOG_FLOW, instant: false, runnerTasks: 1, runSeconds: [60], runnerSeconds: [59] };

    const estimate = estimateBackfillRun({ executions: 1000, maxConcurrency: 100, checksEarlierRuns: false }, profile, FOOTPRINT);

    // 10 waves × (60 s + 50 ms).
    expect(estimate.durationSeconds).toBeCloseTo(600.5, 10);
    // A batch's room opens every 60 s: cycles of 4 s waiting in dispatch and a 2 s Wait, ceil(600.5 / 6) + 1 invocations.
    expect(estimate.usage.stateTransitions).toBe(2 * 102 + 101 + 1);
    expect(estimate.usage.lambdaRequests).toBe(100 + 102 + 1000);
  });

  it('counts a flow of runner tasks without history as a lower bound', () => {
    const estimate = estimateBackfillRun(
      { executions: 10, maxConcurrency: 500, checksEarlierRuns: false },
      { ...LOG_FLOW, instant: false, runnerTasks: 2 },
      FOOTPRINT,
    );

    expect(estimate).toMatchObject({ complete: false, durationSeconds: null, basis: null });
  });

  it('reads the tick index for each batch when earlier runs may be skipped', () => {
    const all = estimateBackfillRun({ executions: 1000, maxConcurrency: 500, checksEarlierRuns: false }, LOG_FLOW, FOOTPRINT);
    const missing = estimateBackfillRun({ executions: 1000, maxConcurrency: 500, checksEarlierRuns: true }, LOG_FLOW, FOOTPRINT);

    // 10 batches × (8 shards + up to 100 states).
    expect(missing.usage.dynamoDbReadUnits - all.usage.dynamoDbReadUnits).toBeCloseTo(1080, 6);
    expect(missing.dispatchSeconds).toBeCloseTo(1.2 + 10 * 0.02, 10);
  });
});
