import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Delivery } from '../../ports';

/** An SQS-fed Lambda handler, given (like Lambda's context) the time its invocation has left. */
export type SqsHandler = (event: SQSEvent, context?: { getRemainingTimeInMillis(): number }) => Promise<SQSBatchResponse>;

export interface LocalQueueOptions {
  /** The SQS-fed Lambda handler (functions/worker.ts, functions/operations.ts), invoked with SQS-shaped events. */
  handler: SqsHandler;
  /** Concurrent handler invocations, like the event source's maximum concurrency. */
  concurrency: number;
  /** Records per invocation, like the event source's batch size. */
  batchSize: number;
  /** Delay before a failed record is delivered again. */
  visibilityTimeoutMs: number;
  /** Deliveries before a record goes to the dead-letter list, like the redrive policy. */
  maxReceiveCount: number;
  /**
   * The time one invocation may run, like the Lambda's timeout: the handler is told what is left
   * (its context), and an invocation that runs past it counts as failed, its whole batch delivered
   * again, as when Lambda stops a function at its timeout. Unbounded when omitted.
   */
  invocationTimeoutMs?: number;
  /** The setting `invocationTimeoutMs` comes from, named when an invocation runs past it. */
  invocationTimeoutSetting?: string;
  /**
   * While it answers true, no new delivery starts (those under way go on): the local default holds
   * the queue while API requests are being served. On AWS the API and the worker are separate
   * Lambdas; here they share one event loop, and a backfill of instant tasks would otherwise keep it
   * busy enough to make every request wait behind it. Call `resume()` when it turns false.
   */
  holdWhile?: () => boolean;
  /**
   * Consumes dead letters, as the dead-letter queues' consumer does on AWS (functions/dead-letter.ts,
   * functions/operations.ts): called with each dead-lettered message as an SQS event; the ones it
   * reports failed stay in the list.
   */
  deadLetterHandler?: SqsHandler;
}

/** Which queue this is: the ARN its records carry, and its lanes, in the order they are served. */
export interface LocalQueueIdentity<L extends string> {
  queueArn: string;
  lanes: readonly L[];
}

interface Message<L extends string> {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  lane: L;
}

/** A FIFO of messages with an amortised O(1) take from the front. */
class Lane<L extends string> {
  private items: Message<L>[] = [];
  private head = 0;

  push(message: Message<L>): void {
    this.items.push(message);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  take(max: number): Message<L>[] {
    const taken = this.items.slice(this.head, this.head + max);
    this.head += taken.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return taken;
  }
}

/**
 * SQS's delivery contract in-process (batches, partial batch failures, redelivery after a
 * visibility timeout, a dead-letter list) for the local default's queues of `M` messages. Its lanes
 * are served in order, as the separate AWS queues they stand for each get their own consumers. It
 * holds nothing durable on purpose: what its messages name lives in DynamoDB and is queued again
 * at start.
 */
export class LocalSqsQueue<M, L extends string> {
  private readonly lanes: Map<L, Lane<L>>;
  private running = 0;
  private delayed = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  readonly deadLetters: Message<L>[] = [];
  /** Redelivery delays asked for by the handler (ChangeMessageVisibility), by receipt handle. */
  private readonly retryDelays = new Map<string, number>();
  /** Handler invocations so far (for benchmarks). */
  invocations = 0;

  constructor(
    private readonly options: LocalQueueOptions,
    private readonly identity: LocalQueueIdentity<L>,
  ) {
    this.lanes = new Map(identity.lanes.map((lane) => [lane, new Lane<L>()]));
  }

  /** Queues the messages on `lane`, as SendMessageBatch does. */
  protected enqueue(messages: readonly M[], lane: L): void {
    const now = Date.now();
    const queue = this.laneOf(lane);
    for (const m of messages) queue.push({ id: randomUUID(), body: JSON.stringify(m), sentAt: now, receiveCount: 0, lane });
    this.pump();
  }

  async retryAfter(delivery: Delivery, seconds: number): Promise<void> {
    this.retryDelays.set(delivery.receiptHandle, seconds * 1000);
  }

  /** Resolves once nothing is queued, delayed or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Handler invocations at once; each runs up to `batchSize` messages. */
  get concurrency(): number {
    return this.options.concurrency;
  }

  get batchSize(): number {
    return this.options.batchSize;
  }

  get depth(): number {
    return this.queued + this.delayed.size;
  }

  /** Stops delivering and waits for the invocations in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private laneOf(lane: L): Lane<L> {
    const queue = this.lanes.get(lane);
    if (!queue) throw new Error(`Queue ${this.identity.queueArn} has no lane ${lane}`);
    return queue;
  }

  private get queued(): number {
    let size = 0;
    for (const lane of this.lanes.values()) size += lane.size;
    return size;
  }

  private isIdle(): boolean {
    return this.running === 0 && this.queued === 0 && this.delayed.size === 0;
  }

  /** From the first lane that has messages: a batch never mixes lanes, like a batch of one SQS queue. */
  private take(): Message<L>[] {
    for (const lane of this.lanes.values()) if (lane.size > 0) return lane.take(this.options.batchSize);
    return [];
  }

  /** Starts the deliveries `holdWhile` held back. */
  resume(): void {
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.queued > 0 && !this.options.holdWhile?.()) {
      const batch = this.take();
      this.running++;
      this.invocations++;
      void this.deliver(batch).finally(() => {
        this.running--;
        this.pump();
        if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async deliver(batch: Message<L>[]): Promise<void> {
    for (const m of batch) m.receiveCount++;
    let failed: Set<string>;
    const limitMs = this.options.invocationTimeoutMs;
    const deadline = Date.now() + (limitMs ?? 0);
    const context = limitMs === undefined ? undefined : { getRemainingTimeInMillis: () => deadline - Date.now() };
    let timer: NodeJS.Timeout | undefined;
    try {
      const invocation = this.options.handler({ Records: batch.map((m) => this.toRecord(m)) }, context);
      const timedOut = new Promise<never>((_, reject) => {
        if (limitMs !== undefined) timer = setTimeout(() => reject(new InvocationTimeout(limitMs, this.options.invocationTimeoutSetting)), limitMs);
      });
      const response = await Promise.race([invocation, timedOut]);
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown handler, or one past its time, fails the whole batch, as with Lambda. (Lambda would
      // also stop the code; here it runs on, and whatever it still writes is conditional.)
      console.error(`The consumer of ${this.identity.queueArn} failed; the batch will be delivered again`, error);
      failed = new Set(batch.map((m) => m.id));
    } finally {
      clearTimeout(timer);
    }
    for (const m of batch) if (failed.has(m.id)) this.retryLater(m);
  }

  /** Hands a dead letter to its consumer; it stays listed unless consumed, and the queue is not idle meanwhile. */
  private deadLetter(message: Message<L>): void {
    const handler = this.options.deadLetterHandler;
    if (!handler || this.stopped) {
      this.deadLetters.push(message);
      return;
    }
    this.running++;
    void handler({ Records: [this.toRecord(message)] })
      .then(
        (response) => {
          if (response?.batchItemFailures?.length) this.deadLetters.push(message);
        },
        (error) => {
          console.error(`Dead letter ${message.id} could not be consumed; it stays in the list`, error);
          this.deadLetters.push(message);
        },
      )
      .finally(() => {
        this.running--;
        this.pump();
        if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }

  private retryLater(message: Message<L>): void {
    // Taken first, so a message that goes to the dead-letter list (or a stopped queue) leaves no entry behind.
    const delay = this.retryDelays.get(message.id) ?? this.options.visibilityTimeoutMs;
    this.retryDelays.delete(message.id);
    if (message.receiveCount >= this.options.maxReceiveCount) {
      console.error(`Message ${message.id} failed ${message.receiveCount} times; moved to the dead-letter list: ${message.body}`);
      this.deadLetter(message);
      return;
    }
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.laneOf(message.lane).push(message);
      this.pump();
    }, delay);
    this.delayed.add(timer);
  }

  private toRecord(m: Message<L>): SQSRecord {
    return {
      messageId: m.id,
      receiptHandle: m.id,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.identity.queueArn,
      awsRegion: 'local',
    };
  }
}

class InvocationTimeout extends Error {
  constructor(ms: number, setting?: string) {
    super(`the invocation ran past its time limit of ${ms} ms${setting ? ` (${setting})` : ''}`);
    this.name = 'InvocationTimeout';
  }
}
