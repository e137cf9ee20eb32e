import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type FailUnrunnableDeps, failUnrunnable } from '../lib/app/stuck-executions';
import type { ExecutionMessage, Telemetry } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export interface DeadLetterHandlerDeps extends FailUnrunnableDeps {
  telemetry: Telemetry;
}

export type DeadLetterHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * Consumes the dead-letter queues: a message there failed every delivery the queue allows, so its
 * execution can never run. Ends it FAILED with a log line saying so (and marks its ledger slot), so
 * that no execution stays CREATED or RUNNING forever and its backfill can end. A message whose
 * execution another worker holds right now is kept for later (a batch item failure); one that is not
 * ours (unreadable) is logged and dropped: nothing else could act on it. Metrics: `DeadLetters` (records
 * received) and `DeadLettersFailed` (executions this ended FAILED).
 */
export function createDeadLetterHandler(deps: DeadLetterHandlerDeps): DeadLetterHandler {
  const { telemetry } = deps;
  return async (event) => {
    const failures: string[] = [];
    let ended = 0;
    try {
      for (const record of event.Records) {
        let message: ExecutionMessage;
        try {
          message = JSON.parse(record.body) as ExecutionMessage;
          if (typeof message.executionId !== 'string') throw new Error('no executionId');
        } catch (error) {
          telemetry.error('Dead letter is not an execution message; dropped', { messageId: record.messageId, error });
          continue;
        }
        const ids = { executionId: message.executionId, backfillId: message.created?.origin.backfillId, messageId: record.messageId };
        try {
          const outcome = await failUnrunnable(
            deps,
            message,
            'Execution could not be run: every delivery its queue allows failed (its message was dead-lettered)',
          );
          telemetry.info('dead letter', { ...ids, outcome });
          if (outcome === 'FAILED') ended++;
          if (outcome === 'BUSY') failures.push(record.messageId);
        } catch (error) {
          telemetry.error('Dead letter could not be handled; it stays queued', { ...ids, error });
          failures.push(record.messageId);
        }
      }
    } finally {
      telemetry.metric('DeadLetters', 'Count', event.Records.length);
      telemetry.metric('DeadLettersFailed', 'Count', ended);
      telemetry.publish();
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = onFirstCall(() => createDeadLetterHandler(awsDependencies()));
