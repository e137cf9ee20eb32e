import type { Clock } from '../../lib/ports';

/**
 * A clock that moves only when the test says so: every use case and handler reads time through
 * the Clock port, so a test decides what "now" is and never waits on the wall clock.
 */
export class ManualClock implements Clock {
  private ms: number;

  constructor(start: Date | string = '2026-03-01T12:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Moves time forward (or back, with a negative `ms`). */
  advance(ms: number): void {
    this.ms += ms;
  }

  /** Jumps to an instant. */
  set(at: Date | string): void {
    this.ms = new Date(at).getTime();
  }

  /**
   * A sleep that returns at once after moving this clock forward: what a loop that waits between
   * passes (the tick handler) gets in tests, so its timing logic runs without real waiting.
   */
  readonly sleep = async (ms: number): Promise<void> => {
    this.advance(ms);
  };
}
