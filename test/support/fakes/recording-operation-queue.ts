import type { Delivery, OperationMessage, OperationQueue } from '../../../lib/ports';

/** OperationQueue that keeps what was sent and every `retryAfter`, for tests to read; it can refuse messages as SQS may. */
export class RecordingOperationQueue implements OperationQueue {
  readonly sent: OperationMessage[] = [];
  readonly retries: { delivery: Delivery; seconds: number }[] = [];
  /** Parts whose message `send` reports unsent (SQS refused it after retries). */
  refuseParts = new Set<number>();
  /** When set, `send` rejects with it (SQS unreachable). */
  failSendWith: Error | undefined;

  async send(messages: OperationMessage[]): Promise<OperationMessage[]> {
    if (this.failSendWith) throw this.failSendWith;
    const unsent = messages.filter((m) => this.refuseParts.has(m.part));
    this.sent.push(...messages.filter((m) => !this.refuseParts.has(m.part)));
    return unsent;
  }

  async retryAfter(delivery: Delivery, seconds: number): Promise<void> {
    this.retries.push({ delivery, seconds });
  }
}
