import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_LIMITS } from '../../lib/domain/search-limits';
import { logFlow } from '../support/flows';
import { type TestProduct, startProduct, waitWhileProgressing } from '../support/local';

const LOG_FLOW = logFlow('scale', 'minutely', { id: 'every_minute', cron: '* * * * *' });

const TICKS = 10_000;

/**
 * 10,000 ticks through the real ASL on aws-local-stepfunctions, with the real dispatch, worker and
 * dynalite. Small generations force continue-as-new several times on the way.
 */
describe(`a ${TICKS}-tick backfill through the real state machine`, () => {
  let product: TestProduct;

  beforeAll(async () => {
    product = await startProduct({
      env: {
        BACKFILL_BATCH_SIZE: '500',
        // Two batches in flight at most: dispatch keeps waiting for room, so it runs for as long as
        // the executions take, round after round, however fast the machine (with room for all ten
        // thousand, a fast machine dispatched everything in the first round and never continued).
        BACKFILL_MAX_IN_FLIGHT: '1000',
        // One-second dispatch rounds (each a state machine loop iteration) and two rounds per
        // execution: continue-as-new runs several times on the way, as over a long backfill.
        BACKFILL_DISPATCH_ROUND_SECONDS: '1',
        BACKFILL_MAX_ITERATIONS_PER_EXECUTION: '2',
        // A round that ends while waiting for room hands the wait to the state machine: a short Wait,
        // so the backfill goes on at once. The worker that ends the last execution completes it.
        BACKFILL_THROTTLE_WAIT_SECONDS: '1',
      },
      workerConcurrency: 4,
      workerBatchSize: 10,
    });
    expect((await product.api.createFlow(LOG_FLOW)).status).toBe(200);
  });
  afterAll(async () => product?.close());

  /** Whether the backfill ran to its end, waiting as long as its executions keep ending. */
  const waitForBackfill = (stallMs: number) =>
    waitWhileProgressing(async () => {
      const { body } = await product.api.call('GET', '/api/v1/triggers/scale/minutely');
      const progress = body.results[0].backfill?.progress;
      return { done: !progress, progress: progress ? progress.dispatched + progress.succeeded + progress.failed : TICKS };
    }, stallMs);

  it('creates exactly one execution per tick, in few state transitions per tick', async () => {
    const start = new Date(Date.now() - 30 * 86_400_000);
    start.setUTCSeconds(0, 0);
    const end = new Date(start.getTime() + (TICKS - 1) * 60_000);
    const began = Date.now();
    const response = await product.api.call('PUT', '/api/v1/triggers', {
      namespace: 'scale',
      flowId: 'minutely',
      triggerId: 'every_minute',
      backfill: { start: start.toISOString(), end: end.toISOString(), labels: [{ key: 'run', value: 'scale' }] },
    });
    expect(response.status).toBe(200);
    expect(response.body.backfill.progress.total).toBe(TICKS);

    // Its pace depends on how busy the machine is; what must never happen is a stall: a minute in
    // which no execution is dispatched or ends. The test's time limit is only a backstop.
    const cleared = await waitForBackfill(60_000);
    expect(cleared, 'backfill finished and cleared, never stalling').toBe(true);
    const seconds = (Date.now() - began) / 1000;

    // Read by tick through the store: exact per tick, and cheaper than paging through 10,000 documents.
    const byTick = await product.runtime.deps.executions.statesByTick(
      { namespace: 'scale', flowId: 'minutely', triggerId: 'every_minute' },
      start.getTime(),
      end.getTime(),
    );
    expect(byTick.size).toBe(TICKS);
    expect([...byTick.values()].every((runs) => runs.length === 1 && runs[0]?.state === 'SUCCESS')).toBe(true);
    const search = await product.api.call('GET', '/api/v1/executions/search?namespace=scale&flowId=minutely&labels=run:scale&size=25');
    // 10,000 match: past the search's counting bound, `total` says "at least".
    expect(search.body).toMatchObject({ total: SEARCH_LIMITS.countUpTo, totalIsLowerBound: true });
    expect(search.body.results).toHaveLength(25);

    const { stateTransitions, executionsStarted } = product.runtime.workflows.stats;
    const perTick = stateTransitions / TICKS;
    console.log(
      `[scale] ${TICKS} ticks in ${seconds.toFixed(1)} s (${(TICKS / seconds).toFixed(0)} executions/s end to end); ` +
        `${stateTransitions} state transitions in ${executionsStarted} state machine executions = ${perTick.toFixed(4)} per tick`,
    );
    // 20 batches of 500 in one-second rounds, plus the drain and the hand-overs: far under one transition per tick.
    expect(perTick).toBeLessThan(0.05);
    // Continued as new at least once (a round lasts a second, an execution two rounds, and the
    // executions in flight take seconds to drain at any speed this runtime reaches).
    expect(executionsStarted).toBeGreaterThanOrEqual(2);
  }, 900_000);
});
