import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type RunOutcome, type WorkerDeps, createExecutionRunner } from '../lib/app/worker';
import type { ExecutionMessage, ExecutionQueue } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export interface WorkerHandlerDeps extends WorkerDeps {
  queue: Pick<ExecutionQueue, 'retryAfter'>;
}

/** The part of Lambda's context the worker reads (the local queue passes its own). */
export interface WorkerContext {
  getRemainingTimeInMillis(): number;
}

export type WorkerHandler = (event: SQSEvent, context?: WorkerContext) => Promise<SQSBatchResponse>;

/**
 * SQS → runs each execution. Records that must come back later (another worker holds the
 * execution, or an error) are reported as batch item failures, so the rest of the batch is deleted;
 * one whose execution is leased elsewhere comes back when that lease ends, not after the queue's
 * (long) visibility timeout.
 */
export function createWorkerHandler(deps: WorkerHandlerDeps): WorkerHandler {
  const runner = createExecutionRunner(deps);
  return async (event, context) => {
    // Without a context (a direct call), the invocation gets the whole WORKER_TIMEOUT_SECONDS from now.
    const deadline = Date.now() + deps.settings.worker.timeoutSeconds * 1000;
    const limits = { remainingMs: () => context?.getRemainingTimeInMillis() ?? deadline - Date.now() };
    // A run that failed (an error, not a failed task) comes back after a delay that doubles with each
    // delivery, instead of after the queue's visibility timeout (90 minutes on AWS).
    const retryLater = async (record: SQSRecord) => {
      const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1;
      const seconds = Math.min(MAX_RETRY_DELAY_SECONDS, (deps.settings.worker.retryBaseMs / 1000) * 2 ** (receives - 1));
      await deps.queue.retryAfter({ eventSourceArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, seconds).catch((error: unknown) => {
        console.error(`Could not delay the retry of message ${record.messageId}; it comes back after the visibility timeout`, error);
      });
      failed.push(record.messageId);
    };
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
      results = await runner.runExecutions(
        runnable.map((r) => r.message),
        limits,
      );
    } catch (error) {
      // The batch's claim read failed: nothing ran, every message comes back.
      console.error('Claiming the batch failed; its messages will be retried', error);
      for (const { record } of runnable) await retryLater(record);
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
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
          await retryLater(record);
        }
      }),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** The longest delay a retry waits (SQS allows up to 12 hours; past a few deliveries the dead-letter consumer takes over anyway). */
const MAX_RETRY_DELAY_SECONDS = 15 * 60;

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
