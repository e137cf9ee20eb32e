import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_MAX_RECEIVE_COUNT } from '../../lib/config';
import type { WorkerSettings } from '../config';
import { DEAD_LETTER_TIMEOUT } from './backfill-functions';

export interface ExecutionQueueProps {
  /** The worker's timeout: the queue's visibility timeout is derived from it. */
  workerTimeout: Duration;
  /** Receives of one message before it moves to the dead-letter queue. */
  maxReceiveCount?: number;
}

/** AWS guidance: visibility timeout at least 6× the consuming function's timeout; SQS caps it at 12 h. */
function visibilityTimeoutFor(workerTimeout: Duration): Duration {
  return Duration.seconds(Math.min(6 * workerTimeout.toSeconds(), 12 * 60 * 60));
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
      // The dead-letter consumer reads it through an event source: CloudFormation refuses a visibility
      // timeout shorter than the consumer's timeout (the default 30 s is).
      visibilityTimeout: visibilityTimeoutFor(DEAD_LETTER_TIMEOUT),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
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
