import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_MAX_RECEIVE_COUNT, visibilityTimeoutSecondsFor } from '../../lib/config';
import type { WorkerSettings } from '../config';

export interface ExecutionQueueProps {
  /** The worker's timeout: the queue's visibility timeout is derived from it. */
  workerTimeout: Duration;
  /** Receives of one message before it moves to the dead-letter queue. */
  maxReceiveCount?: number;
  /** The dead-letter queue's consumer's timeout: that queue's visibility timeout is derived from it. */
  deadLetterConsumerTimeout: Duration;
}

/** AWS guidance, shared with the local default's queue (visibilityTimeoutSecondsFor). */
function visibilityTimeoutFor(workerTimeout: Duration): Duration {
  return Duration.seconds(visibilityTimeoutSecondsFor(workerTimeout.toSeconds()));
}

/**
 * The queue of executions to run (one message per execution) with its dead-letter queue for poison
 * messages. Both are encrypted by SQS and refuse non-TLS requests.
 */
export class ExecutionQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ExecutionQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Consumed by the dead-letter function (functions/dead-letter.ts): the same guidance as for the worker.
      visibilityTimeout: visibilityTimeoutFor(props.deadLetterConsumerTimeout),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: visibilityTimeoutFor(props.workerTimeout),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? QUEUE_MAX_RECEIVE_COUNT },
    });
  }

  /** The worker consumes the queue and reports the records to retry (ReportBatchItemFailures). */
  addWorker(worker: IFunction, settings: WorkerSettings): void {
    worker.addEventSource(
      new SqsEventSource(this.queue, {
        reportBatchItemFailures: true,
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.batchingWindowSeconds > 0 ? Duration.seconds(settings.batchingWindowSeconds) : undefined,
        maxConcurrency: settings.maxConcurrency,
      }),
    );
  }
}
