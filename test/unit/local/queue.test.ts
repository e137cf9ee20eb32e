import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InteractiveFirst } from '../../../lib/adapters/local/interactive-first';
import { LocalExecutionQueue } from '../../../lib/adapters/local/local-execution-queue';

// The queue's redelivery delays and the handlers' pauses run on fake timers: nothing waits for real time.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs every timer (and what each schedules) until the queue has nothing queued, delayed or running. */
async function drain(queue: LocalExecutionQueue): Promise<void> {
  const idle = queue.idle();
  await vi.runAllTimersAsync();
  await idle;
}

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
    await queue.send(
      ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((executionId) => ({ executionId })),
      'backfill',
    );
    await queue.send([{ executionId: 'live1' }], 'live');
    await drain(queue);
    // The first backfill batch was already taken; the live message goes next, before b3…b6.
    expect(order).toEqual(['b1', 'b2', 'live1', 'b3', 'b4', 'b5', 'b6']);
  });

  it('redelivers only the records reported as failed, in their lane', async () => {
    const { queue, order, seen } = recordingQueue({ failFirst: new Set(['b2']) });
    await queue.send(
      ['b1', 'b2', 'b3'].map((executionId) => ({ executionId })),
      'backfill',
    );
    await drain(queue);
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
    await drain(queue);
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
    await drain(queue);
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]! - deliveries[0]!).toBe(200); // two deliveries, as just asserted
  });
});

describe('API requests first (holdWhile, InteractiveFirst)', () => {
  function heldQueue() {
    const requests = new InteractiveFirst();
    const delivered: string[] = [];
    const queue = new LocalExecutionQueue({
      concurrency: 1,
      batchSize: 1,
      visibilityTimeoutMs: 20,
      maxReceiveCount: 3,
      holdWhile: () => requests.holding(),
      handler: async (event) => {
        delivered.push(...event.Records.map((r) => JSON.parse(r.body).executionId));
        return { batchItemFailures: [] };
      },
    });
    requests.onRelease(() => queue.resume());
    return { requests, queue, delivered };
  }

  it('starts no delivery while a request is served, and resumes when it is answered', async () => {
    const { requests, queue, delivered } = heldQueue();
    requests.started();
    await queue.send([{ executionId: 'e1' }], 'backfill');
    await vi.advanceTimersByTimeAsync(50);
    expect(delivered).toEqual([]);

    requests.finished();
    await drain(queue);
    expect(delivered).toEqual(['e1']);
  });

  it('holds at most 200 ms for a run of overlapping requests, so polling cannot stall a backfill', async () => {
    const { requests, queue, delivered } = heldQueue();
    requests.started();
    await queue.send([{ executionId: 'e1' }], 'backfill');
    await vi.advanceTimersByTimeAsync(199);
    expect(delivered).toEqual([]);
    requests.started(); // another request before the first one ends
    requests.finished();

    await vi.advanceTimersByTimeAsync(1);
    await queue.send([{ executionId: 'e2' }], 'backfill');
    await vi.advanceTimersByTimeAsync(1);
    expect(delivered).toEqual(['e1', 'e2']);
    requests.finished();
  });

  it('holds again for the next request once none was in flight', async () => {
    const { requests, queue, delivered } = heldQueue();
    requests.started();
    await vi.advanceTimersByTimeAsync(300);
    requests.finished();
    requests.started();
    await queue.send([{ executionId: 'e1' }], 'backfill');
    await vi.advanceTimersByTimeAsync(100);
    expect(delivered).toEqual([]);
    requests.finished();
    await drain(queue);
    expect(delivered).toEqual(['e1']);
  });

  it('hands a dead letter to its consumer, as the dead-letter queue consumer on AWS; one it reports failed stays listed', async () => {
    const consumed: string[] = [];
    const queue = new LocalExecutionQueue({
      concurrency: 1,
      batchSize: 1,
      visibilityTimeoutMs: 5,
      maxReceiveCount: 2,
      handler: async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }),
      deadLetterHandler: async (event) => {
        const failed = event.Records.filter((r) => JSON.parse(r.body).executionId === 'kept');
        consumed.push(...event.Records.map((r) => `${JSON.parse(r.body).executionId}@${r.attributes.ApproximateReceiveCount}`));
        return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await queue.send([{ executionId: 'poison' }, { executionId: 'kept' }], 'live');
    await drain(queue);
    expect(consumed.sort()).toEqual(['kept@2', 'poison@2']);
    expect(queue.deadLetters.map((m) => JSON.parse(m.body).executionId)).toEqual(['kept']);
  });

  const OVERRUN_MS = 5 * 1000;
  it("tells the handler the time its invocation has left, and fails the batch of one that runs past it, as Lambda's timeout does", async () => {
    const told: number[] = [];
    let calls = 0;
    const queue = new LocalExecutionQueue({
      concurrency: 1,
      batchSize: 1,
      visibilityTimeoutMs: 5,
      maxReceiveCount: 3,
      invocationTimeoutMs: 1000,
      handler: async (_event, context) => {
        told.push(context?.getRemainingTimeInMillis() ?? -1);
        // The first invocation overruns its time (on the fake timers: nothing waits); the second answers at once.
        if (++calls === 1) await new Promise((r) => setTimeout(r, OVERRUN_MS));
        return { batchItemFailures: [] };
      },
    });
    await queue.send([{ executionId: 'slow' }], 'backfill');
    await drain(queue);
    expect(calls).toBe(2);
    expect(told).toEqual([1000, 1000]);
    expect(queue.deadLetters).toEqual([]);
  });
});
