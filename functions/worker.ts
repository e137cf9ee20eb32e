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
    const runnable: { record: SQSRecord; message: ExecutionMessage }[] = [];
    const failed: string[] = [];
    for (const record of event.Records) {
      const message = messageOf(record);
      // Unreadable: retried, then the dead-letter queue keeps it.
      if (message === null) failed.push(record.messageId);
      else if (message !== undefined) runnable.push({ record, message });
    }
    let results: PromiseSettledResult<RunOutcome>[];
    try {
      results = await runner.runExecutions(runnable.map((r) => r.message));
    } catch (error) {
      // The batch's claim read failed: nothing ran, every message comes back.
      console.error('Claiming the batch failed; its messages will be retried', error);
      return { batchItemFailures: [...failed, ...runnable.map((r) => r.record.messageId)].map((itemIdentifier) => ({ itemIdentifier })) };
    }
    await Promise.all(
      runnable.map(async ({ record, message }, i) => {
        const result = results[i];
        try {
          if (!result) throw new Error(`No run result for execution ${message.executionId}`);
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

/** The message a record carries; undefined for a message to drop, null for one that cannot be read. */
function messageOf(record: SQSRecord): ExecutionMessage | undefined | null {
  try {
    const message = JSON.parse(record.body) as ExecutionMessage;
    if (typeof message.executionId !== 'string') {
      console.error('Dropping a message without executionId', record.messageId);
      return undefined;
    }
    // Only this service sends these; a document that does not name the message's execution is not one of ours.
    if (message.created !== undefined && message.created?.execution?.id !== message.executionId) {
      console.error('Dropping a message whose document is not its execution', record.messageId);
      return undefined;
    }
    return message;
  } catch (error) {
    console.error(`Execution message ${record.messageId} is not JSON; it will be retried`, error);
    return null;
  }
}
