import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type GiveUpPartDeps, type RunOperationDeps, giveUpOperationPart, runOperationPart } from '../lib/app/operations';
import type { Settings } from '../lib/config';
import type { OperationMessage, OperationQueue, Telemetry } from '../lib/ports';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export type OperationsHandlerDeps = RunOperationDeps & {
  operationQueue: Pick<OperationQueue, 'retryAfter'>;
  telemetry: Telemetry;
};

export type OperationsHandler = (event: SQSEvent, context?: { getRemainingTimeInMillis(): number }) => Promise<SQSBatchResponse>;

/** First delay before a part whose run failed (an outage, not a refused trigger) comes back; it doubles with each delivery. */
const RETRY_BASE_SECONDS = 2;
const MAX_RETRY_SECONDS = 60;
/** A part takes about a second (25 triggers, a few writes each): the parts left of a batch come back rather than start this close to the timeout. */
const MIN_REMAINING_MS = 20_000;

/**
 * The operations queue → applies each part of a bulk operation to its triggers (`runOperationPart`).
 * A part that fails on an outage comes back after a delay doubling per delivery (2 s, 4 s, …); after
 * the queue's five deliveries it is dead-lettered, and the dead-letter handler below records it
 * failed. A message that is not an operation part, or names an operation that no longer exists
 * (expired), is logged and dropped. Metrics: `OperationParts` by outcome, `OperationPartRetries`.
 */
export function createOperationsHandler(deps: OperationsHandlerDeps): OperationsHandler {
  const { telemetry } = deps;
  return async (event, context) => {
    const failures: string[] = [];
    const outcomes = new Map<string, number>();
    try {
      for (const record of event.Records) {
        const message = messageOf(record, telemetry);
        if (!message) continue;
        if (context && context.getRemainingTimeInMillis() < MIN_REMAINING_MS) {
          await retryLater(record, 1);
          continue;
        }
        try {
          const outcome = await runOperationPart(deps, message);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          if (outcome === 'UNKNOWN')
            telemetry.warn('Operation part names no stored operation (expired?); dropped', { ...message, messageId: record.messageId });
        } catch (error) {
          telemetry.error('Operation part failed; it will be retried', { ...message, messageId: record.messageId, error });
          const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1;
          await retryLater(record, Math.min(MAX_RETRY_SECONDS, RETRY_BASE_SECONDS * 2 ** (receives - 1)));
        }
      }
    } finally {
      for (const [outcome, n] of outcomes) telemetry.metric('OperationParts', 'Count', n, { outcome });
      telemetry.metric('OperationPartRetries', 'Count', failures.length);
      telemetry.publish();
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };

    async function retryLater(record: SQSRecord, seconds: number): Promise<void> {
      await deps.operationQueue.retryAfter({ eventSourceArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, seconds).catch((error: unknown) => {
        telemetry.error('Could not delay the retry of an operation part; it comes back after the visibility timeout', { messageId: record.messageId, error });
      });
      failures.push(record.messageId);
    }
  };
}

export type OperationDeadLetterHandlerDeps = GiveUpPartDeps & { telemetry: Telemetry };

/**
 * The operations dead-letter queue → records each part there failed, every trigger of it with the
 * reason, so its operation ends (`giveUpOperationPart`). Some of its triggers may have changed
 * before its deliveries failed: the reason says so. A record that cannot be recorded now stays.
 */
export function createOperationDeadLetterHandler(deps: OperationDeadLetterHandlerDeps): OperationsHandler {
  const { telemetry } = deps;
  return async (event) => {
    const failures: string[] = [];
    try {
      for (const record of event.Records) {
        const message = messageOf(record, telemetry);
        if (!message) continue;
        try {
          const outcome = await giveUpOperationPart(
            deps,
            message,
            'not applied: every delivery of its part failed (dead-lettered); it may have changed before the last failure',
          );
          telemetry.info('operation part dead-lettered', { ...message, messageId: record.messageId, outcome });
        } catch (error) {
          telemetry.error('Dead-lettered operation part could not be recorded; it stays queued', { ...message, messageId: record.messageId, error });
          failures.push(record.messageId);
        }
      }
    } finally {
      telemetry.metric('OperationPartsDeadLettered', 'Count', event.Records.length);
      telemetry.publish();
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/**
 * On AWS one function consumes both the operations queue and its dead-letter queue (an event
 * carries records of one queue only): the records' event source tells which handler takes them.
 */
export function createOperationsEntry(deps: OperationsHandlerDeps & { settings: Pick<Settings, 'operationDeadLetterQueueArn'> }): OperationsHandler {
  const parts = createOperationsHandler(deps);
  const deadLetters = createOperationDeadLetterHandler(deps);
  return (event, context) => {
    const fromDeadLetters = event.Records.length > 0 && event.Records[0]?.eventSourceARN === deps.settings.operationDeadLetterQueueArn;
    return fromDeadLetters ? deadLetters(event) : parts(event, context);
  };
}

/** The part a record names; undefined (logged) for one that is not ours: nothing could ever apply it. */
function messageOf(record: SQSRecord, telemetry: Telemetry): OperationMessage | undefined {
  try {
    const message = JSON.parse(record.body) as Partial<OperationMessage>;
    if (typeof message.operationId === 'string' && Number.isInteger(message.part)) return { operationId: message.operationId, part: message.part as number };
  } catch {
    // Not JSON: dropped below.
  }
  telemetry.error('Dropping a message that is not an operation part', { messageId: record.messageId });
  return undefined;
}

export const handler = onFirstCall(() => createOperationsEntry(awsDependencies()));
