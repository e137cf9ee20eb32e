import type { BackfillEvent } from '../../../lib/domain/backfill-events';
import type { BackfillEvents, WebhookSender } from '../../../lib/ports';

/** BackfillEvents that keeps what it was given; `failNext` makes the next publishes throw, as EventBridge refusing them. */
export class RecordingBackfillEvents implements BackfillEvents {
  readonly published: BackfillEvent[] = [];
  private failures = 0;

  failNext(times = 1): void {
    this.failures += times;
  }

  async publish(event: BackfillEvent): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('simulated EventBridge outage');
    }
    this.published.push(structuredClone(event));
  }
}

/** A WebhookSender that records each POST it was asked for; `failNext` makes the next ones fail, as a receiver answering 503. */
export class RecordingWebhookSender implements WebhookSender {
  /** Every attempt, failed ones included. */
  readonly attempts: { url: string; event: BackfillEvent }[] = [];
  /** The attempts that were delivered. */
  readonly delivered: { url: string; event: BackfillEvent }[] = [];
  private failures = 0;

  failNext(times = 1): void {
    this.failures += times;
  }

  async post(url: string, event: BackfillEvent): Promise<void> {
    this.attempts.push({ url, event: structuredClone(event) });
    if (this.failures > 0) {
      this.failures--;
      throw new Error('answered 503');
    }
    this.delivered.push({ url, event: structuredClone(event) });
  }
}
