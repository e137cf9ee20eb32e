/**
 * Per-render state shared by the evaluator, filters and functions: the clock, the default zone and
 * the resource limits. One `Runtime` lives for one `render`/`renderValue` call.
 */
import { TemplateError, TemplateTimeLimitError } from './errors';
import type { JavaZone } from './java-date-pattern';

/** Largest list a template may build (ranges, `+` on lists, `split`). */
const MAX_COLLECTION_SIZE = 100_000;

/** How many evaluation steps run between two clock reads; `Date.now()` is cheap but not free. */
const STEPS_BETWEEN_CLOCK_CHECKS = 256;

/** Limits and environment of one render: deadline, output cap, clock, default zone. */
export class Runtime {
  private steps = 0;

  public constructor(
    public readonly deadline: number,
    public readonly timeoutMs: number,
    public readonly maxOutputLength: number,
    public readonly now: () => Date,
    public readonly defaultZone: JavaZone,
    private readonly elapsedMs: () => number = Date.now,
  ) {}

  /** Counts one evaluation step and checks the deadline every few hundred steps. */
  public tick(): void {
    this.steps++;
    if (this.steps % STEPS_BETWEEN_CLOCK_CHECKS === 0) this.checkTime();
  }

  /** Throws once the render has run longer than `timeoutMs`. */
  public checkTime(): void {
    if (this.elapsedMs() > this.deadline) {
      throw new TemplateTimeLimitError(this.timeoutMs);
    }
  }

  /** Rejects strings longer than the output limit, so no intermediate value can exhaust memory. */
  public checkString(value: string): string {
    this.checkLength(value.length);
    return value;
  }

  /** Same check for a string about to be built, before it is allocated. */
  public checkLength(length: number): void {
    if (length > this.maxOutputLength) {
      throw new TemplateError(`A string of ${length} characters exceeds the output limit of ${this.maxOutputLength} characters`);
    }
  }

  /** Rejects lists larger than `MAX_COLLECTION_SIZE`. */
  public checkSize(size: number, what: string): void {
    if (size > MAX_COLLECTION_SIZE) {
      throw new TemplateError(`${what} would have ${size} elements; the limit is ${MAX_COLLECTION_SIZE}`);
    }
  }
}
