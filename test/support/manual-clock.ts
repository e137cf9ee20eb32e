import type { Clock } from '../../lib/ports';

/** The part of a Lambda context the tick handler reads. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * A clock that moves only when the test moves it, so a test about time runs instantly and the same
 * way on an idle laptop and on a loaded CI machine. Give it to the product as `clock`, and use
 * `sleep` / `lambdaContext` where code waits or asks how much time it has left.
 */
export class ManualClock implements Clock {
  private ms: number;

  constructor(start: Date | number | string) {
    this.ms = toMs(start);
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Lets `ms` pass; returns the new time. */
  advance(ms: number): Date {
    if (ms < 0) throw new Error(`a clock does not go back (advance by ${ms} ms)`);
    this.ms += ms;
    return this.now();
  }

  /** Moves to `at`, which must not be earlier than now: stored dates would otherwise lie. */
  set(at: Date | number | string): Date {
    const ms = toMs(at);
    if (ms < this.ms) throw new Error(`a clock does not go back (from ${this.now().toISOString()} to ${new Date(ms).toISOString()})`);
    this.ms = ms;
    return this.now();
  }

  /** A `sleep` that lets fake time pass instead of real time (the tick handler's `sleep`). */
  readonly sleep = async (ms: number): Promise<void> => {
    this.advance(ms);
  };

  /** A Lambda context for an invocation starting now with `timeoutMs` to run, its remaining time read from this clock. */
  lambdaContext(timeoutMs: number): RemainingTime {
    const deadline = this.ms + timeoutMs;
    return { getRemainingTimeInMillis: () => deadline - this.ms };
  }
}

function toMs(at: Date | number | string): number {
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${String(at)}`);
  return ms;
}
