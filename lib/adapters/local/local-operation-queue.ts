import type { OperationMessage, OperationQueue } from '../../ports';
import { type LocalQueueOptions, LocalSqsQueue } from './local-sqs-queue';

/**
 * The local default's queue of operation parts: SQS's contract (LocalSqsQueue), as the operations
 * queue on AWS. Parts not recorded yet are sent again at start (see `resendUnrecordedParts`).
 */
export class LocalOperationQueue extends LocalSqsQueue<OperationMessage, 'operations'> implements OperationQueue {
  constructor(options: LocalQueueOptions) {
    super(options, { queueArn: 'arn:aws:sqs:local:000000000000:operations', lanes: ['operations'] });
  }

  /** Every message is taken: an in-process queue cannot refuse one. */
  async send(messages: OperationMessage[]): Promise<OperationMessage[]> {
    this.enqueue(messages, 'operations');
    return [];
  }
}
