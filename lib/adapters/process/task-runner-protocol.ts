import { z } from 'zod';
import { cutMessage, utf8Bytes } from '../../domain/log-limits';
import type { LogLevel, ShellResult, ShellRun } from '../../ports';

/**
 * What the worker and a task runner say to each other, the same on AWS (a Lambda invocation whose
 * response is streamed) and locally (a child process's stdin and stdout).
 *
 * The worker sends one request: the rendered script, its timeout and the log caps. The runner answers
 * with events, one JSON object per line, as the task runs: `{"log":"INFO","message":"…"}` for each
 * line the task prints, then `{"end":{…ShellResult}}` once its processes are gone. Lines stream while
 * the task runs, so the worker writes them to the logs table as today and the UI follows them.
 */

export interface TaskRequest {
  task: ShellRun['task'];
  timeoutMs: number;
  logLimits: { maxLines: number; maxBytes: number };
}

/** The log caps a request carries when its run names none: as good as none (the worker's LogWriter still applies its own). */
const UNCAPPED = { maxLines: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };

/** The request the worker sends for a run. */
export function taskRequestOf(run: ShellRun): TaskRequest {
  return { task: run.task, timeoutMs: run.timeoutMs, logLimits: run.logLimits ?? UNCAPPED };
}

const taskRequestSchema = z.object({
  task: z.object({
    commands: z.array(z.string()),
    beforeCommands: z.array(z.string()),
    env: z.record(z.string(), z.string()),
  }),
  timeoutMs: z.number().int().positive(),
  logLimits: z.object({ maxLines: z.number().int().nonnegative(), maxBytes: z.number().int().nonnegative() }),
});

/** A request as the runner received it; an error naming what is wrong if it is not one. */
export function parseTaskRequest(input: unknown): TaskRequest {
  const parsed = taskRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Task runner: not a task request (${issues.join('; ')})`);
  }
  return parsed.data;
}

/** A failed result for a task that did not run to an exit. */
export const NOT_RUN: ShellResult = { ok: false, exitCode: null, timedOut: false };

/**
 * The runner's side: a ShellRun `log` that sends each line as an event, and `end` for the result.
 * Past the request's caps, lines other than ERROR lines (the runner's own account of how the task
 * ended) are counted instead of sent: the worker would drop them anyway (its LogWriter has the same
 * caps), and on AWS a streamed response is limited in size and, past its first 6 MB, in bandwidth.
 */
export function taskEventWriter(emit: (line: string) => void, limits: TaskRequest['logLimits']) {
  let sentLines = 0;
  let sentBytes = 0;
  const unsent = { lines: 0, bytes: 0 };
  return {
    log(level: LogLevel, message: string): void {
      const bytes = utf8Bytes(message);
      if (level !== 'ERROR' && (sentLines >= limits.maxLines || sentBytes + bytes > limits.maxBytes || unsent.lines > 0)) {
        unsent.lines++;
        unsent.bytes += bytes;
        return;
      }
      sentLines++;
      sentBytes += bytes;
      emit(JSON.stringify({ log: level, message }));
    },
    end(result: ShellResult): void {
      const { ok, exitCode, timedOut } = result;
      emit(JSON.stringify({ end: unsent.lines > 0 ? { ok, exitCode, timedOut, unsent } : { ok, exitCode, timedOut } }));
    },
  };
}

const LEVELS = new Set<string>(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']);

/**
 * The longest event line read, in characters: a log line holds at most MAX_LINE_BYTES (32 KiB),
 * at most 6 characters each once escaped as JSON. A longer one is no event of a runner's.
 */
const MAX_EVENT_CHARS = 256 * 1024;

const endSchema = z.object({
  ok: z.boolean(),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  unsent: z.object({ lines: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }).optional(),
});

/**
 * The worker's side: reads a runner's events (as raw chunks of a stream, or as lines), hands each log
 * line to the run's `log`, and keeps the result. What the runner sends is checked, not trusted: a
 * task can reach its own runner's response channel, so it can forge its own result, but never more
 * than a bounded, well-formed answer about itself.
 */
export class TaskResultReader {
  private partial = '';
  private readonly decoder = new TextDecoder();
  private result?: ShellResult;
  private problem?: string;

  constructor(private readonly run: Pick<ShellRun, 'log'>) {}

  /** Whether the result arrived. */
  get ended(): boolean {
    return this.result !== undefined;
  }

  /** A chunk of the event stream, cut anywhere (a streamed response's payload chunks). */
  chunk(bytes: Uint8Array): void {
    if (this.problem) return;
    const text = this.partial + this.decoder.decode(bytes, { stream: true });
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    if (this.partial.length > MAX_EVENT_CHARS) this.problem ??= 'an event line too long';
  }

  /** One whole event line. */
  line(text: string): void {
    if (this.problem || text === '') return;
    const problem = this.read(text);
    if (problem) this.problem = problem;
  }

  /** Takes one event line in; what is wrong with it, if anything. */
  private read(text: string): string | undefined {
    if (this.result) return 'events after the result';
    if (text.length > MAX_EVENT_CHARS) return 'an event line too long';
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return 'a line that is not JSON';
    }
    const { log, message, end } = (event ?? {}) as { log?: unknown; message?: unknown; end?: unknown };
    if (typeof log === 'string' && LEVELS.has(log) && typeof message === 'string') {
      this.run.log(log as LogLevel, cutMessage(message));
      return undefined;
    }
    const result = endSchema.safeParse(end);
    if (!result.success) return 'an event of unknown shape';
    this.result = result.data;
    return undefined;
  }

  /**
   * The run's result: the runner's, or, if it sent none (it died, stopped answering, or sent
   * something else), a failed one with `reason` logged at ERROR.
   */
  finish(reason: string): ShellResult {
    if (this.partial && !this.problem) this.line(this.partial);
    this.partial = '';
    if (this.result && !this.problem) return this.result;
    this.run.log('ERROR', this.problem ? `The task runner's answer was unreadable (${this.problem}); the task is counted as failed` : reason);
    return NOT_RUN;
  }
}

/**
 * How long past its timeout the worker waits for a runner's result before giving up on it: the
 * runner kills a timed-out task at once, but its cleanup, and on AWS a cold start before the task
 * even began, take a moment. Shorter than the worker's OUTCOME_MARGIN_MS, so the worker still has
 * time to record the outcome.
 */
export const RUNNER_ANSWER_GRACE_MS = 10_000;

/** The ERROR line of a run whose runner sent no result within its timeout and the grace. */
export function noAnswerMessage(timeoutMs: number): string {
  return `The task runner did not answer within ${(timeoutMs + RUNNER_ANSWER_GRACE_MS) / 1000} s (the task's timeout and ${RUNNER_ANSWER_GRACE_MS / 1000} s); the task is counted as failed`;
}
