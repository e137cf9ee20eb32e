import type { ExecutionLane, ExecutionMessage, ExecutionQueue } from '../../ports';
import { type LocalQueueOptions, LocalSqsQueue } from './local-sqs-queue';

/**
 * The execution queues of the local default: SQS's contract (LocalSqsQueue), with the live lane
 * served before the backfill lane, as the two queues on AWS each get their own consumers.
 * Unfinished executions live in DynamoDB and are queued again at start.
 */
export class LocalExecutionQueue extends LocalSqsQueue<ExecutionMessage, ExecutionLane> implements ExecutionQueue {
  constructor(options: LocalQueueOptions) {
    super(
      { invocationTimeoutSetting: 'WORKER_TIMEOUT_SECONDS', ...options },
      { queueArn: 'arn:aws:sqs:local:000000000000:executions', lanes: ['live', 'backfill'] },
    );
  }

  async send(messages: ExecutionMessage[], lane: ExecutionLane): Promise<void> {
    this.enqueue(messages, lane);
  }
}
