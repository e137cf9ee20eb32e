import { TERMINAL_STATES } from '../domain/execution';
import type { ExecutionStore, LogEntry, LogLine, LogStore } from '../ports';

export interface ExecutionLogsDeps {
  executions: Pick<ExecutionStore, 'get'>;
  logs: Pick<LogStore, 'list'>;
}

/**
 * An execution's log in `seq` order: the lines in the logs table (earlier attempts', and those of
 * an attempt that logged more than a few lines) merged with those kept with the execution (its
 * last attempt's log, when short, or the line saying that lines could not be written).
 */
export async function executionLogs(deps: ExecutionLogsDeps, executionId: string): Promise<LogEntry[]> {
  const [stored, lines] = await Promise.all([deps.executions.get(executionId), deps.logs.list(executionId)]);
  return [...lines, ...(stored?.logs ?? [])].sort((a, b) => a.seq - b.seq).map((line) => line.entry);
}

/** Which page of a log to read: the lines after `afterSeq`, at most `maxLines`, and `maxBytes` as `sizeOf` counts them. */
export interface LogPageRequest {
  afterSeq?: number;
  maxLines?: number;
  maxBytes: number;
  /** A line's size in the answer it goes into (the first line of a page is always taken). */
  sizeOf: (entry: LogEntry) => number;
}

export interface LogPage {
  lines: LogLine[];
  /** Whether lines follow the last one of this page now. */
  more: boolean;
  /**
   * Whether the execution had ended when the page was read. Its log was complete then (its worker
   * writes the lines before the final state), so past the page's end (`more` false) none follows.
   */
  ended: boolean;
}

/** Lines read from the table at a time, at first: a page's size in bytes is known only as it is read. */
const FIRST_READ = 100;
const MAX_READ = 1000;

/**
 * A page of an execution's log (see `executionLogs`), or undefined when there is no such
 * execution. Reads only that page's lines from the table (a page of a long log does not read the
 * log), and stops at `maxBytes`, so an answer stays under Lambda's 6 MB whatever the log.
 */
export async function executionLogPage(deps: ExecutionLogsDeps, executionId: string, request: LogPageRequest): Promise<LogPage | undefined> {
  const stored = await deps.executions.get(executionId);
  if (!stored) return undefined;
  const ended = TERMINAL_STATES.has(stored.execution.state.current);
  const maxLines = request.maxLines ?? Number.POSITIVE_INFINITY;
  const after = request.afterSeq ?? -1;
  const inline = (stored.logs ?? []).filter((line) => line.seq > after).sort((a, b) => a.seq - b.seq);
  const lines: LogLine[] = [];
  let bytes = 0;
  let tableAfter = request.afterSeq;
  let read = FIRST_READ;
  for (;;) {
    const limit = Math.min(read, Number.isFinite(maxLines) ? maxLines - lines.length + 1 : read);
    const chunk = await deps.logs.list(executionId, { afterSeq: tableAfter, limit });
    const tableDone = chunk.length < limit;
    const lastTableSeq = chunk.at(-1)?.seq ?? Number.POSITIVE_INFINITY;
    // The kept lines up to where this read of the table got (all of them once it is read to its end).
    const upTo = tableDone ? Number.POSITIVE_INFINITY : lastTableSeq;
    const candidates = [...chunk];
    while (inline.length && (inline[0]?.seq ?? 0) <= upTo) candidates.push(inline.shift() as LogLine);
    candidates.sort((a, b) => a.seq - b.seq);
    for (const line of candidates) {
      const size = request.sizeOf(line.entry);
      if (lines.length >= maxLines || (lines.length > 0 && bytes + size > request.maxBytes)) return { lines, more: true, ended };
      lines.push(line);
      bytes += size;
    }
    if (tableDone) return { lines, more: false, ended };
    tableAfter = lastTableSeq;
    // Read as many lines as the rest of the page holds if they are like those read so far.
    read = Math.max(25, Math.min(MAX_READ, Math.floor(((request.maxBytes - bytes) * lines.length) / Math.max(1, bytes)) + 1));
  }
}

/** Which matching lines of an execution's log to answer (Kestra 2.x's `logs/search`). */
export interface LogSearchRequest {
  /** Lines after this `seq` only (a cursor from an earlier answer); from the log's start when absent. */
  afterSeq?: number;
  keep: (entry: LogEntry) => boolean;
  /** Matching lines to pass over before the page (`(page - 1) × size`). */
  skip: number;
  size: number;
  maxBytes: number;
  sizeOf: (entry: LogEntry) => number;
  /** Lines read at most, matching or not: past it the search stops, and `total` is a lower bound. */
  examineAtMost: number;
}

export interface LogSearchResult {
  lines: LogLine[];
  /** Matching lines after `afterSeq`: exactly, or at least that many when `totalIsLowerBound`. */
  total: number;
  totalIsLowerBound: boolean;
  /**
   * Where the next page starts (a cursor): after the page's last line when matching lines follow it,
   * else after the last line read; undefined when nothing was read.
   */
  nextAfterSeq?: number;
  /** Whether matching lines follow `nextAfterSeq` now (else the log may still grow). */
  more: boolean;
}

/**
 * A page of the lines of an execution's log that `keep` takes, and how many it takes in all; undefined
 * when there is no such execution. Reads the log in `seq` order from `afterSeq` (see `executionLogs`),
 * at most `examineAtMost` lines, so a filter that matches little costs a bounded read, not the log.
 */
export async function searchExecutionLog(deps: ExecutionLogsDeps, executionId: string, request: LogSearchRequest): Promise<LogSearchResult | undefined> {
  const stored = await deps.executions.get(executionId);
  if (!stored) return undefined;
  const lines: LogLine[] = [];
  let matched = 0;
  let examined = 0;
  let bytes = 0;
  let pageCut = false;
  let lastSeq: number | undefined;
  const result = (stoppedEarly: boolean): LogSearchResult => {
    const pageFollowed = pageCut || (lines.length === request.size && matched > request.skip + lines.length);
    const nextAfterSeq = pageFollowed ? lines.at(-1)?.seq : lastSeq;
    return {
      lines,
      total: matched,
      totalIsLowerBound: stoppedEarly,
      ...(nextAfterSeq === undefined ? {} : { nextAfterSeq }),
      more: pageFollowed || stoppedEarly,
    };
  };
  for await (const line of logLines(deps, executionId, stored.logs ?? [], request.afterSeq)) {
    if (examined >= request.examineAtMost) return result(true);
    examined++;
    lastSeq = line.seq;
    if (!request.keep(line.entry)) continue;
    matched++;
    if (matched <= request.skip || pageCut || lines.length >= request.size) continue;
    const size = request.sizeOf(line.entry);
    // The first line of a page is always taken; later ones while the answer has room.
    if (lines.length > 0 && bytes + size > request.maxBytes) {
      pageCut = true;
      continue;
    }
    lines.push(line);
    bytes += size;
  }
  return result(false);
}

/** An execution's log lines after `afterSeq`, in `seq` order: the table's, read a chunk at a time, merged with those kept with the execution. */
async function* logLines(deps: ExecutionLogsDeps, executionId: string, kept: LogLine[], afterSeq: number | undefined): AsyncGenerator<LogLine> {
  const inline = kept.filter((line) => line.seq > (afterSeq ?? -1)).sort((a, b) => a.seq - b.seq);
  let tableAfter = afterSeq;
  let read = FIRST_READ;
  for (;;) {
    const chunk = await deps.logs.list(executionId, { afterSeq: tableAfter, limit: read });
    const tableDone = chunk.length < read;
    const upTo = tableDone ? Number.POSITIVE_INFINITY : (chunk.at(-1)?.seq ?? Number.POSITIVE_INFINITY);
    const merged = [...chunk];
    while (inline.length && (inline[0]?.seq ?? 0) <= upTo) merged.push(inline.shift() as LogLine);
    yield* merged.sort((a, b) => a.seq - b.seq);
    if (tableDone) return;
    tableAfter = chunk.at(-1)?.seq;
    read = MAX_READ;
  }
}
