import { beforeEach, describe, expect, it } from 'vitest';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { executionLogs } from '../../../lib/app/execution-logs';
import { failUnrunnable, sweepStuck } from '../../../lib/app/stuck-executions';
import { transition } from '../../../lib/domain/execution';
import { liveOwner, tickExecutionId } from '../../../lib/domain/ids';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import type { ExecutionMessage } from '../../../lib/ports';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aSettings, aStoredExecution, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const idOf = (i: number) => tickExecutionId('bf1', T0 + i * HOUR);
const STALE_MS = 30 * MINUTE;

describe('stuck executions', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies({ settings: aSettings({ dispatch: { batchSize: 3, maxInFlight: 100 } }) });
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
  });

  /** Backfill bf1 with its first batch (ticks 0, 1, 2) dispatched: three messages sent, nothing written. */
  async function givenDispatched(): Promise<ExecutionMessage[]> {
    await deps.triggers.startBackfill(REF, aBackfill(), deps.clock.now().toISOString());
    await dispatchBatch(deps, aRunInput());
    const sent = [...deps.queue.sent.backfill];
    deps.queue.sent.backfill.length = 0;
    return sent;
  }

  const messageOf = (sent: ExecutionMessage[], i: number) => sent.find((m) => m.executionId === idOf(i))!;
  const page = async () => (await deps.ledger.all())[0]!;

  describe('sweepStuck', () => {
    it('sends nothing while the page is recent: its messages may only be waiting in the queue', async () => {
      await givenDispatched();
      deps.clock.advance(STALE_MS - 1);

      expect(await sweepStuck(deps, { staleAfterMs: STALE_MS })).toMatchObject({ resent: 0, requeued: 0, repaired: 0 });
      expect(deps.queue.sent.backfill).toEqual([]);
    });

    it('sends again, with the very same documents, the slots of a stale page whose execution was never written', async () => {
      const sent = await givenDispatched();
      // Tick 0 ran; the messages of ticks 1 and 2 were lost.
      const ran = structuredClone(messageOf(sent, 0).created!);
      ran.execution.state = transition(transition(ran.execution.state, 'RUNNING', deps.clock.now()), 'SUCCESS', deps.clock.now());
      await deps.executions.createIfAbsent(ran);
      await deps.ledger.markEnded([{ pageId: ran.origin.page!.id, slot: 0, failed: false }]);
      deps.clock.advance(STALE_MS);

      const report = await sweepStuck(deps, { staleAfterMs: STALE_MS });

      expect(report).toMatchObject({ resent: 2, requeued: 0, repaired: 0 });
      expect(deps.queue.sent.backfill).toEqual([messageOf(sent, 1), messageOf(sent, 2)]);
      expect((await page()).sweptAt).toBe(deps.clock.now().toISOString());
    });

    it('waits another stale period after a sweep before sending the same slots again', async () => {
      await givenDispatched();
      deps.clock.advance(STALE_MS);
      await sweepStuck(deps, { staleAfterMs: STALE_MS });
      deps.clock.advance(STALE_MS - 1);

      expect((await sweepStuck(deps, { staleAfterMs: STALE_MS })).resent).toBe(0);
      deps.clock.advance(1);
      expect((await sweepStuck(deps, { staleAfterMs: STALE_MS })).resent).toBe(3);
    });

    it('marks the slot of an execution that ended without its page saying so (its worker died in between)', async () => {
      const sent = await givenDispatched();
      const failed = structuredClone(messageOf(sent, 1).created!);
      failed.execution.state = transition(transition(failed.execution.state, 'RUNNING', deps.clock.now()), 'FAILED', deps.clock.now());
      await deps.executions.createIfAbsent(failed);
      deps.clock.advance(STALE_MS);

      const report = await sweepStuck(deps, { staleAfterMs: STALE_MS });

      expect(report).toMatchObject({ repaired: 1, resent: 2 });
      expect(await page()).toMatchObject({ ended: [1], failed: [1] });
    });

    it('queues again a RUNNING execution whose lease expired, not one whose worker still holds it', async () => {
      const sent = await givenDispatched();
      const dead = structuredClone(messageOf(sent, 0).created!);
      dead.execution.state = transition(dead.execution.state, 'RUNNING', deps.clock.now());
      await deps.executions.createClaimed(dead, 'dead-worker', deps.clock.now().getTime() + 10 * MINUTE);
      const alive = structuredClone(messageOf(sent, 1).created!);
      alive.execution.state = transition(alive.execution.state, 'RUNNING', deps.clock.now());
      await deps.executions.createClaimed(alive, 'busy-worker', deps.clock.now().getTime() + 2 * STALE_MS);
      deps.clock.advance(STALE_MS);

      const report = await sweepStuck(deps, { staleAfterMs: STALE_MS });

      expect(report).toMatchObject({ resent: 1, requeued: 1, repaired: 0 });
      expect(deps.queue.sentIds('backfill').sort()).toEqual([idOf(0), idOf(2)].sort());
    });

    it("queues again a live schedule's execution CREATED long ago, on the live lane", async () => {
      const stuck = aStoredExecution({ id: 'live-1', liveOwner: liveOwner(REF), tickMs: T0, createdAt: deps.clock.now().toISOString() });
      await deps.executions.createIfAbsent(stuck);
      const recent = aStoredExecution({
        id: 'live-2',
        liveOwner: liveOwner(REF),
        tickMs: T0 + HOUR,
        createdAt: new Date(deps.clock.now().getTime() + STALE_MS).toISOString(),
      });
      await deps.executions.createIfAbsent(recent);
      deps.clock.advance(STALE_MS);

      expect(await sweepStuck(deps, { staleAfterMs: STALE_MS })).toMatchObject({ resent: 0, requeued: 1, repaired: 0 });
      expect(deps.queue.sentIds('live')).toEqual(['live-1']);
    });

    it("holds a paused backfill's lost executions instead of sending them: dispatch sends them when it resumes", async () => {
      await givenDispatched();
      await deps.triggers.setBackfillPaused(REF, 'bf1', true, deps.clock.now().toISOString());
      deps.clock.advance(STALE_MS);

      expect((await sweepStuck(deps, { staleAfterMs: STALE_MS })).resent).toBe(0);
      expect(deps.queue.sent.backfill).toEqual([]);
      expect((await page()).held).toEqual([0, 1, 2]);
    });

    it('carries on a backfill whose state machine execution died, with the next generation, and starts one that never started', async () => {
      await givenDispatched();
      const name = aBackfill().executionName;
      await deps.workflows.start(name, aRunInput());
      deps.workflows.end(name, 'ABORTED');

      const report = await sweepStuck(deps, { staleAfterMs: STALE_MS });

      expect(report.restarted).toBe(1);
      const next = deps.workflows.started.at(-1)!;
      expect(next.input).toMatchObject({ generation: 1, iteration: 0 });
      expect((await deps.triggers.get(REF))!.backfill).toMatchObject({ generation: 1, executionName: next.name });
      // Running now: the next sweep leaves it alone.
      expect((await sweepStuck(deps, { staleAfterMs: STALE_MS })).restarted).toBe(0);
    });

    it("starts a backfill's recorded execution that never started (a hand-over that died in between)", async () => {
      await givenDispatched();

      expect((await sweepStuck(deps, { staleAfterMs: STALE_MS })).restarted).toBe(1);
      expect(deps.workflows.started.map((s) => s.name)).toEqual([aBackfill().executionName]);
    });

    it('sends everything not running at once when nothing counts as recent (the local default at start)', async () => {
      await givenDispatched();

      expect((await sweepStuck(deps, { staleAfterMs: 0 })).resent).toBe(3);
    });
  });

  describe('stalled backfills (the no-progress alarm)', () => {
    const STALL_MS = HOUR;

    it('counts a backfill whose oldest open page is older than the stall time, naming it', async () => {
      await givenDispatched();
      const sentAt = deps.clock.now().toISOString();
      deps.clock.advance(STALL_MS + 1000);

      const report = await sweepStuck(deps, { staleAfterMs: STALE_MS, stallAfterMs: STALL_MS });

      expect(report.stalled).toEqual([{ backfillId: 'bf1', ...REF, oldestPageSentAt: sentAt }]);
      expect(report.oldestOpenPageSeconds).toBe(3601);
    });

    it('does not count it before the stall time, nor once its pages are gone', async () => {
      await givenDispatched();
      deps.clock.advance(STALL_MS);

      expect((await sweepStuck(deps, { staleAfterMs: STALE_MS, stallAfterMs: STALL_MS })).stalled).toEqual([]);

      await deps.ledger.remove((await deps.ledger.all()).map((p) => p.id));
      deps.clock.advance(STALL_MS);
      const report = await sweepStuck(deps, { staleAfterMs: STALE_MS, stallAfterMs: STALL_MS });
      expect(report).toMatchObject({ stalled: [], oldestOpenPageSeconds: 0 });
    });

    it('does not count a paused backfill: it makes no progress on purpose', async () => {
      await givenDispatched();
      await deps.triggers.setBackfillPaused(REF, 'bf1', true, deps.clock.now().toISOString());
      deps.clock.advance(3 * STALL_MS);

      const report = await sweepStuck(deps, { staleAfterMs: STALE_MS, stallAfterMs: STALL_MS });

      expect(report).toMatchObject({ stalled: [], oldestOpenPageSeconds: 0 });
    });
  });

  describe('failUnrunnable', () => {
    it('writes a never-written execution FAILED from its message, logs why, and marks its slot failed', async () => {
      const sent = await givenDispatched();

      const outcome = await failUnrunnable(deps, messageOf(sent, 2), 'dead-lettered');

      expect(outcome).toBe('FAILED');
      const stored = (await deps.executions.get(idOf(2)))!;
      expect(stored.execution.state.histories.map((h) => h.state)).toEqual(['CREATED', 'RUNNING', 'FAILED']);
      expect(await executionLogs(deps, idOf(2))).toEqual([expect.objectContaining({ level: 'ERROR', message: 'dead-lettered' })]);
      expect(await page()).toMatchObject({ ended: [2], failed: [2] });
    });

    it('ends a CREATED or expired RUNNING execution FAILED under a lease of its own', async () => {
      const sent = await givenDispatched();
      const dead = structuredClone(messageOf(sent, 0).created!);
      dead.execution.state = transition(dead.execution.state, 'RUNNING', deps.clock.now());
      await deps.executions.createClaimed(dead, 'dead-worker', deps.clock.now().getTime() + MINUTE);
      deps.clock.advance(2 * MINUTE);

      expect(await failUnrunnable(deps, { executionId: idOf(0) }, 'gave up')).toBe('FAILED');
      expect((await deps.executions.get(idOf(0)))!.execution.state.current).toBe('FAILED');
      expect(await page()).toMatchObject({ ended: [0], failed: [0] });
    });

    it('leaves an execution a worker holds alive (BUSY), and one that ended as it is', async () => {
      const sent = await givenDispatched();
      const running = structuredClone(messageOf(sent, 0).created!);
      running.execution.state = transition(running.execution.state, 'RUNNING', deps.clock.now());
      await deps.executions.createClaimed(running, 'worker', deps.clock.now().getTime() + MINUTE);
      const done = structuredClone(messageOf(sent, 1).created!);
      done.execution.state = transition(transition(done.execution.state, 'RUNNING', deps.clock.now()), 'SUCCESS', deps.clock.now());
      await deps.executions.createIfAbsent(done);

      expect(await failUnrunnable(deps, messageOf(sent, 0), 'x')).toBe('BUSY');
      expect(await failUnrunnable(deps, messageOf(sent, 1), 'x')).toBe('ENDED_ALREADY');
      expect((await deps.executions.get(idOf(1)))!.execution.state.current).toBe('SUCCESS');
      expect(await page()).toMatchObject({ ended: [1], failed: [] });
    });

    it('does nothing for an execution neither stored nor sent with its document', async () => {
      expect(await failUnrunnable(deps, { executionId: 'nope' }, 'x')).toBe('UNKNOWN');
    });
  });
});
