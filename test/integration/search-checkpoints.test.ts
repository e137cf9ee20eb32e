import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTables } from '../../lib/adapters/dynamodb/create-tables';
import { DynamoExecutionStore } from '../../lib/adapters/dynamodb/execution-store';
import { EXECUTIONS_SEARCH } from '../../lib/adapters/dynamodb/tables';
import { type LocalDynamo, startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { readSettings } from '../../lib/config';
import { type Execution, type StateType, newState, transition } from '../../lib/domain/execution';
import type { ExecutionQuery, StoredExecution } from '../../lib/ports';
import { logFlow, minuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';
import { seededRandom } from '../support/seeded-random';

/**
 * Search checkpoints (lib/adapters/dynamodb/search-checkpoints.ts) against dynalite: a store that
 * keeps them answers every search exactly as a store without them over the same table, across
 * seeded random interleavings of new executions (at the top and late, below older ones; conditional
 * and unconditional puts, duplicates; of two triggers or none), state changes (claims, finishes, and
 * restarts, which take an end date away), and searches on every filter, some of them concurrent
 * with writes. Executions are never deleted by the store, so there are no deletions to
 * interleave; labels never change after creation.
 */
const LABELS = ['reason:outage', 'team:a', 'team:b'];
const T0 = Date.parse('2026-06-01T00:00:00Z');

interface Model {
  namespace: string;
  /**
   * The choices added with the trigger id and end date filters (triggers, restarts) draw from a
   * stream of their own, so the main stream's interleavings stay those the savings bound below was
   * measured on.
   */
  extra: () => number;
  executions: Map<string, { execution: Execution; leaseToken?: string }>;
  clockMs: number;
  nextId: number;
}

function queriesOf(namespace: string): Omit<ExecutionQuery, 'page' | 'size'>[] {
  const label = (key: string, value: string) => ({ key, value });
  return [
    { namespace, flowId: 'a', labels: [label('reason', 'outage')] },
    { namespace, flowId: 'a' },
    { namespace },
    { namespace, flowId: 'b', labels: [label('team', 'a')] },
    { namespace, labels: [label('reason', 'outage'), label('team', 'b')] },
    { namespace, flowId: 'a', states: ['SUCCESS', 'FAILED'] },
    { namespace, labels: [label('reason', 'outage')], states: ['CREATED', 'RUNNING'] },
    { namespace, flowId: 'a', excludedLabels: [label('team', 'b')] },
    { namespace, idContains: '1' },
    { namespace, labels: [label('reason', 'outage')], startDate: { from: new Date(T0 + 180_000).toISOString() } },
    { namespace, flowId: 'a', startDate: { from: new Date(T0 + 60_000).toISOString(), before: new Date(T0 + 360_000).toISOString() } },
    { namespace, startDate: { before: new Date(T0 + 240_000).toISOString() }, excludedLabels: [label('reason', 'outage')] },
    { namespace, flowId: 'a', triggerId: [{ operation: 'EQUALS', values: ['hourly'] }] },
    { namespace, labels: [label('reason', 'outage')], triggerId: [{ operation: 'NOT_IN', values: ['hourly'] }] },
    { namespace, endDate: { from: new Date(T0 + 120_000).toISOString() } },
    { namespace, flowId: 'a', endDate: { before: new Date(T0 + 300_000).toISOString() }, triggerId: [{ operation: 'STARTS_WITH', values: ['d'] }] },
    { namespace, states: ['FAILED'], endDate: { from: new Date(T0 + 60_000).toISOString(), before: new Date(T0 + 400_000).toISOString() } },
  ];
}

describe('executions search with checkpoints (dynalite)', () => {
  let dynamo: LocalDynamo;
  let checked: DynamoExecutionStore;
  let fresh: DynamoExecutionStore;
  let reads: ReturnType<typeof tallySearchReads>;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    const tables = readSettings({}).tables;
    await ensureTables(dynamo.client, tables);
    // Both over one table; every write goes through `checked`, as the local default's one store makes them all.
    checked = new DynamoExecutionStore(dynamo.client, tables.executions, { soleWriter: true, checkpointSpacing: 7 });
    fresh = new DynamoExecutionStore(dynamo.client, tables.executions);
    reads = tallySearchReads(dynamo.client);
  });
  afterAll(async () => dynamo?.close());

  it.each([1, 2, 3, 4])('seed %i: every search equals an uncached one', async (seed) => {
    const random = seededRandom(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
    const model: Model = { namespace: `seed${seed}`, extra: seededRandom(seed + 1_000), executions: new Map(), clockMs: T0, nextId: 0 };
    const queries = queriesOf(model.namespace);
    let compared = 0;

    const randomQuery = (deep: boolean): ExecutionQuery => {
      const size = pick([3, 5, 10, 25]);
      const pages = Math.ceil(model.executions.size / size) + 1;
      const page = deep ? Math.max(1, Math.ceil(pages * (0.5 + random() / 2))) : 1 + Math.floor(random() * pages);
      return { ...pick(queries), page, size };
    };
    const compare = async (query: ExecutionQuery) => {
      // Tallied apart: a search filtered on states or end dates loses its checkpoints at every state change.
      const tally = query.states?.length || query.endDate ? `${seed} (changing with states)` : `${seed}`;
      reads.into(`checked ${tally}`);
      const got = await checked.search(query);
      reads.into(`fresh ${tally}`);
      const want = await fresh.search(query);
      reads.into(undefined);
      const view = (r: typeof got) => ({ ids: r.results.map((x) => x.id), total: r.total, totalIsLowerBound: r.totalIsLowerBound });
      expect({ query, ...view(got) }).toEqual({ query, ...view(want) });
      compared++;
    };

    for (let step = 0; step < 160; step++) {
      const roll = random();
      if (roll < 0.4) await add(model, random, 1 + Math.floor(random() * 6));
      else if (roll < 0.5) await changeStates(model, random);
      else if (roll < 0.85) await compare(randomQuery(random() < 0.5));
      else {
        // A search racing writes: its own answer depends on the interleaving; what it leaves behind must not.
        await Promise.all([checked.search(randomQuery(true)), add(model, random, 1 + Math.floor(random() * 4)), changeStates(model, random)]);
        await compare(randomQuery(true));
      }
    }
    for (const query of queries) await compare({ ...query, page: 1 + Math.floor(model.executions.size / 10 / 2), size: 10 });
    // No filter was vacuous: each search has matches (and, most, non-matches: the merge filtered).
    for (const query of queries) expect((await fresh.search({ ...query, page: 1, size: 1 })).total, JSON.stringify(query)).toBeGreaterThan(0);
    expect(compared).toBeGreaterThan(60);
    // The checkpoints were used, not merely kept: the same searches read fewer index entries (about
    // 70% here: with a few hundred executions each partition's smallest page, 25 entries, weighs much).
    // Searches filtered on states or end dates are left out: state changes drop theirs every few steps.
    expect(reads.read.get(`checked ${seed}`)).toBeLessThan((reads.read.get(`fresh ${seed}`) ?? 0) * 0.85);
    expect(reads.read.get(`checked ${seed} (changing with states)`)).toBeLessThanOrEqual(reads.read.get(`fresh ${seed} (changing with states)`) ?? 0);
  });

  /** New executions through each write path: mostly newest, some late (an older start date), now and then an existing one again. */
  async function add(model: Model, random: () => number, count: number): Promise<void> {
    const fresh: StoredExecution[] = [];
    for (let i = 0; i < count; i++) {
      model.clockMs += Math.floor(random() * 5_000);
      const late = random() < 0.25;
      const at = new Date(late ? T0 + Math.floor(random() * (model.clockMs - T0)) : model.clockMs);
      const id = `${model.namespace}-${String(model.nextId++).padStart(5, '0')}`;
      const labels = LABELS.filter((_, j) => random() < [0.7, 0.4, 0.3][j]!).map((label) => {
        const [key = '', value = ''] = label.split(':');
        return { key, value };
      });
      const roll = random();
      const state: StateType = roll < 0.4 ? 'CREATED' : roll < 0.7 ? 'SUCCESS' : roll < 0.85 ? 'FAILED' : 'RUNNING';
      let executionState = newState(at);
      if (state !== 'CREATED') executionState = transition(executionState, 'RUNNING', at);
      if (state === 'SUCCESS' || state === 'FAILED') executionState = transition(executionState, state, at);
      const execution: Execution = {
        id,
        namespace: model.namespace,
        flowId: random() < 0.6 ? 'a' : 'b',
        flowRevision: 1,
        labels,
        inputs: {},
        state: executionState,
        taskRunList: [],
      };
      const triggerId = pick(model.extra, ['hourly', 'daily', undefined]);
      if (triggerId) execution.trigger = { id: triggerId, type: 'io.kestra.plugin.core.trigger.Schedule', variables: {} };
      fresh.push({ execution, origin: {} });
    }
    const how = random();
    if (how < 0.15) {
      await checked.createMany(fresh.filter(({ execution }) => execution.state.current !== 'RUNNING'));
      for (const { execution } of fresh) if (execution.state.current !== 'RUNNING') model.executions.set(execution.id, { execution });
    }
    await Promise.all(
      fresh.map(async (stored) => {
        const { execution } = stored;
        if (model.executions.has(execution.id)) return;
        if (execution.state.current === 'RUNNING') {
          const leaseToken = `lease-${execution.id}`;
          if (await checked.createClaimed(stored, leaseToken, Date.now() + 600_000)) model.executions.set(execution.id, { execution, leaseToken });
        } else if (await checked.createIfAbsent(stored)) model.executions.set(execution.id, { execution });
      }),
    );
    // An execution written again (a redelivered message): refused, nothing moves.
    const again = [...model.executions.values()][Math.floor(random() * model.executions.size)];
    if (again && random() < 0.2) expect(await checked.createIfAbsent({ execution: again.execution, origin: {} })).toBe(false);
  }

  /** A claim of a CREATED (or RESTARTED) execution, the end of a RUNNING one, or the restart of a FAILED one. */
  async function changeStates(model: Model, random: () => number): Promise<void> {
    const all = [...model.executions.values()];
    const created = all.filter(({ execution }) => execution.state.current === 'CREATED' || execution.state.current === 'RESTARTED');
    const running = all.filter(({ execution, leaseToken }) => execution.state.current === 'RUNNING' && leaseToken);
    const failed = all.filter(({ execution }) => execution.state.current === 'FAILED');
    const now = new Date(model.clockMs);
    if (model.extra() < 0.3 && failed.length) {
      const chosen = pick(model.extra, failed);
      const restarted = await checked.restart(chosen.execution.id, now);
      if (restarted.outcome === 'RESTARTED') model.executions.set(chosen.execution.id, { execution: restarted.stored.execution });
    }
    if (random() < 0.5 && created.length) {
      const chosen = created[Math.floor(random() * created.length)]!;
      const leaseToken = `lease-${chosen.execution.id}`;
      const claimed = await checked.claim(chosen.execution.id, leaseToken, Date.now() + 600_000, now);
      if (claimed.outcome === 'CLAIMED') model.executions.set(chosen.execution.id, { execution: claimed.stored.execution, leaseToken });
    } else if (running.length) {
      const chosen = running[Math.floor(random() * running.length)]!;
      const execution = { ...chosen.execution, state: transition(chosen.execution.state, random() < 0.7 ? 'SUCCESS' : 'FAILED', now) };
      if (await checked.finish({ execution, origin: {} }, chosen.leaseToken ?? '')) model.executions.set(execution.id, { execution });
    }
  }
});

describe('executions search with checkpoints in the local default', () => {
  let product: TestProduct;
  let client: DynamoDBClient | undefined;
  let reads: ReturnType<typeof tallySearchReads> | undefined;
  const ref = { namespace: 'deep', flowId: 'pages', triggerId: 'minute' };
  const path = (page: number) => `/api/v1/executions/search?namespace=deep&flowId=pages&labels=case:deep&size=25&page=${page}`;
  const backfillOf = async () => (await product.api.call('GET', '/api/v1/triggers/deep/pages')).body.results[0]?.backfill;

  beforeAll(async () => {
    product = await startProduct({
      env: { BACKFILL_BATCH_SIZE: '25', BACKFILL_MAX_IN_FLIGHT: '50', BACKFILL_THROTTLE_WAIT_SECONDS: '1' },
      workerConcurrency: 4,
      workerBatchSize: 2,
      instrument: {
        dynamo: (shared) => {
          client = shared;
          reads = tallySearchReads(shared);
        },
      },
    });
    expect((await product.api.createFlow(logFlow(ref.namespace, ref.flowId, { id: ref.triggerId, cron: '* * * * *' }))).status).toBe(200);
  });
  afterAll(async () => product?.close());

  async function backfill(window: { start: string; end: string }): Promise<void> {
    const response = await product.api.call('PUT', '/api/v1/triggers', { ...ref, backfill: { ...window, labels: [{ key: 'case', value: 'deep' }] } });
    expect(response.status).toBe(200);
  }

  it('answers deep pages read while a backfill writes (paused and resumed on the way) as an uncached search does once it ended', async () => {
    await backfill(minuteWindow(300, 9));
    expect(await waitFor(async () => !(await backfillOf()), 120_000, 200)).toBe(true);
    await product.runtime.queue.idle();
    for (const page of [4, 8, 11]) expect((await product.api.call('GET', path(page))).status).toBe(200);

    // A second backfill of the same flow and label: new executions above every checkpoint, written
    // by the worker's own paths (a pause and a resume on the way). Executions landing below newer
    // ones (late writes) are the seeded tests' above, where their start dates are chosen.
    await backfill(minuteWindow(300, 8));
    let rounds = 0;
    const readDeepPages = async () => {
      for (const page of [6, 10, 12]) expect((await product.api.call('GET', path(page))).status).toBe(200);
      rounds++;
    };
    await waitFor(async () => (await product.api.call('GET', path(1))).body.total > 350, 60_000, 50);
    expect((await product.api.call('PUT', '/api/v1/triggers/backfill/pause', ref)).status).toBe(200);
    for (let i = 0; i < 5; i++) await readDeepPages();
    expect((await product.api.call('PUT', '/api/v1/triggers/backfill/unpause', ref)).status).toBe(200);
    await waitFor(
      async () => {
        await readDeepPages();
        return !(await backfillOf());
      },
      120_000,
      0,
    );
    await product.runtime.queue.idle();

    const uncached = new DynamoExecutionStore(client as DynamoDBClient, readSettings({}).tables.executions);
    for (let page = 1; page <= 25; page++) {
      reads?.into('api');
      const { body } = await product.api.call('GET', path(page));
      reads?.into('uncached');
      const want = await uncached.search({ namespace: 'deep', flowId: 'pages', labels: [{ key: 'case', value: 'deep' }], page, size: 25 });
      reads?.into(undefined);
      expect({ page, ids: body.results.map((x: Execution) => x.id), total: body.total, lowerBound: body.totalIsLowerBound }).toEqual({
        page,
        ids: want.results.map((x) => x.id),
        total: want.total,
        lowerBound: want.totalIsLowerBound,
      });
    }
    expect(rounds).toBeGreaterThan(5);
    expect(reads?.read.get('api'), 'pages past the first checkpoint start below one').toBeLessThan((reads?.read.get('uncached') ?? 0) / 2);
  });
});

function pick<T>(random: () => number, items: T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * Adds up the index entries search Queries read (their ScannedCount) into whichever tally `into()`
 * names at the time: how the tests see that checkpoints spared reading (a store without them reads
 * every entry before a page).
 */
function tallySearchReads(client: DynamoDBClient): { into(name: string | undefined): void; read: Map<string, number> } {
  const read = new Map<string, number>();
  let current: string | undefined;
  const send = client.send.bind(client);
  client.send = (async (command: { input?: { IndexName?: string } }, ...rest: unknown[]) => {
    const name = current;
    const out = (await (send as (...args: unknown[]) => Promise<{ ScannedCount?: number }>)(command, ...rest)) ?? {};
    if (name !== undefined && command.input?.IndexName === EXECUTIONS_SEARCH) read.set(name, (read.get(name) ?? 0) + (out.ScannedCount ?? 0));
    return out;
  }) as typeof client.send;
  return {
    into: (name) => {
      current = name;
    },
    read,
  };
}
