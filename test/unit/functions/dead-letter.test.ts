import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeadLetterHandler } from '../../../functions/dead-letter';
import { executionLogs } from '../../../lib/app/execution-logs';
import { transition } from '../../../lib/domain/execution';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aStoredExecution, sqsEvent, sqsRecord } from '../../support/factories';

describe('createDeadLetterHandler', () => {
  let deps: InMemoryDependencies;

  beforeEach(() => {
    deps = inMemoryDependencies();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  it('ends the execution of a dead letter FAILED with a log line saying why', async () => {
    const { execution, origin } = aStoredExecution({ id: 'e1', backfillId: 'bf1' });

    const response = await createDeadLetterHandler(deps)(sqsEvent([sqsRecord({ executionId: 'e1', created: { execution, origin } })]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect((await deps.executions.get('e1'))!.execution.state.current).toBe('FAILED');
    expect(await executionLogs(deps, 'e1')).toEqual([expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('dead-lettered') })]);
  });

  it('counts the dead letter and the execution it ended FAILED, and logs both ids', async () => {
    const { execution, origin } = aStoredExecution({ id: 'e1', backfillId: 'bf1' });
    const record = sqsRecord({ executionId: 'e1', created: { execution, origin } });

    await createDeadLetterHandler(deps)(sqsEvent([record, sqsRecord('not json')]));

    expect(deps.telemetry.total('DeadLetters')).toBe(2);
    expect(deps.telemetry.total('DeadLettersFailed')).toBe(1);
    expect(deps.telemetry.lines).toContainEqual({
      level: 'INFO',
      message: 'dead letter',
      fields: { executionId: 'e1', backfillId: 'bf1', messageId: record.messageId, outcome: 'FAILED' },
    });
  });

  it('keeps the message of an execution a worker still holds, and drops one that is not an execution message', async () => {
    const running = aStoredExecution({ id: 'e1' });
    running.execution.state = transition(running.execution.state, 'RUNNING', deps.clock.now());
    await deps.executions.createClaimed(running, 'worker', deps.clock.now().getTime() + 60_000);
    const held = sqsRecord({ executionId: 'e1' });

    const response = await createDeadLetterHandler(deps)(sqsEvent([held, sqsRecord('not json')]));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: held.messageId }] });
    expect((await deps.executions.get('e1'))!.execution.state.current).toBe('RUNNING');
  });
});
