import { beforeEach, describe, expect, it } from 'vitest';
import { ESTIMATE_SAMPLE } from '../../../lib/app/backfill-estimate';
import { previewBackfill } from '../../../lib/app/backfills';
import { priceUsage } from '../../../lib/domain/cost/pricing';
import { type Execution, type StateType, newState, transition } from '../../../lib/domain/execution';
import { SHELL_COMMANDS_TYPE } from '../../../lib/domain/flow/model';
import type { StoredExecution } from '../../../lib/ports';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfillRequest, aFlow, aSettings, aStoredExecution, aTriggerState } from '../../support/factories';

const SHELL_FLOW = aFlow({
  tasks: [
    { id: 'say', type: 'io.kestra.plugin.core.log.Log', message: 'hi', level: 'INFO' },
    { id: 'work', type: SHELL_COMMANDS_TYPE, runner: 'PROCESS', commands: ['sleep 5'], beforeCommands: [], env: {} },
  ],
});

/**
 * An ended execution of dev.reports that waited `queuedSeconds` CREATED, then ran `runSeconds`, its
 * shell task `work` taking `shellSeconds` of it.
 */
function ranFor(
  id: string,
  startedAt: string,
  runSeconds: number,
  options: { queuedSeconds?: number; shellSeconds?: number; state?: StateType } = {},
): StoredExecution {
  const created = new Date(startedAt);
  const running = new Date(created.getTime() + (options.queuedSeconds ?? 0) * 1000);
  const end = new Date(running.getTime() + runSeconds * 1000);
  const stored = aStoredExecution({ id, createdAt: startedAt, tickMs: created.getTime(), backfillId: 'earlier' });
  const execution: Execution = stored.execution;
  execution.state = transition(transition(newState(created), 'RUNNING', running), options.state ?? 'SUCCESS', end);
  if (options.shellSeconds !== undefined) {
    const taskStart = new Date(end.getTime() - options.shellSeconds * 1000);
    execution.taskRunList = [
      {
        id: `${id}-work`,
        executionId: id,
        namespace: 'dev',
        flowId: 'reports',
        taskId: 'work',
        state: transition(transition(newState(taskStart), 'RUNNING', taskStart), 'SUCCESS', end),
        attempts: [],
      },
    ];
  }
  return stored;
}

describe('the dry run estimate', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies({ settings: aSettings({ backfill: { maxTicks: 100 } }) });
    await deps.flows.create(SHELL_FLOW);
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  it('times the backfill from the median run (RUNNING to end, not the queue wait) × waves of its concurrency', async () => {
    await deps.executions.createMany([
      ranFor('a', '2026-02-20T00:00:00.000Z', 2, { queuedSeconds: 100, shellSeconds: 1 }),
      ranFor('b', '2026-02-20T01:00:00.000Z', 4, { queuedSeconds: 100, shellSeconds: 3 }),
      ranFor('c', '2026-02-20T02:00:00.000Z', 6, { queuedSeconds: 100, shellSeconds: 5 }),
      ranFor('d', '2026-02-20T03:00:00.000Z', 8, { queuedSeconds: 100, shellSeconds: 7, state: 'FAILED' }),
      ranFor('e', '2026-02-20T04:00:00.000Z', 10, { queuedSeconds: 100, shellSeconds: 9 }),
      // Neither a killed nor an unfinished execution times the flow.
      ranFor('killed', '2026-02-20T05:00:00.000Z', 1000, { state: 'KILLED' }),
      aStoredExecution({ id: 'running', createdAt: '2026-02-20T06:00:00.000Z', state: 'RUNNING' }),
    ]);

    // Seven hourly ticks, two at once.
    const preview = await previewBackfill(deps, aBackfillRequest({ end: new Date('2026-02-01T06:00:00Z'), maxConcurrency: 2 }));

    // Median run 6 s (p90 9.2 s); 4 waves of 2, each a run plus the worker's own 5 requests of 10 ms
    // (pause check, put RUNNING, a save before the shell task, the end, the ledger mark).
    expect(preview.estimate.duration).toEqual({
      estimated: 'PT24.2S',
      seconds: 24.2,
      p90: 'PT37S',
      p90Seconds: 37,
      basis: { executions: 5, medianSeconds: 6, p90Seconds: 9.2 },
      executions: 7,
      concurrency: 2,
      limitedBy: 'backfill.maxConcurrency',
      waves: 4,
      // Seven pages of one (room for one opens per poll) × (8 DynamoDB requests × 10 ms + a SendMessageBatch of 20 ms).
      dispatchSeconds: 0.7,
    });
    expect(preview.estimatedDuration).toBe('PT24.2S');
    expect(preview.estimatedDurationSeconds).toBe(24.2);
  });

  it('prices the usage it models at AWS list prices, labelled as not billed on the local default', async () => {
    await deps.executions.createMany([ranFor('a', '2026-02-20T00:00:00.000Z', 6, { shellSeconds: 5 })]);

    const preview = await previewBackfill(deps, aBackfillRequest({ end: new Date('2026-02-01T06:00:00Z'), maxConcurrency: 2 }));

    const { cost } = preview.estimate;
    expect(cost).toMatchObject({ pricing: 'AWS list prices, us-east-1', billed: false, complete: true });
    expect(preview.estimatedCostUsd).toBe(cost.usd);
    expect(cost.usd).toBeCloseTo(priceUsage(cost.usage, 'arm64').totalUsd, 5);
    // Per execution 5 s on the task runner (1 GB), besides the worker's wait: 7 × 5 = 35 GB-s at least.
    expect(cost.usage.lambdaGbSeconds).toBeGreaterThan(35);
    // The task runner reads the kill flag once a second: 35 read units among the rest.
    expect(cost.usage.dynamoDbReadUnits).toBeGreaterThan(35);
    // 7 task runner invocations, 4 worker deliveries of at most two (the backfill keeps two in flight), and dispatch's.
    expect(cost.usage.lambdaRequests).toBe(7 + 4 + Math.ceil(24.2 / 60) + 1);
  });

  it('says the cost is billed on AWS (a state machine is configured)', async () => {
    deps.settings = aSettings({ backfill: { maxTicks: 100 } });
    deps.settings.stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:backfill';

    const preview = await previewBackfill(deps, aBackfillRequest());

    expect(preview.estimate.cost.billed).toBe(true);
  });

  it('without ended executions: no duration, and a cost that leaves out task time, saying so', async () => {
    const preview = await previewBackfill(deps, aBackfillRequest());

    expect(preview.estimatedDuration).toBeNull();
    expect(preview.estimate.duration).toMatchObject({ basis: null, reason: 'No ended execution of flow dev.reports yet to time it from' });
    expect(preview.estimate.cost).toMatchObject({
      complete: false,
      reason: 'No ended execution of flow dev.reports yet: the time of its tasks is not counted',
    });
  });

  it(`reads only the latest ${ESTIMATE_SAMPLE} ended executions`, async () => {
    // 25 executions: the 5 oldest ran 1,000 s, the 20 newest 3 s.
    await deps.executions.createMany(
      Array.from({ length: 25 }, (_, i) =>
        ranFor(`x${i}`, new Date(Date.parse('2026-02-20T00:00:00Z') + i * 60_000).toISOString(), i < 5 ? 1000 : 3, { shellSeconds: 1 }),
      ),
    );

    const preview = await previewBackfill(deps, aBackfillRequest());

    expect(preview.estimate.duration.basis).toEqual({ executions: ESTIMATE_SAMPLE, medianSeconds: 3, p90Seconds: 3 });
  });

  it('bounds the concurrency by what the workers take at once', async () => {
    await deps.executions.createMany([ranFor('a', '2026-02-20T00:00:00.000Z', 1, { shellSeconds: 1 })]);
    deps.settings = aSettings({ backfill: { maxTicks: 100 }, worker: { batchSize: 2, concurrency: 3 } });

    const preview = await previewBackfill(deps, aBackfillRequest());

    expect(preview.estimate.duration).toMatchObject({ executions: 10, concurrency: 6, limitedBy: 'workers', waves: 2 });
  });
});
