import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkerHandler } from '../../../functions/worker';
import { SHELL_COMMANDS_TYPE, type ShellCommandsTask } from '../../../lib/domain/flow/model';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aFlow, aStoredExecution, sqsEvent, sqsRecord } from '../../support/factories';

describe('createWorkerHandler', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.flows.create(aFlow());
    await deps.executions.createMany(['e1', 'e2'].map((id) => aStoredExecution({ id, tickMs: Date.parse('2026-02-01T00:00:00Z') })));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const failures = (response: { batchItemFailures: { itemIdentifier: string }[] }) => response.batchItemFailures.map((f) => f.itemIdentifier);
  const stateOf = async (id: string) => (await deps.executions.get(id))!.execution.state.current;

  describe('a batch of readable messages', () => {
    it('runs each execution and reports no failure', async () => {
      const response = await createWorkerHandler(deps)(sqsEvent([sqsRecord({ executionId: 'e1' }), sqsRecord({ executionId: 'e2' })]));

      expect(response).toEqual({ batchItemFailures: [] });
      expect(await stateOf('e1')).toBe('SUCCESS');
      expect(await stateOf('e2')).toBe('SUCCESS');
    });
  });

  describe('an unreadable message', () => {
    it('is reported as a batch item failure while the rest of the batch runs', async () => {
      const bad = sqsRecord('{not json');

      const response = await createWorkerHandler(deps)(sqsEvent([bad, sqsRecord({ executionId: 'e1' })]));

      expect(failures(response)).toEqual([bad.messageId]);
      expect(await stateOf('e1')).toBe('SUCCESS');
      expect(deps.telemetry.lines).toContainEqual({
        level: 'ERROR',
        message: 'Execution message is not JSON; it will be retried',
        fields: { messageId: bad.messageId, error: expect.any(SyntaxError) },
      });
    });
  });

  describe('a message without executionId', () => {
    it('is dropped: neither run nor retried', async () => {
      const claimMany = vi.spyOn(deps.executions, 'claimMany');

      const response = await createWorkerHandler(deps)(sqsEvent([sqsRecord({ id: 'e1' })]));

      expect(response).toEqual({ batchItemFailures: [] });
      expect(claimMany).not.toHaveBeenCalled();
      expect(await stateOf('e1')).toBe('CREATED');
    });

    it('drops a message whose document is not the execution it names', async () => {
      const createIfAbsent = vi.spyOn(deps.executions, 'createIfAbsent');
      const { execution, origin } = aStoredExecution({ id: 'other' });

      const response = await createWorkerHandler(deps)(sqsEvent([sqsRecord({ executionId: 'e2', created: { execution, origin } })]));

      expect(response).toEqual({ batchItemFailures: [] });
      expect(createIfAbsent).not.toHaveBeenCalled();
      expect(await deps.executions.get('other')).toBeUndefined();
    });
  });

  describe('an execution another worker holds', () => {
    it('comes back when that lease ends, through retryAfter, and counts as a failure', async () => {
      await deps.executions.claim('e1', 'other', deps.clock.now().getTime() + 45_000, deps.clock.now());
      const record = sqsRecord({ executionId: 'e1' });

      const response = await createWorkerHandler(deps)(sqsEvent([record]));

      expect(failures(response)).toEqual([record.messageId]);
      expect(deps.queue.retries).toEqual([{ delivery: { eventSourceArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, seconds: 46 }]);
    });

    it('still counts as a failure when retryAfter itself fails', async () => {
      await deps.executions.claim('e1', 'other', deps.clock.now().getTime() + 45_000, deps.clock.now());
      deps.queue.failRetryAfterWith = new Error('ChangeMessageVisibility denied');
      const record = sqsRecord({ executionId: 'e1' });

      const response = await createWorkerHandler(deps)(sqsEvent([record]));

      expect(failures(response)).toEqual([record.messageId]);
    });
  });

  describe('an execution whose run fails', () => {
    it('is retried alone', async () => {
      const finish = deps.executions.finish.bind(deps.executions);
      vi.spyOn(deps.executions, 'finish').mockImplementation(async (stored, token) => {
        if (stored.execution.id === 'e2') throw new Error('executions table throttled');
        return finish(stored, token);
      });
      const [ok, failing] = [sqsRecord({ executionId: 'e1' }), sqsRecord({ executionId: 'e2' })];

      const response = await createWorkerHandler(deps)(sqsEvent([ok, failing]));

      expect(failures(response)).toEqual([failing.messageId]);
    });

    it('comes back after a delay that doubles with each delivery, not after the visibility timeout', async () => {
      vi.spyOn(deps.executions, 'finish').mockRejectedValue(new Error('executions table throttled'));
      const delivered = (count: number) =>
        sqsRecord({ executionId: 'e1' }, { attributes: { ...sqsRecord({}).attributes, ApproximateReceiveCount: String(count) } });

      for (const count of [1, 2, 3]) await createWorkerHandler(deps)(sqsEvent([delivered(count)]));

      // WORKER_RETRY_BASE_MS is 5,000 by default.
      expect(deps.queue.retries.map((r) => r.seconds)).toEqual([5, 10, 20]);
    });
  });

  describe('a claim read that fails', () => {
    it('sends every message back, the unreadable ones too', async () => {
      vi.spyOn(deps.executions, 'claimMany').mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'));
      const records = [sqsRecord('nope'), sqsRecord({ executionId: 'e1' }), sqsRecord({ executionId: 'e2' })];

      const response = await createWorkerHandler(deps)(sqsEvent(records));

      expect(failures(response)).toEqual(records.map((r) => r.messageId));
      expect(await stateOf('e1')).toBe('CREATED');
    });
  });

  describe('telemetry', () => {
    it('counts the executions it ended by final state, whether claimed or written once from their document', async () => {
      const shell: ShellCommandsTask = { id: 'sh', type: SHELL_COMMANDS_TYPE, runner: 'PROCESS', commands: ['exit 1'], beforeCommands: [], env: {} };
      await deps.flows.create(aFlow({ id: 'broken', tasks: [shell] }));
      await deps.executions.createMany([aStoredExecution({ id: 'e4', flowId: 'broken' })]);
      deps.taskRunner.failWith(1);
      const sent = aStoredExecution({ id: 'e3', backfillId: 'bf1', tickMs: Date.parse('2026-02-01T01:00:00Z') });

      await createWorkerHandler(deps)(
        sqsEvent([
          sqsRecord({ executionId: 'e1' }),
          sqsRecord({ executionId: 'e3', created: { execution: sent.execution, origin: sent.origin } }),
          sqsRecord({ executionId: 'e4' }),
        ]),
      );

      expect(deps.telemetry.published).toContainEqual({ name: 'ExecutionsEnded', unit: 'Count', value: 2, dimensions: { state: 'SUCCESS' } });
      expect(deps.telemetry.published).toContainEqual({ name: 'ExecutionsEnded', unit: 'Count', value: 1, dimensions: { state: 'FAILED' } });
      expect(deps.telemetry.lines).toContainEqual({
        level: 'DEBUG',
        message: 'execution ended',
        fields: { executionId: 'e3', backfillId: 'bf1', state: 'SUCCESS' },
      });
      expect(deps.telemetry.total('RunsRejected')).toBe(0);
    });

    it('counts messages sent back for later as retries, and runs that failed with an error as rejected, logging their ids', async () => {
      await deps.executions.claim('e1', 'other', deps.clock.now().getTime() + 45_000, deps.clock.now());
      vi.spyOn(deps.executions, 'finish').mockRejectedValue(new Error('executions table throttled'));

      await createWorkerHandler(deps)(sqsEvent([sqsRecord({ executionId: 'e1' }), sqsRecord({ executionId: 'e2' })]));

      expect(deps.telemetry.total('WorkerRetries')).toBe(2);
      expect(deps.telemetry.total('RunsRejected')).toBe(1);
      expect(deps.telemetry.total('ExecutionsEnded')).toBe(0);
      expect(deps.telemetry.lines).toContainEqual({
        level: 'ERROR',
        message: 'Execution message failed; it will be retried',
        fields: expect.objectContaining({ executionId: 'e2', error: expect.any(Error) }),
      });
    });
  });
});
