import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mapLimit } from '../../util/map-limit';
import type { Delivery, ExecutionLane, ExecutionMessage, ExecutionQueue } from '../../ports';

/** SQS SendMessageBatch in tens (SQS's limit); entries SQS refuses are retried, then reported. One queue per lane. */
export class SqsExecutionQueue implements ExecutionQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrls: Record<ExecutionLane, string>,
  ) {}

  async send(messages: ExecutionMessage[], lane: ExecutionLane): Promise<void> {
    const queueUrl = this.queueUrls[lane];
    const batches: ExecutionMessage[][] = [];
    for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
    await mapLimit(batches, 8, async (batch) => {
      let pending = batch.map((m) => ({ Id: m.executionId, MessageBody: JSON.stringify(m) }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 5) throw new Error(`SQS refused ${pending.length} messages after retries`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        pending = pending.filter((entry) => failed.has(entry.Id));
      }
    });
  }

  retryAfter(delivery: Delivery, seconds: number): Promise<void> {
    return redeliverAfter(this.client, delivery, seconds);
  }
}

const SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** Makes a received message visible again in `seconds` (within SQS's 12 hours): when its retry comes. */
export async function redeliverAfter(client: Pick<SQSClient, 'send'>, delivery: Delivery, seconds: number): Promise<void> {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrlOf(delivery.eventSourceArn),
      ReceiptHandle: delivery.receiptHandle,
      VisibilityTimeout: Math.min(Math.max(0, Math.round(seconds)), SQS_MAX_VISIBILITY_SECONDS),
    }),
  );
}

/** arn:aws:sqs:eu-west-1:123456789012:name → https://sqs.eu-west-1.amazonaws.com/123456789012/name */
export function queueUrlOf(queueArn: string): string {
  const [, partition, , region, account, name] = queueArn.split(':');
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}
