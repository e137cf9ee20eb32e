import type { Delivery, ExecutionLane, ExecutionMessage, ExecutionQueue } from '../../../lib/ports';

/** ExecutionQueue that keeps what was sent, per lane, and every `retryAfter`, for tests to read. */
export class RecordingExecutionQueue implements ExecutionQueue {
  readonly sent: Record<ExecutionLane, ExecutionMessage[]> = { live: [], backfill: [] };
  readonly retries: { delivery: Delivery; seconds: number }[] = [];
  /** When set, `retryAfter` rejects with it (the SQS call failing). */
  failRetryAfterWith: Error | undefined;

  async send(messages: ExecutionMessage[], lane: ExecutionLane): Promise<void> {
    this.sent[lane].push(...messages);
  }

  async retryAfter(delivery: Delivery, seconds: number): Promise<void> {
    if (this.failRetryAfterWith) throw this.failRetryAfterWith;
    this.retries.push({ delivery, seconds });
  }

  /** The execution ids sent on `lane`, in order (repeats included). */
  sentIds(lane: ExecutionLane): string[] {
    return this.sent[lane].map((m) => m.executionId);
  }
}
