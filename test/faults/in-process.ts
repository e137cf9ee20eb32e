import { TERMINAL_STATES } from '../../lib/domain/execution';
import { storesFor } from '../../lib/adapters/dynamodb/stores';
import { startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { readSettings } from '../../lib/config';
import { startLocal } from '../../local/runtime';
import { type DynamoFaults, startDynamoFaultProxy } from '../support/dynamo-fault-proxy';
import { Api, waitWhileProgressing } from '../support/local';
import { type ProcessFaults, type QueueFaults, faultInjector } from './injectors';
import type { TriggerState } from '../../lib/domain/trigger-state';
import { type RunOutcome, backfillWindow, flowYaml, putBackfill, splitWindow, summarize } from './outcome';

export interface InProcessPlan {
  name: string;
  ticks: number;
  flow: 'log' | 'shell';
  seed: number;
  dynamo?: DynamoFaults;
  queue?: QueueFaults;
  process?: ProcessFaults;
  /** Gives up once nothing has moved for this long (the run is then reported as failed, not hung). */
  stallMs?: number;
  /** The window cut into this many backfills of one trigger, on disjoint windows, running at once (1 by default). */
  backfills?: number;
}

/**
 * Settings for every fault run: the sweep every second, a message counted lost after 3 s, leases of
 * 3 s (a crashed worker's execution comes back quickly), short throttle waits. Small batches and
 * dispatch rounds of 1 s (one state machine task invocation each) give dispatch more places to crash.
 */
export const FAULT_SETTINGS: Record<string, string> = {
  SWEEP_INTERVAL_SECONDS: '1',
  SWEEP_STALE_SECONDS: '3',
  WORKER_LEASE_SECONDS: '3',
  BACKFILL_BATCH_SIZE: '25',
  BACKFILL_MAX_IN_FLIGHT: '200',
  BACKFILL_THROTTLE_WAIT_SECONDS: '1',
  BACKFILL_DISPATCH_WAIT_SECONDS: '1',
  BACKFILL_DISPATCH_ROUND_SECONDS: '1',
};

const REF = { namespace: 'faults', flowId: 'backfilled', triggerId: 'minute' };

/**
 * One backfill of `ticks` ticks (or `backfills` of them on disjoint parts of the window, at once) through the local runtime in this process, on a DynamoDB endpoint
 * of its own (dynalite started apart, behind the fault proxy: DYNAMODB_ENDPOINT), with the faults
 * of `plan`; then checks what it left, reading the store directly (not through the proxy).
 */
export async function runInProcess(plan: InProcessPlan): Promise<RunOutcome> {
  const started = performance.now();
  const dynamo = await startLocalDynamo(undefined);
  const proxy = await startDynamoFaultProxy(dynamo.endpoint, plan.seed);
  const injector = faultInjector(plan.seed + 1, plan.queue, plan.process);
  const env = { ...FAULT_SETTINGS };
  const runtime = await startLocal({
    port: 0,
    dynamoEndpoint: proxy.url,
    env,
    visibilityTimeoutMs: 500,
    instrument: { dependencies: injector.wrap, handler: injector.handler },
  });
  const direct = storesFor(dynamo.client, readSettings(env).tables);
  try {
    const api = new Api(runtime.url);
    const created = await api.createFlow(flowYaml(REF, plan.flow));
    if (created.status !== 200) throw new Error(`creating the flow answered ${created.status}: ${JSON.stringify(created.body)}`);
    const window = backfillWindow(plan.ticks);
    proxy.arm(plan.dynamo ?? {});
    const backfillIds = await Promise.all(splitWindow(window, plan.backfills ?? 1).map((part) => putBackfill(api, REF, part)));
    // Every backfill ended, the last one to end COMPLETED (an earlier one that did not would leave ticks missing).
    const allEnded = (state: TriggerState | undefined) =>
      state !== undefined && state.backfills.length === 0 && backfillIds.includes(state.lastBackfill?.id ?? '');

    const settled = async () => {
      const state = await direct.triggers.get(REF);
      const byTick = await direct.executions.statesByTick(REF, window.fromMs, window.toMs);
      const terminal = [...byTick.values()].flat().filter((run) => TERMINAL_STATES.has(run.state)).length;
      const dispatched = (state?.backfills ?? []).reduce((sum, backfill) => sum + backfill.dispatched, 0);
      return { done: allEnded(state) && terminal >= plan.ticks, progress: terminal + dispatched };
    };
    await waitWhileProgressing(settled, plan.stallMs ?? 60_000, 250);
    proxy.disarm();
    injector.stop();

    const state = await direct.triggers.get(REF);
    const byTick = await direct.executions.statesByTick(REF, window.fromMs, window.toMs);
    const search = await api.call('GET', `/api/v1/executions/search?namespace=${REF.namespace}&flowId=${REF.flowId}&size=1`);
    const injected = { ...proxy.counts, ...injector.counts };
    return summarize({
      name: plan.name,
      expectedTicks: plan.ticks,
      window,
      byTick,
      backfillEnded: allEnded(state) && state?.lastBackfill?.outcome === 'COMPLETED',
      searchTotal: search.status === 200 ? search.body.total : -1,
      injected: describeInjected(injected),
      wallSeconds: (performance.now() - started) / 1000,
    });
  } finally {
    proxy.disarm();
    injector.stop();
    await runtime.close();
    await proxy.close();
    await dynamo.close();
  }
}

function describeInjected(counts: Record<string, number>): string {
  const names: Record<string, string> = {
    throttled: 'throttled',
    errors500: '500s',
    slowed: 'slow',
    lostAnswers: 'answers lost',
    duplicated: 'duplicated',
    delayed: 'delayed',
    lost: 'messages lost',
    workerCrashes: 'worker crashes',
    dispatchCrashes: 'dispatch crashes',
  };
  const parts = Object.entries(names).flatMap(([key, label]) => (counts[key] ? [`${counts[key]} ${label}`] : []));
  return `${parts.join(', ') || 'none'} (of ${counts.requests} DynamoDB requests)`;
}
