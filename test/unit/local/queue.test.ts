import { describe, expect, it } from 'vitest';
import { LocalExecutionQueue } from '../../../lib/adapters/local/local-execution-queue';

function recordingQueue(options: { failFirst?: Set<string> } = {}) {
  const order: string[] = [];
  const seen = new Map<string, number>();
  const queue = new LocalExecutionQueue({
    concurrency: 1,
    batchSize: 2,
    visibilityTimeoutMs: 20,
    maxReceiveCount: 3,
    handler: async (event) => {
      await new Promise((r) => setTimeout(r, 10));
      const failures: { itemIdentifier: string }[] = [];
      for (const record of event.Records) {
        const { executionId } = JSON.parse(record.body);
        const count = (seen.get(executionId) ?? 0) + 1;
        seen.set(executionId, count);
        if (options.failFirst?.has(executionId) && count === 1) failures.push({ itemIdentifier: record.messageId });
        else order.push(executionId);
      }
      return { batchItemFailures: failures };
    },
  });
  return { queue, order, seen };
}

describe('the local execution queue (SQS contract, two lanes)', () => {
  it('serves live messages before the backfill backlog', async () => {
    const { queue, order } = recordingQueue();
    await queue.send(['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((executionId) => ({ executionId })), 'backfill');
    await queue.send([{ executionId: 'live1' }], 'live');
    await queue.idle();
    // The first backfill batch was already taken; the live message goes next, before b3…b6.
    expect(order).toEqual(['b1', 'b2', 'live1', 'b3', 'b4', 'b5', 'b6']);
  });

  it('redelivers only the records reported as failed, in their lane', async () => {
    const { queue, order, seen } = recordingQueue({ failFirst: new Set(['b2']) });
    await queue.send(['b1', 'b2', 'b3'].map((executionId) => ({ executionId })), 'backfill');
    await queue.idle();
    expect(order.sort()).toEqual(['b1', 'b2', 'b3']);
    expect(seen.get('b1')).toBe(1);
    expect(seen.get('b2')).toBe(2);
  });

  it('moves a message to the dead-letter list after maxReceiveCount failures', async () => {
    const queue = new LocalExecutionQueue({
      concurrency: 1,
      batchSize: 1,
      visibilityTimeoutMs: 5,
      maxReceiveCount: 3,
      handler: async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }),
    });
    await queue.send([{ executionId: 'poison' }], 'live');
    await queue.idle();
    expect(queue.deadLetters.map((m) => [JSON.parse(m.body).executionId, m.receiveCount])).toEqual([['poison', 3]]);
  });
});

describe('retryAfter (ChangeMessageVisibility)', () => {
  it('brings a record back after the delay the handler asked for, not the visibility timeout', async () => {
    const deliveries: number[] = [];
    const queue: LocalExecutionQueue = new LocalExecutionQueue({
      concurrency: 1,
      batchSize: 1,
      visibilityTimeoutMs: 60_000,
      maxReceiveCount: 5,
      handler: async (event) => {
        deliveries.push(Date.now());
        const [record] = event.Records;
        if (!record) throw new Error('a delivery without records');
        if (deliveries.length > 1) return { batchItemFailures: [] };
        await queue.retryAfter({ eventSourceArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, 0.2);
        return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
      },
    });
    await queue.send([{ executionId: 'leased-elsewhere' }], 'backfill');
    await queue.idle();
    expect(deliveries).toHaveLength(2);
    const gap = deliveries[1]! - deliveries[0]!; // two, as just asserted
    expect(gap).toBeGreaterThanOrEqual(190);
    expect(gap).toBeLessThan(5000);
  });
});
