import { ChangeMessageVisibilityCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsOperationQueue } from '../../../lib/adapters/aws/sqs-operation-queue';

const URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/operations';
const messages = (count: number) => Array.from({ length: count }, (_, part) => ({ operationId: 'op1', part }));

/** An SQS client that answers each SendMessageBatch with `answer(entry ids)`. */
function fakeSqs(answer: (ids: string[], call: number) => { Failed?: { Id: string }[] } | Error) {
  const calls: unknown[] = [];
  return {
    calls,
    client: {
      send: async (command: unknown) => {
        calls.push(command);
        if (!(command instanceof SendMessageBatchCommand)) return {};
        const out = answer(
          (command.input.Entries ?? []).map((e) => e.Id ?? ''),
          calls.length,
        );
        if (out instanceof Error) throw out;
        return out;
      },
    },
  };
}

describe('SqsOperationQueue', () => {
  it('sends in batches of ten, each message its part as JSON', async () => {
    const sqs = fakeSqs(() => ({}));
    const queue = new SqsOperationQueue(sqs.client as never, URL, 0);

    expect(await queue.send(messages(23))).toEqual([]);

    const batches = sqs.calls as SendMessageBatchCommand[];
    expect(batches.map((c) => c.input.Entries?.length)).toEqual([10, 10, 3]);
    expect(batches[2]?.input.Entries?.[0]).toEqual({ Id: '0', MessageBody: JSON.stringify({ operationId: 'op1', part: 20 }) });
  });

  it('gives the entries of a batch distinct ids, whatever operations their parts belong to', async () => {
    const sqs = fakeSqs(() => ({}));
    const queue = new SqsOperationQueue(sqs.client as never, URL, 0);

    await queue.send([
      { operationId: 'op1', part: 0 },
      { operationId: 'op2', part: 0 },
    ]);

    expect((sqs.calls as SendMessageBatchCommand[])[0]?.input.Entries?.map((e) => e.Id)).toEqual(['0', '1']);
  });

  it('sends again the entries SQS refused, and returns those it kept refusing', async () => {
    const sqs = fakeSqs((ids, call) => ({ Failed: ids.filter((id) => id === '1' || (id === '2' && call === 1)).map((Id) => ({ Id })) }));
    const queue = new SqsOperationQueue(sqs.client as never, URL, 0);

    expect(await queue.send(messages(3))).toEqual([{ operationId: 'op1', part: 1 }]);
    expect(sqs.calls).toHaveLength(6);
  });

  it('returns the batch it could not send at all, without throwing', async () => {
    const sqs = fakeSqs(() => new Error('unreachable'));
    const queue = new SqsOperationQueue(sqs.client as never, URL, 0);

    expect(await queue.send(messages(2))).toEqual(messages(2));
  });

  it("makes a message come back after the delay asked for, through its queue's URL", async () => {
    const sqs = fakeSqs(() => ({}));
    const queue = new SqsOperationQueue(sqs.client as never, URL, 0);

    await queue.retryAfter({ eventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:operations', receiptHandle: 'r1' }, 7.6);

    const [command] = sqs.calls as ChangeMessageVisibilityCommand[];
    expect(command).toBeInstanceOf(ChangeMessageVisibilityCommand);
    expect(command?.input).toEqual({ QueueUrl: URL, ReceiptHandle: 'r1', VisibilityTimeout: 8 });
  });
});
