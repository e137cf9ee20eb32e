import type { RequestActivity } from './http-server';

/**
 * API requests before executions: while a request is being served, the queue starts no new
 * delivery, so the request does not wait behind a backfill of instant tasks on the shared event
 * loop (on AWS they run in separate Lambdas). A hold lasts at most HOLD_LIMIT_MS, then deliveries
 * start again even if requests keep coming, so a client polling without pause cannot stall a backfill.
 */
export class InteractiveFirst implements RequestActivity {
  private static readonly HOLD_LIMIT_MS = 200;
  private inFlight = 0;
  /** When the current run of overlapping requests began holding the queue; reset once none is in flight. */
  private holdingSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private release: () => void = () => undefined;

  onRelease(release: () => void): void {
    this.release = release;
  }

  holding(): boolean {
    if (this.inFlight === 0) return false;
    const now = Date.now();
    this.holdingSince ??= now;
    const left = InteractiveFirst.HOLD_LIMIT_MS - (now - this.holdingSince);
    if (left <= 0) return false; // held long enough for this run of requests
    // At the limit deliveries start again, even while requests are still being served.
    this.timer ??= setTimeout(() => this.release(), left).unref();
    return true;
  }

  started(): void {
    this.inFlight++;
  }

  finished(): void {
    this.inFlight--;
    if (this.inFlight > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.holdingSince = undefined;
    this.release();
  }
}
