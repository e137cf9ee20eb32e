import { MAX_BYTES_PER_ATTEMPT, MAX_LINES_PER_ATTEMPT, cutMessage, droppedLinesMessage, utf8Bytes } from '../domain/log-limits';
import type { Clock, LogEntry, LogLevel, LogLine, LogStore } from '../ports';

/**
 * Lines of one attempt are numbered from `attempt × 1,000,000`, so a re-run never overwrites or
 * interleaves an earlier attempt's lines. The line cap keeps an attempt within that many lines.
 */
const SEQ_PER_ATTEMPT = 1_000_000;
const FLUSH_EVERY = 25;
/**
 * ERROR lines still logged once the log is capped: the worker's own account of how the task ended
 * ("Command failed with exit code 1", a timeout) must not be lost behind a chatty task's output.
 */
const ERROR_LINES_AFTER_CAP = 100;
/**
 * The waits before retrying a write that failed. The store's client retries throttling already;
 * these cover a store that is briefly unavailable, and then the lines are given up on.
 */
const RETRY_DELAYS_MS = [200, 1000];
/**
 * After this many batches lost in a row the attempt stops writing its log (its lines are counted
 * as lost): a store that is down must not hold a worker for a retry per batch, up to 400 batches.
 */
const GIVE_UP_AFTER_LOST_BATCHES = 3;

export type LogFields = Omit<LogEntry, 'timestamp' | 'level' | 'message'>;

export interface LogWriterOptions {
  /** Nothing is written before `flush` (an execution run before it is claimed must not write). */
  holdAll?: boolean;
  /** Waits before each retry of a failed write; their number is the number of retries. */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  /** An attempt's caps (MAX_LINES_PER_ATTEMPT, MAX_BYTES_PER_ATTEMPT by default). */
  maxLines?: number;
  maxBytes?: number;
}

/**
 * Buffers an execution's log lines and writes them in batches (one BatchWriteItem per 25 lines).
 * A log can never hurt its execution: a message longer than MAX_LINE_BYTES is cut with a marker,
 * an attempt's log is capped (MAX_LINES_PER_ATTEMPT, MAX_BYTES_PER_ATTEMPT) with a line saying
 * what was dropped, and writing is best-effort: a write that still fails after a few retries loses
 * its lines, says so, and never fails the execution.
 */
export class LogWriter {
  private buffer: LogLine[] = [];
  private next: number;
  private flushedAny = false;
  private pending: Promise<void> = Promise.resolve();
  private keptLines = 0;
  private keptBytes = 0;
  /** Once the cap is hit: the seq reserved for the line saying so, and what was dropped since. */
  private capped?: { seq: number; timestamp: string; lines: number; bytes: number; errorLines: number; reported: boolean };
  private lost = 0;
  private lostInARow = 0;
  private lastWriteError?: unknown;
  private readonly retryDelaysMs: number[];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxLines: number;
  private readonly maxBytes: number;

  constructor(
    private readonly store: Pick<LogStore, 'append'>,
    private readonly base: LogFields,
    attempt: number,
    private readonly clock: Clock,
    private readonly options: LogWriterOptions = {},
  ) {
    this.next = attempt * SEQ_PER_ATTEMPT;
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // Whatever is configured, an attempt's lines stay within its share of the seq space.
    this.maxLines = Math.min(options.maxLines ?? MAX_LINES_PER_ATTEMPT, SEQ_PER_ATTEMPT - ERROR_LINES_AFTER_CAP - 2);
    this.maxBytes = options.maxBytes ?? MAX_BYTES_PER_ATTEMPT;
  }

  /** Whether no line was logged at all. */
  isEmpty(): boolean {
    return !this.flushedAny && this.buffer.length === 0;
  }

  log(level: LogLevel, message: string, fields: Partial<LogFields> = {}): void {
    const text = cutMessage(message);
    const bytes = utf8Bytes(text);
    if (!this.capped && (this.keptLines >= this.maxLines || this.keptBytes + bytes > this.maxBytes)) {
      // The line saying what was dropped takes the place of the first dropped line.
      this.capped = { seq: this.next++, timestamp: this.clock.now().toISOString(), lines: 0, bytes: 0, errorLines: 0, reported: false };
    }
    if (this.capped) {
      if (level !== 'ERROR' || this.capped.errorLines >= ERROR_LINES_AFTER_CAP) {
        this.capped.lines++;
        this.capped.bytes += bytes;
        return;
      }
      this.capped.errorLines++;
    }
    this.keptLines++;
    this.keptBytes += bytes;
    this.push({ seq: this.next++, entry: { ...this.base, ...fields, timestamp: this.clock.now().toISOString(), level, message: text } });
  }

  /**
   * Lines that were printed but never reached `log` (a task runner counts them past the same caps
   * instead of sending them): they count in the line saying what the cap dropped.
   */
  countUnlogged(lines: number, bytes: number): void {
    if (lines <= 0) return;
    this.capped ??= { seq: this.next++, timestamp: this.clock.now().toISOString(), lines: 0, bytes: 0, errorLines: 0, reported: false };
    this.capped.lines += lines;
    this.capped.bytes += bytes;
  }

  private push(line: LogLine): void {
    this.buffer.push(line);
    if (this.buffer.length >= FLUSH_EVERY && !this.options.holdAll) void this.flushSoon();
  }

  /** Adds the line saying what the cap dropped, once, before the log is handed over or flushed. */
  private close(): void {
    if (!this.capped || this.capped.reported || this.capped.lines === 0) return;
    this.capped.reported = true;
    this.buffer.push({
      seq: this.capped.seq,
      entry: {
        ...this.base,
        timestamp: this.capped.timestamp,
        level: 'WARN',
        message: droppedLinesMessage(this.capped.lines, this.capped.bytes, { lines: this.maxLines, bytes: this.maxBytes }),
      },
    });
  }

  private flushSoon(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length) this.flushedAny = true;
    // One write at a time, in order; `write` never rejects.
    this.pending = this.pending.then(() => this.write(batch));
    return this.pending;
  }

  private async write(batch: LogLine[]): Promise<void> {
    if (batch.length === 0) return;
    if (this.lostInARow >= GIVE_UP_AFTER_LOST_BATCHES) {
      this.lost += batch.length;
      return;
    }
    // Once a batch was lost the store is likely down: later batches get one try each, no waits.
    const delays = this.lostInARow === 0 ? this.retryDelaysMs : [];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.append(batch);
        this.lostInARow = 0;
        return;
      } catch (error) {
        this.lastWriteError = error;
        const delay = delays[attempt];
        if (delay === undefined) break;
        await this.sleep(delay);
      }
    }
    this.lost += batch.length;
    this.lostInARow++;
    const after = this.lostInARow >= GIVE_UP_AFTER_LOST_BATCHES ? '; no more writes are tried for this attempt' : '';
    console.error(`Execution ${this.base.executionId}: ${batch.length} log lines could not be written and are lost${after}`, this.lastWriteError);
  }

  /**
   * The whole log, when nothing was written yet and its lines take at most `maxBytes` as JSON: the
   * caller stores them with the execution (StoredExecution.logs) instead of writing them here.
   * Otherwise undefined, and the lines stay for `flush`.
   */
  takeSmallLog(maxBytes: number): LogLine[] | undefined {
    this.close();
    if (this.flushedAny || this.buffer.length === 0 || new TextEncoder().encode(JSON.stringify(this.buffer)).length > maxBytes) return undefined;
    const lines = this.buffer;
    this.buffer = [];
    return lines;
  }

  /**
   * Writes everything buffered, best-effort: it never rejects. When lines could not be written, the
   * line saying so, for the caller to keep with the execution (StoredExecution.logs), whose final
   * write is the one write the execution cannot do without; otherwise undefined.
   */
  async flush(): Promise<LogLine[] | undefined> {
    this.close();
    await this.flushSoon();
    if (this.lost === 0) return undefined;
    const reason = this.lastWriteError instanceof Error ? this.lastWriteError.message : String(this.lastWriteError);
    const note: LogLine = {
      seq: this.next++,
      entry: {
        ...this.base,
        timestamp: this.clock.now().toISOString(),
        level: 'ERROR',
        message: `${this.lost} log lines could not be written to the log store and are lost (${reason.slice(0, 300)})`,
      },
    };
    this.lost = 0;
    return [note];
  }
}
