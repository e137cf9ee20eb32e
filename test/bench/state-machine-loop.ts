/**
 * The backfill state machine's own costs, on the real local runtime (the same ASL on
 * aws-local-stepfunctions, the same dispatch, park and worker handlers, dynalite) with the default
 * settings: state transitions per tick over a 10,000-tick Log-flow backfill, and how long a pause
 * takes to stop dispatching. Both are counted from real calls; nothing here is asserted.
 */
import type { LocalRuntime } from '../../local/runtime';
import { logFlow } from '../support/flows';
import { type Api, startProduct, succeededTicks, waitFor, waitWhileProgressing } from '../support/local';

export interface LoopFigures {
  ticks: number;
  stateTransitions: number;
  executionsStarted: number;
  seconds: number;
  /** One sample per pause: ms from sending the pause request until the state machine parked. */
  pauseToParkedMs: number[];
  /** One sample per pause: ms from sending the pause request until the last batch write that followed it (0: none followed). */
  pauseToLastBatchMs: number[];
  /** One sample per pause: ticks dispatched after the pause request was sent. */
  ticksAfterPause: number[];
}

const TICKS = 10_000;
const PAUSES = 6;

/** A backfill of `count` minutely ticks ending a day ago. */
function window(count: number) {
  const start = new Date(Date.now() - 30 * 86_400_000);
  start.setUTCSeconds(0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + (count - 1) * 60_000).toISOString() };
}

/**
 * Wraps the runtime's trigger store (the handlers call its methods through the same object) to see
 * when a batch moved the cursor and when a park stored its task token.
 */
function watchDispatch(runtime: LocalRuntime) {
  const triggers = runtime.deps.triggers;
  const advance = triggers.advanceBackfill.bind(triggers);
  const store = triggers.storeTaskToken.bind(triggers);
  const seen = { lastBatchAt: 0, ticks: 0, parkedAt: 0 };
  triggers.advanceBackfill = async (...args) => {
    const moved = await advance(...args);
    if (moved) {
      seen.lastBatchAt = performance.now();
      seen.ticks += args[3].dispatchedDelta;
    }
    return moved;
  };
  triggers.storeTaskToken = async (...args) => {
    const backfill = await store(...args);
    if (backfill?.paused) seen.parkedAt = performance.now();
    return backfill;
  };
  return seen;
}

export async function measureStateMachineLoop(log: (line: string) => void): Promise<LoopFigures> {
  const product = await startProduct();
  try {
    const api: Api = product.api;
    const ids = { namespace: 'bench', flowId: 'loop', triggerId: 'minute' };
    const pausedIds = { ...ids, flowId: 'paused' };
    for (const id of [ids, pausedIds]) {
      const created = await api.createFlow(logFlow(id.namespace, id.flowId, { id: id.triggerId, cron: '* * * * *' }));
      if (created.status !== 200) throw new Error(JSON.stringify(created.body));
    }
    const backfillOf = async (which: typeof ids) => (await api.call('GET', `/api/v1/triggers/${which.namespace}/${which.flowId}`)).body.results[0].backfill;

    // 1. Transitions per tick over a whole backfill, drain included.
    const began = performance.now();
    const backfill = window(TICKS);
    const put = await api.call('PUT', '/api/v1/triggers', { ...ids, backfill });
    if (put.status !== 200) throw new Error(JSON.stringify(put.body));
    const finished = await waitWhileProgressing(async () => {
      const progress = (await backfillOf(ids))?.progress;
      return { done: !progress, progress: progress ? progress.dispatched + progress.succeeded + progress.failed : TICKS };
    }, 60_000);
    if (!finished) throw new Error('the backfill stalled');
    const seconds = (performance.now() - began) / 1000;
    await product.runtime.workflows.idle();
    const { stateTransitions, executionsStarted } = product.runtime.workflows.stats;
    const succeeded = await succeededTicks(product, ids, Date.parse(backfill.start), Date.parse(backfill.end));
    if (succeeded !== TICKS) throw new Error(`${succeeded} of ${TICKS} ticks have a successful execution`);
    log(`  ${TICKS} ticks in ${seconds.toFixed(1)} s: ${stateTransitions} state transitions in ${executionsStarted} state machine executions`);

    // 2. Pause latency, sampled at different moments of another backfill (dispatching or throttled).
    const seen = watchDispatch(product.runtime);
    const figures: LoopFigures = {
      ticks: TICKS,
      stateTransitions,
      executionsStarted,
      seconds,
      pauseToParkedMs: [],
      pauseToLastBatchMs: [],
      ticksAfterPause: [],
    };
    const started = await api.call('PUT', '/api/v1/triggers', { ...pausedIds, backfill: window(TICKS) });
    if (started.status !== 200) throw new Error(JSON.stringify(started.body));
    for (let i = 0; i < PAUSES; i++) {
      // Let it run a varying while (the state machine is then dispatching, or waiting for room).
      await new Promise((resolve) => setTimeout(resolve, 700 + 450 * i));
      seen.parkedAt = 0;
      const ticksBefore = seen.ticks;
      const sent = performance.now();
      const paused = await api.call('PUT', '/api/v1/triggers/backfill/pause', pausedIds);
      if (paused.status !== 200) throw new Error(`pause answered ${paused.status}: ${JSON.stringify(paused.body)}`);
      if (!(await waitFor(async () => seen.parkedAt > 0, 30_000, 5))) throw new Error('the state machine did not park within 30 s');
      figures.pauseToParkedMs.push(seen.parkedAt - sent);
      figures.pauseToLastBatchMs.push(Math.max(0, seen.lastBatchAt - sent));
      figures.ticksAfterPause.push(seen.ticks - ticksBefore);
      if ((await api.call('PUT', '/api/v1/triggers/backfill/unpause', pausedIds)).status !== 200) throw new Error('unpause failed');
    }
    await api.call('POST', '/api/v1/triggers/backfill/delete', pausedIds);
    return figures;
  } finally {
    await product.close();
  }
}

/** Median and maximum of some samples, as text. */
export function spread(samples: number[], unit: string): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return `median ${median.toFixed(0)} ${unit}, max ${(sorted.at(-1) ?? Number.NaN).toFixed(0)} ${unit} (${sorted.map((s) => s.toFixed(0)).join(', ')})`;
}
