import type { Clock, LogEntry, LogLevel, LogLine, LogStore } from '../ports';

/** Lines of one attempt are numbered from `attempt × 1,000,000`, so a re-run never overwrites or interleaves an earlier attempt's lines. */
const SEQ_PER_ATTEMPT = 1_000_000;
const FLUSH_EVERY = 25;

export type LogFields = Omit<LogEntry, 'timestamp' | 'level' | 'message'>;

/** Buffers an execution's log lines and writes them in batches (one BatchWriteItem per 25 lines). */
export class LogWriter {
  private buffer: LogLine[] = [];
  private next: number;
  private flushedAny = false;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<LogStore, 'append'>,
    private readonly base: LogFields,
    attempt: number,
    private readonly clock: Clock,
    /** `holdAll`: nothing is written before `flush` (an execution run before it is claimed must not write). */
    private readonly options: { holdAll: boolean } = { holdAll: false },
  ) {
    this.next = attempt * SEQ_PER_ATTEMPT;
  }

  /** Whether no line was logged at all. */
  isEmpty(): boolean {
    return !this.flushedAny && this.buffer.length === 0;
  }

  log(level: LogLevel, message: string, fields: Partial<LogFields> = {}): void {
    if (this.next % SEQ_PER_ATTEMPT === SEQ_PER_ATTEMPT - 1) return; // a runaway task stops being logged, not the worker
    this.buffer.push({ seq: this.next++, entry: { ...this.base, ...fields, timestamp: this.clock.now().toISOString(), level, message } });
    if (this.buffer.length >= FLUSH_EVERY && !this.options.holdAll) void this.flushSoon();
  }

  private flushSoon(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length) this.flushedAny = true;
    this.pending = this.pending.then(() => this.store.append(batch));
    // A failed write is reported by flush(); until then it must not count as an unhandled rejection.
    this.pending.catch(() => undefined);
    return this.pending;
  }

  /**
   * The whole log, when nothing was written yet and its lines take at most `maxBytes` as JSON: the
   * caller stores them with the execution (StoredExecution.logs) instead of writing them here.
   * Otherwise undefined, and the lines stay for `flush`.
   */
  takeSmallLog(maxBytes: number): LogLine[] | undefined {
    if (this.flushedAny || this.buffer.length === 0 || new TextEncoder().encode(JSON.stringify(this.buffer)).length > maxBytes) return undefined;
    const lines = this.buffer;
    this.buffer = [];
    return lines;
  }

  /** Writes everything buffered; rejects if any write failed. */
  async flush(): Promise<void> {
    await this.flushSoon();
  }
}
