import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type RunOutcome, type WorkerDeps, createExecutionRunner } from '../lib/app/worker';
import type { ExecutionMessage, ExecutionQueue } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export interface WorkerHandlerDeps extends WorkerDeps {
  queue: Pick<ExecutionQueue, 'retryAfter'>;
}

export type WorkerHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * SQS → runs each execution. Records that must come back later (another worker holds the
 * execution, or an error) are reported as batch item failures, so the rest of the batch is deleted;
 * one whose execution is leased elsewhere comes back when that lease ends, not after the queue's
 * (long) visibility timeout.
 */
export function createWorkerHandler(deps: WorkerHandlerDeps): WorkerHandler {
  const runner = createExecutionRunner(deps);
  return async (event) => {
    const runnable: { record: SQSRecord; executionId: string }[] = [];
    const failed: string[] = [];
    for (const record of event.Records) {
      const executionId = executionIdOf(record);
      // Unreadable: retried, then the dead-letter queue keeps it.
      if (executionId === null) failed.push(record.messageId);
      else if (executionId !== undefined) runnable.push({ record, executionId });
    }
    let results: PromiseSettledResult<RunOutcome>[];
    try {
      results = await runner.runExecutions(runnable.map((r) => r.executionId));
    } catch (error) {
      // The batch's claim read failed: nothing ran, every message comes back.
      console.error('Claiming the batch failed; its messages will be retried', error);
      return { batchItemFailures: [...failed, ...runnable.map((r) => r.record.messageId)].map((itemIdentifier) => ({ itemIdentifier })) };
    }
    await Promise.all(
      runnable.map(async ({ record, executionId }, i) => {
        const result = results[i];
        try {
          if (!result) throw new Error(`No run result for execution ${executionId}`);
          if (result.status === 'rejected') throw result.reason;
          if (result.value.outcome === 'DONE') return;
          await deps.queue.retryAfter({ eventSourceArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, result.value.afterSeconds);
          failed.push(record.messageId);
        } catch (error) {
          console.error(`Execution message ${record.messageId} failed; it will be retried`, error);
          failed.push(record.messageId);
        }
      }),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = onFirstCall(() => createWorkerHandler(awsDependencies()));

/** The execution a message names; undefined for a message to drop, null for one that cannot be read. */
function executionIdOf(record: SQSRecord): string | undefined | null {
  try {
    const message = JSON.parse(record.body) as ExecutionMessage;
    if (typeof message.executionId === 'string') return message.executionId;
    console.error('Dropping a message without executionId', record.messageId);
    return undefined;
  } catch (error) {
    console.error(`Execution message ${record.messageId} is not JSON; it will be retried`, error);
    return null;
  }
}
