/**
 * Following an execution or its log, as Kestra's `…/follow` routes do: a sequence of events,
 * produced by reading the stores at a bounded pace for as long as the transport serving them allows
 * (a FollowWindow). Nothing here knows HTTP: lib/api encodes the events as `text/event-stream`.
 */
import { type KestraExecution, TERMINAL_STATES, toKestraExecution } from '../domain/execution';
import type { Clock, ExecutionStore, LogEntry, LogStore } from '../ports';
import { executionLogPage } from './execution-logs';

export interface FollowDeps {
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  executions: Pick<ExecutionStore, 'get'>;
}

export interface LogFollowDeps extends FollowDeps {
  logs: Pick<LogStore, 'list'>;
}

/** What the transport allows one follow: how long it may last, and a signal that the client went away. */
export interface FollowWindow {
  maxMs: number;
  signal?: AbortSignal;
}

/** How often a follow reads the stores, and how long it stays silent before a heartbeat. */
export interface FollowPace {
  pollMs: number;
  heartbeatMs: number;
}

/**
 * One read a second: an execution's state changes a few times per run and a log is written in
 * batches, so a follower lags at most a second behind for two small reads a second. A heartbeat
 * every 15 s keeps proxies from closing a quiet stream.
 */
const DEFAULT_PACE: FollowPace = { pollMs: 1000, heartbeatMs: 15_000 };

/**
 * What a follow sends, in Kestra's terms: `start` first (an almost empty document: the stream is
 * open), `progress` for each new state or log line, `end` once the execution has ended (with its
 * final state; for a log, once every line is sent), after which the follow stops. Beyond Kestra:
 * `heartbeat` while nothing happens, and `reconnect` when the window closes before the end, with
 * the cursor to continue from (for a log: the `seq` of its last line sent). A log line's
 * `progress` carries its cursor too.
 */
export type FollowEvent<T> =
  | { type: 'start'; data: Partial<T> }
  | { type: 'progress'; data: T; cursor?: string }
  | { type: 'end'; data: Partial<T> }
  | { type: 'heartbeat' }
  | { type: 'reconnect'; cursor?: string };

/** A follow ready to run: the execution exists; the transport opens it with its window. */
export type Follow<T> = (window: FollowWindow) => AsyncGenerator<FollowEvent<T>>;

/**
 * The execution's follow, or undefined when there is no such execution. It sends the execution
 * each time its document changes, and ends with the final state (an execution that has ended
 * already: `start`, then `end` at once, as Kestra does).
 */
export async function openExecutionFollow(deps: FollowDeps, executionId: string, pace = DEFAULT_PACE): Promise<Follow<KestraExecution> | undefined> {
  const first = await deps.executions.get(executionId);
  if (!first) return undefined;
  return async function* (window) {
    const timer = new FollowTimer(deps, window, pace);
    yield { type: 'start', data: { id: executionId } };
    let stored = first;
    let shown = JSON.stringify(stored.execution);
    const ended = () => TERMINAL_STATES.has(stored.execution.state.current);
    if (!ended()) {
      timer.sent();
      yield { type: 'progress', data: toKestraExecution(stored.execution, deps.clock.now()) };
    }
    while (!ended()) {
      if (timer.timeUp()) {
        yield { type: 'reconnect' };
        return;
      }
      if (timer.silentTooLong()) {
        timer.sent();
        yield { type: 'heartbeat' };
      }
      if (!(await timer.wait())) return;
      stored = (await deps.executions.get(executionId)) ?? stored;
      const now = JSON.stringify(stored.execution);
      if (now === shown) continue;
      shown = now;
      timer.sent();
      yield { type: 'progress', data: toKestraExecution(stored.execution, deps.clock.now()) };
    }
    yield { type: 'end', data: toKestraExecution(stored.execution, deps.clock.now()) };
  };
}

/** Lines a follow reads from the store at a time (and bytes of them, so a read stays small). */
const LOG_READ_LINES = 500;
const LOG_READ_BYTES = 1024 * 1024;

/**
 * The follow of an execution's log after `cursor` (a line's `seq`; from the start without), or
 * undefined when there is no such execution. It sends each line once, in order, reading on at once
 * while lines wait, and ends once the execution has ended and its last line is sent. `start` and
 * `end` carry a LogEntry without a line (the execution's namespace, flow and id), as Kestra's
 * `start` carries an empty one.
 */
export async function openLogFollow(
  deps: LogFollowDeps,
  executionId: string,
  cursor: number | undefined,
  pace = DEFAULT_PACE,
): Promise<Follow<LogEntry> | undefined> {
  const stored = await deps.executions.get(executionId);
  if (!stored) return undefined;
  const { namespace, flowId } = stored.execution;
  const marker: Partial<LogEntry> = { namespace, flowId, executionId };
  return async function* (window) {
    const timer = new FollowTimer(deps, window, pace);
    yield { type: 'start', data: marker };
    let after = cursor;
    for (;;) {
      const page = await executionLogPage(deps, executionId, { afterSeq: after, maxLines: LOG_READ_LINES, maxBytes: LOG_READ_BYTES, sizeOf: jsonBytes });
      for (const line of page?.lines ?? []) {
        after = line.seq;
        timer.sent();
        yield { type: 'progress', data: line.entry, cursor: String(line.seq) };
      }
      // The store lost the execution (it cannot, today): there is nothing more to follow.
      if (!page || (page.ended && !page.more)) break;
      if (timer.timeUp()) {
        yield { type: 'reconnect', cursor: after === undefined ? undefined : String(after) };
        return;
      }
      if (page.more) continue;
      if (timer.silentTooLong()) {
        timer.sent();
        yield { type: 'heartbeat' };
      }
      if (!(await timer.wait())) return;
    }
    yield { type: 'end', data: marker };
  };
}

const jsonBytes = (entry: LogEntry) => new TextEncoder().encode(JSON.stringify(entry)).length;

/** A follow's time: when its window closes, when it last sent something, and its waits between reads. */
class FollowTimer {
  private readonly startedMs: number;
  private lastSentMs: number;
  private readonly aborted: Promise<void>;

  constructor(
    private readonly deps: Pick<FollowDeps, 'clock' | 'sleep'>,
    private readonly window: FollowWindow,
    private readonly pace: FollowPace,
  ) {
    this.startedMs = deps.clock.now().getTime();
    this.lastSentMs = this.startedMs;
    const signal = window.signal;
    this.aborted = new Promise((resolve) => {
      if (signal?.aborted) resolve();
      else signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  sent(): void {
    this.lastSentMs = this.deps.clock.now().getTime();
  }

  timeUp(): boolean {
    return this.deps.clock.now().getTime() - this.startedMs >= this.window.maxMs;
  }

  silentTooLong(): boolean {
    return this.deps.clock.now().getTime() - this.lastSentMs >= this.pace.heartbeatMs;
  }

  /** Waits until the next read (never past the window's end); false when the client went away meanwhile. */
  async wait(): Promise<boolean> {
    if (this.window.signal?.aborted) return false;
    const left = this.window.maxMs - (this.deps.clock.now().getTime() - this.startedMs);
    await Promise.race([this.deps.sleep(Math.max(0, Math.min(this.pace.pollMs, left))), this.aborted]);
    return !this.window.signal?.aborted;
  }
}
