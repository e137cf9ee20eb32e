import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type FailUnrunnableDeps, failUnrunnable } from '../lib/app/stuck-executions';
import type { ExecutionMessage } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export type DeadLetterHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * Consumes the dead-letter queues: a message there failed every delivery the queue allows, so its
 * execution can never run. Ends it FAILED with a log line saying so (and marks its ledger slot), so
 * that no execution stays CREATED or RUNNING forever and its backfill can end. A message whose
 * execution another worker holds right now is kept for later (a batch item failure); one that is not
 * ours (unreadable) is logged and dropped: nothing else could act on it.
 */
export function createDeadLetterHandler(deps: FailUnrunnableDeps): DeadLetterHandler {
  return async (event) => {
    const failures: string[] = [];
    for (const record of event.Records) {
      let message: ExecutionMessage;
      try {
        message = JSON.parse(record.body) as ExecutionMessage;
        if (typeof message.executionId !== 'string') throw new Error('no executionId');
      } catch (error) {
        console.error(`Dead letter ${record.messageId} is not an execution message; dropped`, error);
        continue;
      }
      try {
        const outcome = await failUnrunnable(
          deps,
          message,
          'Execution could not be run: every delivery its queue allows failed (its message was dead-lettered)',
        );
        console.log(JSON.stringify({ message: 'dead letter', executionId: message.executionId, outcome }));
        if (outcome === 'BUSY') failures.push(record.messageId);
      } catch (error) {
        console.error(`Dead letter ${record.messageId} (execution ${message.executionId}) could not be handled; it stays queued`, error);
        failures.push(record.messageId);
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = onFirstCall(() => createDeadLetterHandler(awsDependencies()));
