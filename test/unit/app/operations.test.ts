import { beforeEach, describe, expect, it } from 'vitest';
import { dispatchBatch } from '../../../lib/app/dispatch';
import { executionLogs } from '../../../lib/app/execution-logs';
import { getOperation, giveUpOperationPart, resendUnrecordedParts, runOperationPart, startOperation } from '../../../lib/app/operations';
import { OperationNotFoundError } from '../../../lib/domain/errors';
import { tickExecutionId } from '../../../lib/domain/ids';
import { ValidationError } from '../../../lib/domain/flow/errors';
import { MAX_OPERATION_ITEMS, OPERATION_PART_SIZE, type OperationKind } from '../../../lib/domain/operation';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aRunInput, aScheduleTrigger, aStoredExecution, aTriggerState } from '../../support/factories';

const NOW = '2026-03-01T12:00:00.000Z';
const refOf = (flowId: string): TriggerRef => ({ namespace: 'dev', flowId, triggerId: 'hourly' });

describe('operations', () => {
  let deps: InMemoryDependencies;

  beforeEach(() => {
    deps = inMemoryDependencies({ now: NOW });
  });

  /** Flows `dev.f0` … with an hourly trigger each, a backfill on those listed in `withBackfill`. */
  async function givenTriggers(count: number, withBackfill: (i: number) => boolean = () => true): Promise<TriggerRef[]> {
    const refs: TriggerRef[] = [];
    for (let i = 0; i < count; i++) {
      const ref = refOf(`f${i}`);
      await deps.flows.create(aFlow({ id: ref.flowId, triggers: [aScheduleTrigger()] }));
      await deps.triggers.createIfAbsent(aTriggerState(ref));
      if (withBackfill(i)) await deps.triggers.startBackfill(ref, aBackfill({ id: `bf${i}`, executionName: `run-${i}` }), NOW);
      refs.push(ref);
    }
    return refs;
  }

  /** Starts the operation, then delivers every message it queued, as the queue would. */
  async function run(kind: OperationKind, triggers: TriggerRef[], recover?: boolean | 'BACKFILL') {
    const started = await startOperation(deps, { kind, targets: triggers, recover }, 'triggers');
    for (const message of deps.operationQueue.sent.filter((m) => m.operationId === started.operationId)) await runOperationPart(deps, message);
    return { started, view: await getOperation(deps, started.operationId) };
  }

  describe('startOperation', () => {
    it('records the operation, its triggers in parts, and queues one message per part; it is RUNNING until they are applied', async () => {
      const triggers = Array.from({ length: OPERATION_PART_SIZE + 3 }, (_, i) => refOf(`f${i}`));

      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: triggers }, 'triggers');

      expect(started).toEqual({ operationId: expect.any(String), totalItems: OPERATION_PART_SIZE + 3 });
      expect(deps.operationQueue.sent).toEqual([
        { operationId: started.operationId, part: 0 },
        { operationId: started.operationId, part: 1 },
      ]);
      expect(await deps.operations.part(started.operationId, 1)).toEqual(triggers.slice(OPERATION_PART_SIZE));
      expect(await getOperation(deps, started.operationId)).toEqual({
        operationId: started.operationId,
        kind: 'BACKFILL_PAUSE',
        totalItems: OPERATION_PART_SIZE + 3,
        done: 0,
        failed: 0,
        errors: [],
        errorsOmitted: 0,
        state: 'RUNNING',
        createdAt: NOW,
      });
    });

    it('counts a trigger named twice once', async () => {
      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: [refOf('a'), refOf('b'), refOf('a')] }, 'triggers');

      expect(started.totalItems).toBe(2);
    });

    it('ends at once, SUCCESS, when it selects no trigger', async () => {
      const started = await startOperation(deps, { kind: 'BACKFILL_DELETE', targets: [] }, 'filters');

      expect(started.totalItems).toBe(0);
      expect(deps.operationQueue.sent).toEqual([]);
      expect(await getOperation(deps, started.operationId)).toMatchObject({ state: 'SUCCESS', endedAt: NOW, done: 0, failed: 0 });
    });

    it(`refuses more than ${MAX_OPERATION_ITEMS} triggers with a validation failure naming the selecting field, recording nothing`, async () => {
      const triggers = Array.from({ length: MAX_OPERATION_ITEMS + 1 }, (_, i) => refOf(`f${i}`));

      const refused = startOperation(deps, { kind: 'TRIGGER_DISABLE', targets: triggers }, 'filters');

      await expect(refused).rejects.toBeInstanceOf(ValidationError);
      await expect(refused).rejects.toMatchObject({ path: 'filters' });
      expect(deps.operationQueue.sent).toEqual([]);
    });

    it('records a part the queue refused as failed, each trigger with the reason, so the operation still ends', async () => {
      const triggers = Array.from({ length: OPERATION_PART_SIZE + 2 }, (_, i) => refOf(`f${i}`));
      deps.operationQueue.refuseParts.add(1);

      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: triggers }, 'triggers');

      expect(await getOperation(deps, started.operationId)).toMatchObject({
        state: 'RUNNING',
        failed: 2,
        errors: [
          { ...refOf(`f${OPERATION_PART_SIZE}`), message: 'its message could not be queued' },
          { ...refOf(`f${OPERATION_PART_SIZE + 1}`), message: 'its message could not be queued' },
        ],
      });
    });

    it('records every part failed when the queue cannot be reached, and a message that got through anyway changes nothing', async () => {
      const [ref] = await givenTriggers(1);
      deps.operationQueue.failSendWith = new Error('SQS unreachable');

      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: [ref!] }, 'triggers');
      const late = await runOperationPart(deps, { operationId: started.operationId, part: 0 });

      expect(late).toBe('ALREADY_RECORDED');
      expect((await deps.triggers.get(ref!))?.backfill?.paused).toBe(false);
      expect(await getOperation(deps, started.operationId)).toMatchObject({
        state: 'FAILED',
        done: 0,
        failed: 1,
        errors: [{ ...ref, message: 'its message could not be queued: SQS unreachable' }],
      });
    });
  });

  describe('runOperationPart', () => {
    it('applies the action to every trigger of the part and ends the operation SUCCESS once every part is recorded', async () => {
      const refs = await givenTriggers(OPERATION_PART_SIZE + 1);
      deps.clock.advance(5_000);

      const { view } = await run('BACKFILL_PAUSE', refs);

      for (const ref of refs) expect((await deps.triggers.get(ref))?.backfill?.paused).toBe(true);
      expect(view).toMatchObject({ state: 'SUCCESS', totalItems: refs.length, done: refs.length, failed: 0, endedAt: '2026-03-01T12:00:05.000Z' });
    });

    it('counts the triggers the action refuses as failed, naming each and why, and the others done (partial failure)', async () => {
      const refs = await givenTriggers(3, (i) => i !== 1);
      const unknown = { namespace: 'dev', flowId: 'nope', triggerId: 'hourly' };

      const { view } = await run('BACKFILL_UNPAUSE', [...refs, unknown]);

      expect(view).toMatchObject({
        state: 'FAILED',
        totalItems: 4,
        done: 2,
        failed: 2,
        errors: [
          { ...refs[1], message: 'No backfill found' },
          { ...unknown, message: 'Flow dev.nope of trigger hourly not found' },
        ],
      });
    });

    it('applies a redelivered part whose outcome is recorded no second time', async () => {
      const refs = await givenTriggers(2);
      const { started } = await run('BACKFILL_DELETE', refs);
      const stopped = deps.workflows.stopped.length;

      const again = await runOperationPart(deps, { operationId: started.operationId, part: 0 });

      expect(again).toBe('ALREADY_RECORDED');
      expect(deps.workflows.stopped).toHaveLength(stopped);
      expect(await getOperation(deps, started.operationId)).toMatchObject({ state: 'SUCCESS', done: 2, failed: 0 });
    });

    it('counts a delete redelivered after it was applied but not recorded as done, once (the function died in between)', async () => {
      const refs = await givenTriggers(2);
      const started = await startOperation(deps, { kind: 'BACKFILL_DELETE', targets: refs }, 'triggers');
      deps.operations.failNextRecordWith = new Error('DynamoDB unreachable');
      const message = { operationId: started.operationId, part: 0 };

      await expect(runOperationPart(deps, message)).rejects.toThrow('DynamoDB unreachable');
      expect(await runOperationPart(deps, message)).toBe('APPLIED');

      expect(await getOperation(deps, started.operationId)).toMatchObject({ state: 'SUCCESS', done: 2, failed: 0, errors: [] });
      for (const ref of refs) expect((await deps.triggers.get(ref))?.lastBackfill?.outcome).toBe('DELETED');
    });

    it.each([
      ['EXECUTION_KILL', 'CREATED', 'KILLED'],
      ['EXECUTION_RESTART', 'FAILED', 'RESTARTED'],
    ] as const)('counts a %s redelivered after it was applied but not recorded as done, once, acting once', async (kind, from, to) => {
      for (const id of ['e1', 'e2']) await deps.executions.createIfAbsent(aStoredExecution({ id, state: from }));
      const started = await startOperation(deps, { kind, targets: [{ executionId: 'e1' }, { executionId: 'e2' }, { executionId: 'e1' }] }, 'body');
      deps.operations.failNextRecordWith = new Error('DynamoDB unreachable');
      const message = { operationId: started.operationId, part: 0 };

      await expect(runOperationPart(deps, message)).rejects.toThrow('DynamoDB unreachable');
      expect(await runOperationPart(deps, message)).toBe('APPLIED');

      expect(started.totalItems).toBe(2);
      expect(await getOperation(deps, started.operationId)).toMatchObject({ kind, state: 'SUCCESS', done: 2, failed: 0, errors: [] });
      for (const id of ['e1', 'e2']) expect((await deps.executions.get(id))?.execution.state.current).toBe(to);
      if (kind === 'EXECUTION_RESTART') expect(deps.queue.sentIds('live')).toEqual(['e1', 'e2']);
    });

    it('replays each execution once however often its part is delivered, and names what it could not act on', async () => {
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'SUCCESS' }));
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'running', state: 'RUNNING' }));
      const started = await startOperation(
        deps,
        { kind: 'EXECUTION_REPLAY', targets: [{ executionId: 'e1' }, { executionId: 'running' }, { executionId: 'nope' }] },
        'body',
      );
      deps.operations.failNextRecordWith = new Error('DynamoDB unreachable');
      const message = { operationId: started.operationId, part: 0 };

      await expect(runOperationPart(deps, message)).rejects.toThrow('DynamoDB unreachable');
      await runOperationPart(deps, message);

      expect(await getOperation(deps, started.operationId)).toMatchObject({
        state: 'FAILED',
        done: 1,
        failed: 2,
        errors: [
          { executionId: 'running', message: 'Execution running is RUNNING: only ended executions can be replayed' },
          { executionId: 'nope', message: 'Execution nope not found' },
        ],
      });
      const replays = (await deps.executions.search({ page: 1, size: 10 })).results.filter((e) => e.replayOf);
      expect(replays.map((e) => e.replayOf?.id)).toEqual(['e1']);
    });

    describe('BACKFILL_CANCEL', () => {
      const T0 = Date.parse('2026-02-01T00:00:00Z');

      it("cancels every backfill of each trigger, killing their queued executions, each killed one's line naming the operation", async () => {
        const refs = await givenTriggers(2);
        // A second backfill of the first trigger, on a later window.
        await deps.triggers.startBackfill(refs[0]!, aBackfill({ id: 'bf0b', start: '2026-02-02T00:00:00Z', end: '2026-02-02T09:00:00Z' }), NOW);
        await dispatchBatch(deps, aRunInput({ backfill: { ...refs[1]!, id: 'bf1' } }));
        const queued = deps.queue.sentIds('backfill');
        expect(queued.length).toBeGreaterThan(0);

        const { started, view } = await run('BACKFILL_CANCEL', refs);

        expect(view).toMatchObject({ kind: 'BACKFILL_CANCEL', state: 'SUCCESS', totalItems: 2, done: 2, failed: 0, errors: [] });
        for (const ref of refs) expect(await deps.triggers.get(ref)).toMatchObject({ backfills: [], lastBackfill: { outcome: 'CANCELLED' } });
        for (const id of queued) expect((await deps.executions.get(id))?.execution.state.current).toBe('KILLED');
        expect((await executionLogs(deps, queued[0]!)).map((l) => l.message)).toEqual([
          `Execution killed: backfill bf1 cancelled, asked by bulk operation ${started.operationId}, at ${NOW}`,
        ]);
      });

      it('counts a cancel redelivered after it was applied but not recorded as done, once: its backfills ended CANCELLED meanwhile', async () => {
        const refs = await givenTriggers(2);
        const started = await startOperation(deps, { kind: 'BACKFILL_CANCEL', targets: refs }, 'triggers');
        deps.operations.failNextRecordWith = new Error('DynamoDB unreachable');
        const message = { operationId: started.operationId, part: 0 };

        await expect(runOperationPart(deps, message)).rejects.toThrow('DynamoDB unreachable');
        for (const ref of refs) expect((await deps.triggers.get(ref))?.lastBackfill?.outcome).toBe('CANCELLED');
        expect(await runOperationPart(deps, message)).toBe('APPLIED');

        expect(await getOperation(deps, started.operationId)).toMatchObject({ state: 'SUCCESS', done: 2, failed: 0, errors: [] });
      });

      it('counts a cancel redelivered while a running execution still stops as done, asking it once', async () => {
        const [ref] = await givenTriggers(1);
        await dispatchBatch(deps, aRunInput({ backfill: { ...ref!, id: 'bf0' } }));
        const runningId = tickExecutionId('bf0', T0);
        // A worker holds it: the cancel asks it to stop, and the backfill stays, being cancelled, until it has.
        await deps.executions.createClaimed(
          aStoredExecution({ id: runningId, flowId: ref!.flowId, state: 'RUNNING', backfillId: 'bf0', tickMs: T0 }),
          'lease',
          Date.parse(NOW) + 600_000,
        );
        const started = await startOperation(deps, { kind: 'BACKFILL_CANCEL', targets: [ref!] }, 'triggers');
        deps.operations.failNextRecordWith = new Error('DynamoDB unreachable');
        const message = { operationId: started.operationId, part: 0 };

        await expect(runOperationPart(deps, message)).rejects.toThrow('DynamoDB unreachable');
        deps.clock.advance(5_000);
        expect(await runOperationPart(deps, message)).toBe('APPLIED');

        expect(await getOperation(deps, started.operationId)).toMatchObject({ state: 'SUCCESS', done: 1, failed: 0 });
        const by = `backfill bf0 cancelled, asked by bulk operation ${started.operationId}`;
        // The first request stands: asked at the first delivery, not again.
        expect(await deps.executions.killRequestOf(runningId)).toEqual({ at: NOW, by });
        expect((await deps.triggers.get(ref!))?.backfill).toMatchObject({ id: 'bf0', cancelling: { at: NOW, by } });
      });

      it('still fails a cancel of a backfill that ended otherwise, or before the operation started', async () => {
        const refs = await givenTriggers(2);
        await deps.triggers.finishBackfill(refs[0]!, 'bf0', 'DELETED', NOW);
        const before = '2026-03-01T11:00:00.000Z';
        await deps.triggers.markBackfillCancelling(refs[1]!, 'bf1', { at: before, by: 'asked by someone else' }, before);
        await deps.triggers.finishBackfill(refs[1]!, 'bf1', 'CANCELLED', before);

        const { view } = await run('BACKFILL_CANCEL', refs);

        expect(view).toMatchObject({
          done: 0,
          failed: 2,
          errors: [
            { ...refs[0], message: 'No backfill found' },
            { ...refs[1], message: 'No backfill found' },
          ],
        });
      });
    });

    it('still fails a delete of a backfill that ended otherwise, or before the operation started', async () => {
      const refs = await givenTriggers(2);
      await deps.triggers.finishBackfill(refs[0]!, 'bf0', 'COMPLETED', NOW);
      await deps.triggers.finishBackfill(refs[1]!, 'bf1', 'DELETED', '2026-03-01T11:00:00.000Z');

      const { view } = await run('BACKFILL_DELETE', refs);

      expect(view).toMatchObject({ done: 0, failed: 2 });
    });

    it('lets an outage through, recording nothing, so the message comes back', async () => {
      const [ref] = await givenTriggers(1);
      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: [ref!] }, 'triggers');
      deps.triggers.setBackfillPaused = async () => {
        throw new Error('ProvisionedThroughputExceededException');
      };

      await expect(runOperationPart(deps, { operationId: started.operationId, part: 0 })).rejects.toThrow('ProvisionedThroughputExceededException');

      expect(await getOperation(deps, started.operationId)).toMatchObject({ state: 'RUNNING', done: 0, failed: 0 });
    });

    it('disables and enables triggers, enabling with the recovery asked for', async () => {
      const refs = await givenTriggers(2, () => false);
      await run('TRIGGER_DISABLE', refs);
      deps.clock.advance(3 * 3600_000 + 30 * 60_000);

      const { view } = await run('TRIGGER_ENABLE', refs, 'BACKFILL');

      expect(view).toMatchObject({ kind: 'TRIGGER_ENABLE', state: 'SUCCESS', done: 2 });
      for (const ref of refs) {
        expect(await deps.triggers.get(ref)).toMatchObject({ disabled: false, nextExecutionDate: '2026-03-01T16:00:00Z', backfill: { totalTicks: 3 } });
      }
    });

    it('answers UNKNOWN for a message of an operation or part it does not know', async () => {
      expect(await runOperationPart(deps, { operationId: 'nope', part: 0 })).toBe('UNKNOWN');
      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: [refOf('a')] }, 'triggers');
      expect(await runOperationPart(deps, { operationId: started.operationId, part: 7 })).toBe('UNKNOWN');
    });
  });

  describe('giveUpOperationPart', () => {
    it("records a dead-lettered part's triggers failed with the reason, once, so the operation ends", async () => {
      const refs = await givenTriggers(2);
      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: refs }, 'triggers');
      const message = { operationId: started.operationId, part: 0 };

      expect(await giveUpOperationPart(deps, message, 'every delivery failed')).toBe('APPLIED');
      expect(await giveUpOperationPart(deps, message, 'every delivery failed')).toBe('ALREADY_RECORDED');

      expect(await getOperation(deps, started.operationId)).toMatchObject({
        state: 'FAILED',
        done: 0,
        failed: 2,
        errors: refs.map((ref) => ({ ...ref, message: 'every delivery failed' })),
      });
    });

    it('leaves a part already recorded as it is', async () => {
      const refs = await givenTriggers(1);
      const { started } = await run('BACKFILL_PAUSE', refs);

      expect(await giveUpOperationPart(deps, { operationId: started.operationId, part: 0 }, 'x')).toBe('ALREADY_RECORDED');
      expect(await getOperation(deps, started.operationId)).toMatchObject({ state: 'SUCCESS', done: 1 });
    });
  });

  describe('getOperation', () => {
    it('does not know an operation past its retention, nor an unknown one', async () => {
      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: [] }, 'triggers');
      deps.clock.advance(7 * 24 * 3600_000 + 1000);

      await expect(getOperation(deps, started.operationId)).rejects.toBeInstanceOf(OperationNotFoundError);
      await expect(getOperation(deps, 'nope')).rejects.toThrow('Operation nope not found');
    });
  });

  describe('resendUnrecordedParts', () => {
    it('sends again only the parts not recorded (after a local restart)', async () => {
      const triggers = Array.from({ length: 2 * OPERATION_PART_SIZE + 1 }, (_, i) => refOf(`f${i}`));
      const started = await startOperation(deps, { kind: 'BACKFILL_PAUSE', targets: triggers }, 'triggers');
      await runOperationPart(deps, { operationId: started.operationId, part: 1 });
      deps.operationQueue.sent.length = 0;

      const sent = await resendUnrecordedParts(deps, [(await deps.operations.get(started.operationId))!]);

      expect(sent).toBe(2);
      expect(deps.operationQueue.sent.map((m) => m.part)).toEqual([0, 2]);
    });
  });
});
