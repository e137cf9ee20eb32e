import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OPERATIONS_BATCH_SIZE, OPERATIONS_CONCURRENCY, QUEUE_MAX_RECEIVE_COUNT, visibilityTimeoutSecondsFor } from '../../lib/config';

export interface OperationQueueProps {
  /** The operations function's timeout: both queues' visibility timeouts are derived from it. */
  consumerTimeout: Duration;
}

/**
 * Kestra 2.x's asynchronous bulk actions: one message per part of an operation (25 triggers), with
 * its dead-letter queue; the operations function (functions/operations.ts) consumes both, applying
 * parts from the first and recording those of the second failed, so every operation ends. Both are
 * encrypted by SQS and refuse non-TLS requests, as the execution queues.
 */
export class OperationQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: OperationQueueProps) {
    super(scope, id);
    const visibilityTimeout = Duration.seconds(visibilityTimeoutSecondsFor(props.consumerTimeout.toSeconds()));
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout,
      // As the execution queues: far longer than a part waits, and shorter than its operation is kept (a week).
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: QUEUE_MAX_RECEIVE_COUNT },
    });
  }

  /**
   * The operations function on both queues, reporting the records to retry (ReportBatchItemFailures).
   * Two invocations at once at most: a bulk action must not crowd the API out of DynamoDB.
   */
  addConsumer(consumer: IFunction): void {
    consumer.addEventSource(
      new SqsEventSource(this.queue, { reportBatchItemFailures: true, batchSize: OPERATIONS_BATCH_SIZE, maxConcurrency: OPERATIONS_CONCURRENCY }),
    );
    consumer.addEventSource(
      new SqsEventSource(this.deadLetterQueue, { reportBatchItemFailures: true, batchSize: 10, maxConcurrency: 2, maxBatchingWindow: Duration.seconds(5) }),
    );
  }
}
