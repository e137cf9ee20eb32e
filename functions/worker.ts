import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runExecution } from '../lib/app/worker';
import type { ExecutionMessage } from '../lib/ports';
import { services } from '../lib/services';

/**
 * SQS → runs each execution. Records that must come back later (another worker holds the
 * execution, or an error) are reported as batch item failures, so the rest of the batch is deleted;
 * one whose execution is leased elsewhere comes back when that lease ends, not after the queue's
 * (long) visibility timeout.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const svc = await services();
  const outcomes = await Promise.all(
    event.Records.map(async (record) => {
      try {
        const message = JSON.parse(record.body) as ExecutionMessage;
        if (typeof message.executionId !== 'string') {
          console.error('Dropping a message without executionId', record.messageId);
          return undefined;
        }
        const result = await runExecution(svc, message.executionId);
        if (result.outcome === 'DONE') return undefined;
        await svc.queue.retryAfter({ eventSourceArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, result.afterSeconds);
        return record.messageId;
      } catch (error) {
        console.error(`Execution message ${record.messageId} failed; it will be retried`, error);
        return record.messageId;
      }
    }),
  );
  return { batchItemFailures: outcomes.filter((id): id is string => id !== undefined).map((itemIdentifier) => ({ itemIdentifier })) };
};
