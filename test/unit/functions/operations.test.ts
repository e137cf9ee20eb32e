import { beforeEach, describe, expect, it } from 'vitest';
import { createOperationsEntry } from '../../../functions/operations';
import { getOperation, startOperation } from '../../../lib/app/operations';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aTriggerState, sqsEvent, sqsRecord } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:operations';
const DEAD_LETTERS = 'arn:aws:sqs:eu-west-1:123456789012:operations-dlq';

describe('the operations function', () => {
  let deps: InMemoryDependencies;
  let handler: ReturnType<typeof createOperationsEntry>;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    deps.settings = { ...deps.settings, operationDeadLetterQueueArn: DEAD_LETTERS };
    handler = createOperationsEntry(deps);
    await deps.flows.create(aFlow());
    await deps.triggers.createIfAbsent(aTriggerState());
    await deps.triggers.startBackfill(REF, aBackfill(), deps.clock.now().toISOString());
  });

  const partRecord = (operationId: string, overrides: Parameters<typeof sqsRecord>[1] = {}) =>
    sqsRecord({ operationId, part: 0 }, { eventSourceARN: QUEUE, ...overrides });

  it('applies the part a message names and reports no failure', async () => {
    const { operationId } = await startOperation(deps, { kind: 'BACKFILL_PAUSE', triggers: [REF] }, 'triggers');

    const response = await handler(sqsEvent([partRecord(operationId)]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect((await deps.triggers.get(REF))?.backfill?.paused).toBe(true);
    expect(await getOperation(deps, operationId)).toMatchObject({ state: 'SUCCESS', done: 1 });
    expect(deps.telemetry.total('OperationParts')).toBe(1);
  });

  it('sends a part that failed on an outage back later, the delay doubling with each delivery', async () => {
    const { operationId } = await startOperation(deps, { kind: 'BACKFILL_PAUSE', triggers: [REF] }, 'triggers');
    deps.triggers.setBackfillPaused = async () => {
      throw new Error('throttled');
    };
    const first = partRecord(operationId);
    const third = partRecord(operationId, { attributes: { ...first.attributes, ApproximateReceiveCount: '3' } });

    const response = await handler(sqsEvent([first, third]));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: first.messageId }, { itemIdentifier: third.messageId }] });
    expect(deps.operationQueue.retries.map((r) => r.seconds)).toEqual([2, 8]);
    expect(await getOperation(deps, operationId)).toMatchObject({ state: 'RUNNING', done: 0, failed: 0 });
  });

  it('drops what is not an operation part, and a part of an operation it does not know', async () => {
    const response = await handler(sqsEvent([sqsRecord('not json', { eventSourceARN: QUEUE }), partRecord('gone')]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(deps.telemetry.lines.map((line) => line.message)).toEqual([
      'Dropping a message that is not an operation part',
      'Operation part names no stored operation (expired?); dropped',
    ]);
  });

  it('sends the rest of a batch back rather than start a part this close to its timeout', async () => {
    const { operationId } = await startOperation(deps, { kind: 'BACKFILL_PAUSE', triggers: [REF] }, 'triggers');
    const record = partRecord(operationId);

    const response = await handler(sqsEvent([record]), { getRemainingTimeInMillis: () => 5_000 });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect((await deps.triggers.get(REF))?.backfill?.paused).toBe(false);
  });

  it('records the parts of its dead-letter queue failed, so their operation ends, and applies none of them', async () => {
    const { operationId } = await startOperation(deps, { kind: 'BACKFILL_PAUSE', triggers: [REF] }, 'triggers');

    const response = await handler(sqsEvent([partRecord(operationId, { eventSourceARN: DEAD_LETTERS })]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect((await deps.triggers.get(REF))?.backfill?.paused).toBe(false);
    expect(await getOperation(deps, operationId)).toMatchObject({
      state: 'FAILED',
      failed: 1,
      errors: [{ ...REF, message: expect.stringContaining('dead-lettered') }],
    });
  });

  it('keeps a dead letter it could not record', async () => {
    const { operationId } = await startOperation(deps, { kind: 'BACKFILL_PAUSE', triggers: [REF] }, 'triggers');
    deps.operations.failNextRecordWith = new Error('unreachable');
    const record = partRecord(operationId, { eventSourceARN: DEAD_LETTERS });

    expect(await handler(sqsEvent([record]))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
  });
});
