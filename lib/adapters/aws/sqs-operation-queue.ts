import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Delivery, OperationMessage, OperationQueue } from '../../ports';
import { mapLimit } from '../../util/map-limit';
import { redeliverAfter } from './sqs-queue';

/**
 * The operations queue on SQS: SendMessageBatch in tens (SQS's limit), entries SQS refuses retried
 * with back-off. Unlike the execution queue it does not throw when some cannot be sent: it returns
 * them, so the operation records just those parts failed and the rest goes ahead.
 */
export class SqsOperationQueue implements OperationQueue {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
    private readonly backoffMs = 50,
  ) {}

  async send(messages: OperationMessage[]): Promise<OperationMessage[]> {
    const batches: OperationMessage[][] = [];
    for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
    const unsent = await mapLimit(batches, 4, (batch) => this.sendBatch(batch));
    return unsent.flat();
  }

  private async sendBatch(batch: OperationMessage[]): Promise<OperationMessage[]> {
    // Ids only need to be distinct within the batch (parts of two operations may share a number).
    let pending = batch.map((message, i) => ({ Id: String(i), MessageBody: JSON.stringify(message), message }));
    for (let attempt = 0; attempt <= 5 && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.backoffMs * 2 ** attempt));
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending.map(({ Id, MessageBody }) => ({ Id, MessageBody })) }),
        );
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        pending = pending.filter((entry) => failed.has(entry.Id));
      } catch {
        // The SDK already retried the call; try the whole batch again after the back-off.
      }
    }
    return pending.map((entry) => entry.message);
  }

  retryAfter(delivery: Delivery, seconds: number): Promise<void> {
    return redeliverAfter(this.client, delivery, seconds);
  }
}
