import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transition } from '../../lib/domain/execution';
import { ledgerPageId } from '../../lib/domain/ledger';
import type { SearchLimits } from '../../lib/domain/search-limits';
import type { TriggerRef } from '../../lib/domain/trigger-state';
import type { TextCondition, TextOperation, TriggerIdCondition } from '../../lib/domain/text-match';
import type { ExecutionQuery, ExecutionStore, StoredExecution } from '../../lib/ports';
import { type StoredExecutionOptions, aStoredExecution } from '../support/factories';

/** A store under test and how to dispose of it. */
export interface ExecutionStoreUnderTest {
  store: ExecutionStore;
  close(): Promise<void>;
}

const NOW = new Date('2026-03-01T12:00:00.000Z');
const LEASE_MS = 60_000;
const TRIGGER: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');

/**
 * What every ExecutionStore guarantees, asserted through the port only: leases that make exactly
 * one worker run an execution, claim outcomes, the counts dispatch and progress read, the by-tick
 * view reprocess consults, and search. Run against the in-memory fake and DynamoExecutionStore on dynalite.
 */
export function describeExecutionStoreContract(name: string, makeStore: (options?: { searchLimits?: SearchLimits }) => Promise<ExecutionStoreUnderTest>): void {
  describe(`ExecutionStore contract: ${name}`, () => {
    let subject: ExecutionStoreUnderTest;
    let store: ExecutionStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.close();
    });

    async function created(options: StoredExecutionOptions): Promise<StoredExecution> {
      const stored = aStoredExecution(options);
      await store.createIfAbsent(stored);
      return stored;
    }

    /** Claims `id` with `token`, failing the test unless it is CLAIMED. */
    async function claimed(id: string, token: string, now = NOW): Promise<StoredExecution> {
      const result = await store.claim(id, token, now.getTime() + LEASE_MS, now);
      if (result.outcome !== 'CLAIMED') throw new Error(`expected ${id} CLAIMED, got ${result.outcome}`);
      return result.stored;
    }

    /** Claims and finishes `id` in `state`. */
    async function finished(id: string, state: 'SUCCESS' | 'FAILED' | 'KILLED'): Promise<void> {
      const stored = await claimed(id, `finisher-${id}`);
      stored.execution.state = transition(stored.execution.state, state, NOW);
      if (!(await store.finish(stored, `finisher-${id}`))) throw new Error(`could not finish ${id}`);
    }

    describe('createIfAbsent', () => {
      it('writes a new execution, readable with its origin', async () => {
        const stored = aStoredExecution({ id: 'e1', backfillId: 'bf1', tickMs: T0, labels: [{ key: 'team', value: 'data' }] });

        const written = await store.createIfAbsent(stored);

        expect(written).toBe(true);
        expect(await store.get('e1')).toEqual(stored);
      });

      it("keeps a backfill execution's whole origin: its backfill, tick and ledger page slot", async () => {
        const stored = aStoredExecution({ id: 'e1', backfillId: 'bf1', tickMs: T0, state: 'SUCCESS' });
        stored.origin.page = { id: ledgerPageId('bf1', T0), slot: 3 };

        await store.createIfAbsent(stored);

        expect(await store.get('e1')).toEqual(stored);
      });

      it('keeps an existing execution and says it did not write', async () => {
        await created({ id: 'e1', state: 'SUCCESS' });

        const written = await store.createIfAbsent(aStoredExecution({ id: 'e1', state: 'CREATED' }));

        expect(written).toBe(false);
        expect((await store.get('e1'))!.execution.state.current).toBe('SUCCESS');
      });
    });

    describe('get', () => {
      it('returns undefined for an unknown id', async () => {
        expect(await store.get('nope')).toBeUndefined();
      });
    });

    describe('storedBytes', () => {
      it("sizes a finished backfill execution's item within one KB, and a larger document's item larger", async () => {
        const small = aStoredExecution({ id: 'e1', backfillId: 'bf1', tickMs: T0, state: 'SUCCESS', labels: [{ key: 'team', value: 'data' }] });
        // Inputs that do not deflate away: distinct random-looking text.
        const text = Array.from({ length: 400 }, (_, i) => ((i * 2654435761) % 4294967296).toString(36)).join(' ');
        const large = aStoredExecution({ id: 'e2', backfillId: 'bf1', tickMs: T0, state: 'SUCCESS', inputs: { text } });

        const smallBytes = store.storedBytes(small);
        const largeBytes = store.storedBytes(large);

        // The execution item's design (lib/adapters/dynamodb/execution-item.ts): one write unit for a finished execution.
        expect(smallBytes).toBeGreaterThan(100);
        expect(smallBytes).toBeLessThanOrEqual(1024);
        expect(largeBytes).toBeGreaterThan(1024);
        // It only sizes: nothing is written.
        expect(await store.get('e1')).toBeUndefined();
      });
    });

    describe('createMany', () => {
      it('writes every execution given', async () => {
        const many = Array.from({ length: 30 }, (_, i) => aStoredExecution({ id: `e${i}`, backfillId: 'bf1', tickMs: T0 + i * HOUR }));

        await store.createMany(many);

        expect(await store.get('e29')).toEqual(many[29]);
        expect((await store.statesOf(many.map((m) => m.execution.id))).size).toBe(30);
      });

      it('accepts an empty batch', async () => {
        await expect(store.createMany([])).resolves.toBeUndefined();
      });

      it('rejects a batch naming one id twice (DynamoDB refuses duplicate keys in a batch)', async () => {
        await expect(store.createMany([aStoredExecution({ id: 'e1' }), aStoredExecution({ id: 'e1' })])).rejects.toThrow(/duplicates/);
      });
    });

    describe('statesOf', () => {
      it('returns the states of the ids that exist', async () => {
        await created({ id: 'e1' });
        await created({ id: 'e2', state: 'FAILED' });

        const states = await store.statesOf(['e1', 'e2', 'nope']);

        expect(states).toEqual(
          new Map([
            ['e1', 'CREATED'],
            ['e2', 'FAILED'],
          ]),
        );
      });

      it('returns an empty map for no ids', async () => {
        expect(await store.statesOf([])).toEqual(new Map());
      });

      it('rejects an id asked for twice', async () => {
        await created({ id: 'e1' });

        await expect(store.statesOf(['e1', 'e1'])).rejects.toThrow(/duplicates/);
      });
    });

    describe('claim', () => {
      it('takes a CREATED execution: RUNNING from now, its task runs cleared', async () => {
        const stored = aStoredExecution({ id: 'e1' });
        stored.execution.taskRunList = [
          { id: 'tr', executionId: 'e1', namespace: 'dev', flowId: 'reports', taskId: 't', state: stored.execution.state, attempts: [] },
        ];
        await store.createIfAbsent(stored);

        const result = await store.claim('e1', 'w1', NOW.getTime() + LEASE_MS, NOW);

        expect(result.outcome).toBe('CLAIMED');
        const execution = result.outcome === 'CLAIMED' ? result.stored.execution : undefined;
        expect(execution!.state.current).toBe('RUNNING');
        expect(execution!.state.histories.at(-1)).toEqual({ state: 'RUNNING', date: NOW.toISOString() });
        expect(execution!.taskRunList).toEqual([]);
        expect((await store.get('e1'))!.execution).toEqual(execution);
        expect(await store.statesOf(['e1'])).toEqual(new Map([['e1', 'RUNNING']]));
      });

      it('answers MISSING for an unknown id', async () => {
        expect(await store.claim('nope', 'w1', NOW.getTime() + LEASE_MS, NOW)).toEqual({ outcome: 'MISSING' });
      });

      it.each(['SUCCESS', 'FAILED', 'KILLED'] as const)('answers FINISHED for a %s execution', async (state) => {
        await created({ id: 'e1', state });

        const claim = await store.claim('e1', 'w1', NOW.getTime() + LEASE_MS, NOW);
        expect(claim.outcome).toBe('FINISHED');
        // With the execution as stored: a redelivered message marks its ledger slot from it.
        expect(claim.outcome === 'FINISHED' && claim.stored.execution.state.current).toBe(state);
      });

      it('answers BUSY, with the lease end, while another worker holds the lease', async () => {
        await created({ id: 'e1' });
        await claimed('e1', 'w1');

        const result = await store.claim('e1', 'w2', NOW.getTime() + 1000 + LEASE_MS, new Date(NOW.getTime() + 1000));

        expect(result).toEqual({ outcome: 'BUSY', leaseUntilMs: NOW.getTime() + LEASE_MS });
      });

      it('takes over a RUNNING execution whose lease ran out: the old lease holder can no longer write', async () => {
        const stored = await created({ id: 'e1' });
        const first = await claimed('e1', 'w1');
        const later = new Date(NOW.getTime() + LEASE_MS);

        const second = await store.claim('e1', 'w2', later.getTime() + LEASE_MS, later);

        expect(second.outcome).toBe('CLAIMED');
        expect(await store.save(first, 'w1')).toBe(false);
        expect(await store.save(stored, 'w2')).toBe(true);
      });

      it('counts a lease as held until the instant it ends, not at it', async () => {
        await created({ id: 'e1' });
        await claimed('e1', 'w1');

        const justBefore = await store.claim('e1', 'w2', 0, new Date(NOW.getTime() + LEASE_MS - 1));
        const atEnd = await store.claim('e1', 'w3', 0, new Date(NOW.getTime() + LEASE_MS));

        expect(justBefore.outcome).toBe('BUSY');
        expect(atEnd.outcome).toBe('CLAIMED');
      });
    });

    describe('claimMany', () => {
      it('answers each claim in order', async () => {
        await created({ id: 'new' });
        await created({ id: 'done', state: 'SUCCESS' });

        const results = await store.claimMany(
          [
            { id: 'done', leaseToken: 'w1' },
            { id: 'nope', leaseToken: 'w2' },
            { id: 'new', leaseToken: 'w3' },
          ],
          NOW.getTime() + LEASE_MS,
          NOW,
        );

        expect(results.map((r) => r.outcome)).toEqual(['FINISHED', 'MISSING', 'CLAIMED']);
      });

      it('gives a duplicated id to one claim only: the other finds it BUSY', async () => {
        await created({ id: 'e1' });

        const results = await store.claimMany(
          [
            { id: 'e1', leaseToken: 'w1' },
            { id: 'e1', leaseToken: 'w2' },
          ],
          NOW.getTime() + LEASE_MS,
          NOW,
        );

        expect(results.map((r) => r.outcome).sort()).toEqual(['BUSY', 'CLAIMED']);
        expect(results.find((r) => r.outcome === 'BUSY')).toEqual({ outcome: 'BUSY', leaseUntilMs: NOW.getTime() + LEASE_MS });
      });

      it('gives a duplicated id whose lease ran out to one claim only', async () => {
        await created({ id: 'e1' });
        await claimed('e1', 'dead-worker');
        const later = new Date(NOW.getTime() + LEASE_MS);

        const results = await store.claimMany(
          [
            { id: 'e1', leaseToken: 'w1' },
            { id: 'e1', leaseToken: 'w2' },
          ],
          later.getTime() + LEASE_MS,
          later,
        );

        expect(results.map((r) => r.outcome).sort()).toEqual(['BUSY', 'CLAIMED']);
      });
    });

    describe('save', () => {
      it('writes progress while the lease holds', async () => {
        await created({ id: 'e1' });
        const stored = await claimed('e1', 'w1');
        stored.execution.labels = [{ key: 'progress', value: 'half' }];

        const saved = await store.save(stored, 'w1');

        expect(saved).toBe(true);
        expect((await store.get('e1'))!.execution.labels).toEqual([{ key: 'progress', value: 'half' }]);
      });

      it('refuses another lease token, writing nothing', async () => {
        await created({ id: 'e1' });
        const stored = await claimed('e1', 'w1');
        const before = await store.get('e1');
        stored.execution.labels = [{ key: 'progress', value: 'half' }];

        expect(await store.save(stored, 'someone-else')).toBe(false);

        expect(await store.get('e1')).toEqual(before);
      });

      it('refuses an execution that was never claimed', async () => {
        const stored = await created({ id: 'e1' });

        expect(await store.save(stored, 'w1')).toBe(false);
      });
    });

    describe('finish', () => {
      it('writes the terminal state and ends the lease: a redelivery finds it FINISHED', async () => {
        await created({ id: 'e1' });
        const stored = await claimed('e1', 'w1');
        stored.execution.state = transition(stored.execution.state, 'SUCCESS', NOW);

        const done = await store.finish(stored, 'w1');

        expect(done).toBe(true);
        expect((await store.get('e1'))!.execution.state.current).toBe('SUCCESS');
        expect((await store.claim('e1', 'w2', NOW.getTime() + LEASE_MS, NOW)).outcome).toBe('FINISHED');
      });

      it('refuses a worker that lost its lease, writing nothing', async () => {
        await created({ id: 'e1' });
        const stale = await claimed('e1', 'w1');
        const later = new Date(NOW.getTime() + LEASE_MS);
        await claimed('e1', 'w2', later);
        stale.execution.state = transition(stale.execution.state, 'FAILED', later);

        expect(await store.finish(stale, 'w1')).toBe(false);

        expect((await store.get('e1'))!.execution.state.current).toBe('RUNNING');
      });

      it('keeps the log lines it is given with the execution, every field as given', async () => {
        const stored = await created({ id: 'e1', backfillId: 'bf1', tickMs: T0 });
        const running = await claimed('e1', 'w1');
        running.execution.state = transition(running.execution.state, 'SUCCESS', NOW);
        const own = { namespace: stored.execution.namespace, flowId: stored.execution.flowId, executionId: 'e1' };
        const logs = [
          {
            seq: 1_000_000,
            entry: { ...own, taskId: 'log', taskRunId: 'tr1', attemptNumber: 1, timestamp: NOW.toISOString(), level: 'INFO' as const, message: 'hello ✓' },
          },
          { seq: 1_000_001, entry: { ...own, flowId: 'other', timestamp: NOW.toISOString(), level: 'WARN' as const, message: 'a field unlike its execution' } },
        ];

        expect(await store.finish({ ...running, logs }, 'w1')).toBe(true);

        expect((await store.get('e1'))?.logs).toEqual(logs);
      });

      it('keeps no log lines when given none', async () => {
        await created({ id: 'e1' });
        const running = await claimed('e1', 'w1');
        running.execution.state = transition(running.execution.state, 'SUCCESS', NOW);

        await store.finish(running, 'w1');

        expect((await store.get('e1'))?.logs).toBeUndefined();
      });
    });

    describe('releaseLease', () => {
      it('lets the next claim take the execution over at once', async () => {
        await created({ id: 'e1' });
        await claimed('e1', 'w1');

        await store.releaseLease('e1', 'w1');

        expect((await store.claim('e1', 'w2', NOW.getTime() + LEASE_MS, NOW)).outcome).toBe('CLAIMED');
      });

      it('counts the released run, which the next claim sees (a run given up is no dead worker)', async () => {
        await created({ id: 'e1' });
        await claimed('e1', 'w1');
        expect((await store.get('e1'))!.releasedRuns).toBeUndefined();

        await store.releaseLease('e1', 'w1');
        const claim = await store.claim('e1', 'w2', NOW.getTime() + LEASE_MS, NOW);

        expect(claim.outcome === 'CLAIMED' && claim.stored.releasedRuns).toBe(1);
        expect((await store.get('e1'))!.releasedRuns).toBe(1);
      });

      it('does nothing for another lease token', async () => {
        await created({ id: 'e1' });
        await claimed('e1', 'w1');

        await store.releaseLease('e1', 'someone-else');

        expect((await store.claim('e1', 'w2', NOW.getTime() + LEASE_MS, NOW)).outcome).toBe('BUSY');
      });
    });

    describe('createClaimed', () => {
      it('writes the execution RUNNING under the lease: claims answer BUSY, and the lease holder finishes it', async () => {
        const stored = aStoredExecution({ id: 'e1', backfillId: 'bf1', tickMs: T0 });
        stored.execution.state = transition(stored.execution.state, 'RUNNING', NOW);
        stored.origin.page = { id: 'bf1|p', slot: 3 };

        expect(await store.createClaimed(stored, 'w1', NOW.getTime() + LEASE_MS)).toBe(true);

        expect(await store.claim('e1', 'w2', NOW.getTime() + LEASE_MS, NOW)).toEqual({ outcome: 'BUSY', leaseUntilMs: NOW.getTime() + LEASE_MS });
        expect(await store.countRunning('bf1', 10)).toBe(1);
        stored.execution.state = transition(stored.execution.state, 'SUCCESS', NOW);
        expect(await store.finish(stored, 'w1')).toBe(true);
        expect(await store.get('e1')).toMatchObject({ execution: { state: { current: 'SUCCESS' } }, origin: { page: { id: 'bf1|p', slot: 3 } } });
        expect(await store.countRunning('bf1', 10)).toBe(0);
      });

      it('writes nothing when the id exists (a duplicate message)', async () => {
        await created({ id: 'e1', state: 'SUCCESS' });
        const again = aStoredExecution({ id: 'e1' });
        again.execution.state = transition(again.execution.state, 'RUNNING', NOW);

        expect(await store.createClaimed(again, 'w1', NOW.getTime() + LEASE_MS)).toBe(false);
        expect((await store.get('e1'))!.execution.state.current).toBe('SUCCESS');
      });

      it('is taken over by a claim once its lease expired (its worker died)', async () => {
        const stored = aStoredExecution({ id: 'e1' });
        stored.execution.state = transition(stored.execution.state, 'RUNNING', NOW);
        await store.createClaimed(stored, 'dead', NOW.getTime() + 1000);

        const later = new Date(NOW.getTime() + 2000);
        const claim = await store.claim('e1', 'w2', later.getTime() + LEASE_MS, later);
        expect(claim.outcome).toBe('CLAIMED');
        expect(await store.save(stored, 'dead')).toBe(false);
      });
    });

    describe('requestKill and killRequestOf', () => {
      const ASK = { at: NOW.toISOString(), by: 'asked by a test' };
      const LATER = new Date(NOW.getTime() + 1000);

      it('writes a queued execution KILLED at once, out of the unfinished index: a claim finds it FINISHED', async () => {
        await created({ id: 'e1', backfillId: 'bf1' });

        const result = await store.requestKill('e1', ASK, LATER);

        expect(result.outcome).toBe('KILLED');
        const stored = (await store.get('e1'))!;
        expect(stored.execution.state.current).toBe('KILLED');
        expect(stored.execution.state.histories.map((h) => h.state)).toEqual(['CREATED', 'KILLED']);
        expect(stored.killed).toEqual(ASK);
        expect(await store.unfinishedOf('bf1', 10)).toEqual([]);
        expect((await store.claim('e1', 't', LATER.getTime() + LEASE_MS, LATER)).outcome).toBe('FINISHED');
        expect(await store.killRequestOf('e1')).toEqual(ASK);
      });

      it("stores the request beside a running execution whose worker holds it: KILLING, the worker's save refused, its finish kept", async () => {
        await created({ id: 'e1' });
        const running = await claimed('e1', 'w1');

        const result = await store.requestKill('e1', ASK, NOW);

        expect(result.outcome).toBe('KILLING');
        expect((await store.get('e1'))!.execution.state.current).toBe('RUNNING');
        expect(await store.killRequestOf('e1')).toEqual(ASK);
        expect(await store.save(running, 'w1')).toBe(false);
        // Asked again: the first request stays.
        const again = await store.requestKill('e1', { at: LATER.toISOString(), by: 'someone else' }, LATER);
        expect(again.outcome === 'KILLING' && again.stored.killed).toEqual(ASK);
        running.execution.state = transition(running.execution.state, 'KILLED', LATER);
        expect(await store.finish(running, 'w1')).toBe(true);
        expect((await store.claim('e1', 't', LATER.getTime() + LEASE_MS, LATER)).outcome).toBe('FINISHED');
      });

      it('kills a running execution whose worker died (its lease ran out) at once, RUNNING then KILLING then KILLED', async () => {
        await created({ id: 'e1', backfillId: 'bf1' });
        const dead = await claimed('e1', 'w1');
        const afterLease = new Date(NOW.getTime() + LEASE_MS + 1);

        const result = await store.requestKill('e1', { ...ASK, at: afterLease.toISOString() }, afterLease);

        expect(result.outcome).toBe('KILLED');
        expect((await store.get('e1'))!.execution.state.histories.map((h) => h.state)).toEqual(['CREATED', 'RUNNING', 'KILLING', 'KILLED']);
        expect(await store.finish(dead, 'w1')).toBe(false);
        expect(await store.unfinishedOf('bf1', 10)).toEqual([]);
      });

      it('answers FINISHED for an ended execution, changing nothing, and MISSING for an unknown one', async () => {
        await created({ id: 'e1' });
        await finished('e1', 'SUCCESS');

        const result = await store.requestKill('e1', ASK, LATER);

        expect(result.outcome).toBe('FINISHED');
        expect((await store.get('e1'))!.execution.state.current).toBe('SUCCESS');
        expect(await store.killRequestOf('e1')).toBeUndefined();
        expect((await store.requestKill('nope', ASK, LATER)).outcome).toBe('MISSING');
        expect(await store.killRequestOf('nope')).toBeUndefined();
      });

      it('hands a claim that takes over a killed execution its kill request (its worker died before ending it)', async () => {
        await created({ id: 'e1' });
        await claimed('e1', 'w1');
        await store.requestKill('e1', ASK, NOW);
        const afterLease = new Date(NOW.getTime() + LEASE_MS + 1);

        const result = await store.claim('e1', 'w2', afterLease.getTime() + LEASE_MS, afterLease);

        expect(result.outcome === 'CLAIMED' && result.stored.killed).toEqual(ASK);
      });
    });

    describe('restart', () => {
      const LATER = new Date(NOW.getTime() + 5000);
      const LIVE = 'live:dev|reports|hourly';

      it.each(['FAILED', 'KILLED'] as const)(
        'puts a %s execution back, RESTARTED without its end, unfinished under its live owner: the next claim runs it again',
        async (state) => {
          await created({ id: 'e1', backfillId: 'bf1', tickMs: T0 });
          await finished('e1', state);

          const result = await store.restart('e1', LATER);

          expect(result.outcome).toBe('RESTARTED');
          const { execution } = (await store.get('e1'))!;
          expect(execution.state.current).toBe('RESTARTED');
          expect(execution.state.endDate).toBeUndefined();
          expect(execution.state.histories.map((h) => h.state)).toEqual(['CREATED', 'RUNNING', state, 'RESTARTED']);
          expect(await store.unfinishedOf(LIVE, 10)).toEqual(['e1']);
          const claim = await store.claim('e1', 'w2', LATER.getTime() + LEASE_MS, LATER);
          expect(claim.outcome === 'CLAIMED' && claim.stored.execution.state.histories.map((h) => h.state)).toEqual([
            'CREATED',
            'RUNNING',
            state,
            'RESTARTED',
            'RUNNING',
          ]);
        },
      );

      it('forgets the kill request of a killed execution, so its new run is not taken for killed', async () => {
        await created({ id: 'e1' });
        await store.requestKill('e1', { at: NOW.toISOString(), by: 'a test' }, NOW);

        await store.restart('e1', LATER);

        expect(await store.killRequestOf('e1')).toBeUndefined();
        expect((await store.get('e1'))!.killed).toBeUndefined();
      });

      it('refuses a SUCCESS, a running or a queued execution, changing nothing; MISSING for an unknown one', async () => {
        await created({ id: 'ok' });
        await finished('ok', 'SUCCESS');
        await created({ id: 'running' });
        await claimed('running', 'w1');
        await created({ id: 'queued' });

        for (const id of ['ok', 'running', 'queued']) {
          const before = await store.get(id);
          expect((await store.restart(id, LATER)).outcome).toBe('NOT_RESTARTABLE');
          expect(await store.get(id)).toEqual(before);
        }
        expect((await store.restart('nope', LATER)).outcome).toBe('MISSING');
      });
    });

    describe('leasesOf and unfinishedOf (what the sweep reads)', () => {
      it('gives the state and lease end of the ids that exist', async () => {
        await created({ id: 'queued', backfillId: 'bf1', tickMs: T0 });
        await created({ id: 'running', backfillId: 'bf1', tickMs: T0 + HOUR });
        await claimed('running', 'w1');
        await created({ id: 'done', state: 'SUCCESS' });

        const leases = await store.leasesOf(['queued', 'running', 'done', 'missing', 'queued']);

        expect(Object.fromEntries(leases)).toEqual({
          queued: { state: 'CREATED', leaseUntilMs: 0 },
          running: { state: 'RUNNING', leaseUntilMs: NOW.getTime() + LEASE_MS },
          done: { state: 'SUCCESS', leaseUntilMs: 0 },
        });
      });

      it("lists an owner's unfinished executions, up to a limit", async () => {
        await created({ id: 'l1', liveOwner: 'live:dev|reports|hourly', tickMs: T0 });
        await created({ id: 'l2', liveOwner: 'live:dev|reports|hourly', tickMs: T0 + HOUR });
        await claimed('l2', 'w1');
        await created({ id: 'l3', liveOwner: 'live:dev|reports|hourly', tickMs: T0 + 2 * HOUR, state: 'SUCCESS' });
        await created({ id: 'other', liveOwner: 'live:dev|reports|nightly', tickMs: T0 });

        expect((await store.unfinishedOf('live:dev|reports|hourly', 10)).sort()).toEqual(['l1', 'l2']);
        expect(await store.unfinishedOf('live:dev|reports|hourly', 1)).toHaveLength(1);
        expect(await store.unfinishedOf('live:nobody', 10)).toEqual([]);
      });
    });

    describe('countRunning', () => {
      beforeEach(async () => {
        await created({ id: 'queued', backfillId: 'bf1', tickMs: T0 });
        await created({ id: 'running1', backfillId: 'bf1', tickMs: T0 + HOUR });
        await claimed('running1', 'w1');
        await created({ id: 'running2', backfillId: 'bf1', tickMs: T0 + 2 * HOUR });
        await claimed('running2', 'w2');
        await created({ id: 'succeeded', backfillId: 'bf1', tickMs: T0 + 3 * HOUR });
        await finished('succeeded', 'SUCCESS');
        await created({ id: 'other-backfill', backfillId: 'bf2', tickMs: T0 });
        await claimed('other-backfill', 'w3');
      });

      it("counts the backfill's RUNNING executions only", async () => {
        expect(await store.countRunning('bf1', 100)).toBe(2);
      });

      it('stops counting at the limit', async () => {
        expect(await store.countRunning('bf1', 1)).toBe(1);
      });

      it('counts nothing for a backfill without executions', async () => {
        expect(await store.countRunning('bf-none', 100)).toBe(0);
      });

      it("lists the ids of the backfill's RUNNING executions, up to a limit", async () => {
        expect((await store.runningOf('bf1', 100)).sort()).toEqual(['running1', 'running2']);
        expect(await store.runningOf('bf1', 1)).toHaveLength(1);
        expect(await store.runningOf('bf-none', 100)).toEqual([]);
      });
    });

    describe('statesByTick', () => {
      beforeEach(async () => {
        await created({ id: 'live0', liveOwner: 'live:dev|reports|hourly', tickMs: T0 });
        await finished('live0', 'SUCCESS');
        await created({ id: 'bf0', backfillId: 'bf1', tickMs: T0 });
        await created({ id: 'bf1', backfillId: 'bf1', tickMs: T0 + HOUR, state: 'FAILED' });
        await created({ id: 'bf3', backfillId: 'bf1', tickMs: T0 + 3 * HOUR });
        await created({ id: 'other-trigger', backfillId: 'bf9', tickMs: T0, triggerId: 'nightly' });
        await created({ id: 'other-flow', backfillId: 'bf8', tickMs: T0, flowId: 'sales' });
        await created({ id: 'no-tick', triggerId: null });
      });

      it("groups the trigger's executions of ticks in [from, to] by tick, with their current state", async () => {
        const byTick = await store.statesByTick(TRIGGER, T0, T0 + HOUR);

        expect([...byTick.keys()]).toEqual([T0, T0 + HOUR]);
        expect(byTick.get(T0)!.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
          { id: 'bf0', state: 'CREATED' },
          { id: 'live0', state: 'SUCCESS' },
        ]);
        expect(byTick.get(T0 + HOUR)).toEqual([{ id: 'bf1', state: 'FAILED' }]);
      });

      it('includes both bounds', async () => {
        const byTick = await store.statesByTick(TRIGGER, T0 + HOUR, T0 + 3 * HOUR);

        expect([...byTick.keys()]).toEqual([T0 + HOUR, T0 + 3 * HOUR]);
      });

      it('returns an empty map for a window without executions', async () => {
        expect(await store.statesByTick(TRIGGER, T0 + 10 * HOUR, T0 + 20 * HOUR)).toEqual(new Map());
      });
    });

    describe('search', () => {
      const at = (minute: number) => `2026-03-01T12:${String(minute).padStart(2, '0')}:00.000Z`;

      beforeEach(async () => {
        await created({ id: 'a', createdAt: at(1), labels: [{ key: 'team', value: 'data' }] });
        await created({
          id: 'b',
          createdAt: at(2),
          state: 'FAILED',
          labels: [
            { key: 'team', value: 'data' },
            { key: 'env', value: 'prod' },
          ],
        });
        await created({ id: 'c', createdAt: at(3), flowId: 'sales' });
        await created({ id: 'd', createdAt: at(4), namespace: 'dev.team' });
        await created({ id: 'e', createdAt: at(5), namespace: 'prod', flowId: 'reports', state: 'SUCCESS' });
      });

      const ids = (found: { results: { id: string }[] }) => found.results.map((e) => e.id);

      it('lists a namespace newest first, without its child namespaces', async () => {
        const found = await store.search({ namespace: 'dev', page: 1, size: 10 });

        expect(ids(found)).toEqual(['c', 'b', 'a']);
        expect(found.total).toBe(3);
      });

      it('lists one flow of a namespace', async () => {
        expect(ids(await store.search({ namespace: 'dev', flowId: 'reports', page: 1, size: 10 }))).toEqual(['b', 'a']);
      });

      it('lists every namespace newest first when none is given, optionally one flow id', async () => {
        expect(ids(await store.search({ page: 1, size: 10 }))).toEqual(['e', 'd', 'c', 'b', 'a']);
        expect(ids(await store.search({ flowId: 'reports', page: 1, size: 10 }))).toEqual(['e', 'd', 'b', 'a']);
      });

      it('pages, counting every match', async () => {
        const second = await store.search({ page: 2, size: 2 });
        const beyond = await store.search({ page: 4, size: 2 });

        expect(ids(second)).toEqual(['c', 'b']);
        expect(second.total).toBe(5);
        expect(ids(beyond)).toEqual([]);
        expect(beyond.total).toBe(5);
      });

      it('pages within a namespace too', async () => {
        const found = await store.search({ namespace: 'dev', page: 2, size: 2 });

        expect(ids(found)).toEqual(['a']);
        expect(found.total).toBe(3);
      });

      it('filters by state, any of those given, as the executions are now', async () => {
        await claimed('a', 'w1');

        expect(ids(await store.search({ states: ['RUNNING', 'FAILED'], page: 1, size: 10 }))).toEqual(['b', 'a']);
        expect(ids(await store.search({ namespace: 'dev', states: ['CREATED'], page: 1, size: 10 }))).toEqual(['c']);
      });

      it('filters by labels, all of those given', async () => {
        expect(ids(await store.search({ labels: [{ key: 'team', value: 'data' }], page: 1, size: 10 }))).toEqual(['b', 'a']);
        expect(
          ids(
            await store.search({
              namespace: 'dev',
              labels: [
                { key: 'team', value: 'data' },
                { key: 'env', value: 'prod' },
              ],
              page: 1,
              size: 10,
            }),
          ),
        ).toEqual(['b']);
      });

      it('returns the current documents', async () => {
        await claimed('a', 'w1');

        const found = await store.search({ namespace: 'dev', flowId: 'reports', page: 1, size: 10 });

        expect(found.results.find((e) => e.id === 'a')!.state.current).toBe('RUNNING');
      });

      it('finds nothing for an unknown namespace', async () => {
        expect(await store.search({ namespace: 'staging', page: 1, size: 10 })).toEqual({ results: [], total: 0, totalIsLowerBound: false });
      });

      describe("with Kestra 2.x's filters", () => {
        it('searches the flows whose namespace and id meet every condition', async () => {
          const where = (operation: TextOperation, ...values: string[]): TextCondition => ({ operation, values });
          const found = async (flowConditions: ExecutionQuery['flowConditions'], exact: { namespace?: string; flowId?: string } = {}) =>
            ids(await store.search({ ...exact, flowConditions, page: 1, size: 10 }));

          expect(await found({ namespace: [where('PREFIX', 'dev')] })).toEqual(['d', 'c', 'b', 'a']);
          expect(await found({ namespace: [where('STARTS_WITH', 'dev.')] })).toEqual(['d']);
          expect(await found({ namespace: [where('NOT_IN', 'dev')] })).toEqual(['e', 'd']);
          expect(await found({ namespace: [where('PREFIX', 'dev')], flowId: [where('IN', 'sales', 'nope')] })).toEqual(['c']);
          // Beside an exact namespace and flow id, the conditions still hold.
          expect(await found({ namespace: [where('NOT_EQUALS', 'dev')] }, { namespace: 'dev', flowId: 'reports' })).toEqual([]);
        });

        it('leaves out executions carrying an excluded label, keeping those without labels', async () => {
          expect(ids(await store.search({ excludedLabels: [{ key: 'team', value: 'data' }], page: 1, size: 10 }))).toEqual(['e', 'd', 'c']);
          const labelled = { labels: [{ key: 'team', value: 'data' }], excludedLabels: [{ key: 'env', value: 'prod' }] };
          expect(ids(await store.search({ ...labelled, page: 1, size: 10 }))).toEqual(['a']);
        });

        it('takes a start date range, from inclusive, before exclusive, to the millisecond', async () => {
          const plusMs = (minute: number, ms: number) => new Date(Date.parse(at(minute)) + ms).toISOString();
          expect(ids(await store.search({ startDate: { from: at(2) }, page: 1, size: 10 }))).toEqual(['e', 'd', 'c', 'b']);
          expect(ids(await store.search({ startDate: { before: at(4) }, page: 1, size: 10 }))).toEqual(['c', 'b', 'a']);
          expect(ids(await store.search({ startDate: { from: at(2), before: at(4) }, page: 1, size: 10 }))).toEqual(['c', 'b']);
          expect(ids(await store.search({ startDate: { from: plusMs(2, 1), before: plusMs(4, 1) }, page: 1, size: 10 }))).toEqual(['d', 'c']);
          expect(ids(await store.search({ namespace: 'dev', startDate: { from: plusMs(1, -1), before: plusMs(1, 1) }, page: 1, size: 10 }))).toEqual(['a']);
        });

        it('finds nothing in an empty or reversed range', async () => {
          const nothing = { results: [], total: 0, totalIsLowerBound: false };
          expect(await store.search({ startDate: { from: at(3), before: at(3) }, page: 1, size: 10 })).toEqual(nothing);
          expect(await store.search({ startDate: { from: at(4), before: at(2) }, page: 1, size: 10 })).toEqual(nothing);
        });

        it('takes the executions whose id contains a text', async () => {
          expect(ids(await store.search({ idContains: 'c', page: 1, size: 10 }))).toEqual(['c']);
          expect(ids(await store.search({ idContains: 'x', page: 1, size: 10 }))).toEqual([]);
        });

        it('takes the executions of the triggers named; one without a trigger meets only NOT_EQUALS and NOT_IN', async () => {
          await created({ id: 'f', createdAt: at(6), triggerId: 'daily' });
          await created({ id: 'g', createdAt: at(7), triggerId: null });
          const where = (operation: TriggerIdCondition['operation'], ...values: string[]): TriggerIdCondition => ({ operation, values });
          const found = async (...triggerId: TriggerIdCondition[]) => ids(await store.search({ triggerId, page: 1, size: 10 }));

          expect(await found(where('EQUALS', 'hourly'))).toEqual(['e', 'd', 'c', 'b', 'a']);
          expect(await found(where('IN', 'daily', 'nope'))).toEqual(['f']);
          expect(await found(where('NOT_EQUALS', 'hourly'))).toEqual(['g', 'f']);
          expect(await found(where('NOT_IN', 'hourly', 'daily'))).toEqual(['g']);
          expect(await found(where('STARTS_WITH', 'da'))).toEqual(['f']);
          expect(await found(where('CONTAINS', 'our'))).toEqual(['e', 'd', 'c', 'b', 'a']);
          expect(await found(where('STARTS_WITH', 'h'), where('NOT_EQUALS', 'hourly'))).toEqual([]);
          // As many trigger ids as the API takes (100 in all): within DynamoDB's bounds on an expression.
          const many = Array.from({ length: 99 }, (_, i) => `trigger-${String(i).padStart(3, '0')}`);
          expect(await found(where('IN', ...many, 'daily'))).toEqual(['f']);
          expect(await found(where('NOT_IN', ...many.slice(1), 'hourly'), where('STARTS_WITH', 'd'))).toEqual(['f']);
          const beside = { namespace: 'dev', labels: [{ key: 'team', value: 'data' }], triggerId: [where('IN', 'hourly', 'daily')] };
          expect(ids(await store.search({ ...beside, page: 1, size: 10 }))).toEqual(['b', 'a']);
          expect(await store.search({ ...beside, page: 2, size: 1 })).toMatchObject({ results: [{ id: 'a' }], total: 2 });
        });

        it('takes an end date range, from inclusive, before exclusive, to the millisecond; an unfinished execution never', async () => {
          // b ended FAILED at 12:02:01, e SUCCESS at 12:05:01; c ends now at 12:10; a and d are unfinished.
          const ended = (minute: number, second = 0) => new Date(Date.parse(at(minute)) + second * 1000).toISOString();
          const running = await claimed('c', 'w1', new Date(at(3)));
          running.execution.state = transition(running.execution.state, 'SUCCESS', new Date(at(10)));
          expect(await store.finish(running, 'w1')).toBe(true);
          const found = async (endDate: ExecutionQuery['endDate'], more: Partial<ExecutionQuery> = {}) =>
            ids(await store.search({ endDate, ...more, page: 1, size: 10 }));

          expect(await found({ from: '1970-01-01T00:00:00.000Z' })).toEqual(['e', 'c', 'b']);
          expect(await found({ from: ended(2, 1) })).toEqual(['e', 'c', 'b']);
          expect(await found({ from: new Date(Date.parse(ended(2, 1)) + 1).toISOString() })).toEqual(['e', 'c']);
          expect(await found({ before: ended(5, 1) })).toEqual(['b']);
          expect(await found({ from: ended(5, 1), before: ended(10) })).toEqual(['e']);
          expect(await found({ from: ended(2), before: ended(10, 1) }, { states: ['FAILED'] })).toEqual(['b']);
          expect(await found({ from: ended(2) }, { namespace: 'dev', startDate: { from: at(3) } })).toEqual(['c']);
        });

        it('follows end dates as states change: a restart takes the end away, a kill sets one', async () => {
          const since = { from: at(0) };
          expect(ids(await store.search({ endDate: since, page: 1, size: 10 }))).toEqual(['e', 'b']);

          expect((await store.restart('b', new Date(at(20)))).outcome).toBe('RESTARTED');
          expect((await store.requestKill('d', { at: at(21), by: 'a test' }, new Date(at(21)))).outcome).toBe('KILLED');

          expect(ids(await store.search({ endDate: since, page: 1, size: 10 }))).toEqual(['e', 'd']);
          expect(ids(await store.search({ endDate: { from: at(21) }, page: 1, size: 10 }))).toEqual(['d']);
        });
      });
    });

    describe('search at scale: partitions merged, counts bounded', () => {
      const MINUTE = 60_000;
      const startOf = (i: number) => new Date(Date.parse('2026-03-01T00:00:00.000Z') + i * MINUTE).toISOString();
      const ids = (found: { results: { id: string }[] }) => found.results.map((e) => e.id);
      const N = 30;
      /** e00 … e29, e29 the newest; every third labelled `team:data`. */
      const newestFirst = Array.from({ length: N }, (_, i) => `e${String(N - 1 - i).padStart(2, '0')}`);

      beforeEach(async () => {
        await subject.close();
        subject = await makeStore({ searchLimits: { countUpTo: 5, examineAtMost: 10_000 } });
        store = subject.store;
        for (let i = 0; i < N; i++) {
          await created({ id: `e${String(i).padStart(2, '0')}`, createdAt: startOf(i), labels: i % 3 === 0 ? [{ key: 'team', value: 'data' }] : [] });
        }
      });

      it('pages through every execution newest first, each exactly once', async () => {
        const seen: string[] = [];
        for (let page = 1; page <= 5; page++) seen.push(...ids(await store.search({ namespace: 'dev', flowId: 'reports', page, size: 7 })));

        expect(seen).toEqual(newestFirst);
      });

      it('counts exactly up to its bound, then says "at least"', async () => {
        const first = await store.search({ namespace: 'dev', flowId: 'reports', page: 1, size: 2 });

        expect(ids(first)).toEqual(newestFirst.slice(0, 2));
        expect(first).toMatchObject({ total: 5, totalIsLowerBound: true });
      });

      it('says "at least" past the end of a deeper page, so clients paging by total ask for the next one', async () => {
        expect(await store.search({ namespace: 'dev', flowId: 'reports', page: 4, size: 3 })).toMatchObject({ total: 13, totalIsLowerBound: true });
      });

      const everything: { key: string; value: string }[] = [];
      it.each([
        ['every execution', 1, everything],
        ['every execution', 4, everything],
        ['every execution', 7, everything],
        ['a label', 3, [{ key: 'team', value: 'data' }]],
      ])("gives a client that pages until it holds `total` results (as Kestra's do) %s, page size %i", async (_, size, labels) => {
        const held: string[] = [];
        let total = Number.POSITIVE_INFINITY;
        for (let page = 1; held.length < total; page++) {
          const found = await store.search({ namespace: 'dev', flowId: 'reports', labels, page, size });
          if (!found.results.length) break;
          held.push(...ids(found));
          total = found.total;
        }

        expect(held).toEqual(labels.length ? newestFirst.filter((id) => Number(id.slice(1)) % 3 === 0) : newestFirst);
        expect(total).toBe(held.length);
      });

      it('is exact when the page reaches the last match, or when few match', async () => {
        expect(await store.search({ namespace: 'dev', flowId: 'reports', page: 3, size: 10 })).toMatchObject({ total: 30, totalIsLowerBound: false });
        const labelled = await store.search({ namespace: 'dev', flowId: 'reports', labels: [{ key: 'team', value: 'data' }], page: 1, size: 3 });
        expect(ids(labelled)).toEqual(['e27', 'e24', 'e21']);
        expect(labelled).toMatchObject({ total: 5, totalIsLowerBound: true });
        const state = await store.search({ namespace: 'dev', states: ['FAILED'], page: 1, size: 3 });
        expect(state).toEqual({ results: [], total: 0, totalIsLowerBound: false });
      });

      it('pages and counts within a start date range as without one', async () => {
        const range = { from: startOf(10), before: startOf(20) };
        const held: string[] = [];
        let total = Number.POSITIVE_INFINITY;
        for (let page = 1; held.length < total; page++) {
          const found = await store.search({ namespace: 'dev', flowId: 'reports', startDate: range, page, size: 3 });
          if (!found.results.length) break;
          held.push(...ids(found));
          total = found.total;
        }

        expect(held).toEqual(newestFirst.slice(10, 20));
        expect(total).toBe(10);
        expect(await store.search({ namespace: 'dev', flowId: 'reports', startDate: range, page: 1, size: 2 })).toMatchObject({
          total: 5,
          totalIsLowerBound: true,
        });
        expect(await store.search({ namespace: 'dev', flowId: 'reports', startDate: range, page: 4, size: 3 })).toMatchObject({
          total: 10,
          totalIsLowerBound: false,
        });
      });

      it('merges a namespace and everything the same way', async () => {
        await created({ id: 'x1', createdAt: startOf(N + 1), flowId: 'sales' });
        await created({ id: 'y1', createdAt: startOf(-1), namespace: 'prod' });

        expect(ids(await store.search({ namespace: 'dev', page: 1, size: 3 }))).toEqual(['x1', 'e29', 'e28']);
        expect(ids(await store.search({ page: 8, size: 4 }))).toEqual(['e02', 'e01', 'e00', 'y1']);
      });
    });
  });
}
