import { type LogPage, type LogPageRequest, executionLogPage } from '../../app/execution-logs';
import { ExecutionNotFoundError } from '../../domain/errors';
import { toKestraExecution } from '../../domain/execution';
import type { LogEntry } from '../../ports';
import { payloadBytes } from '../../util/lambda-response-limit';
import { json } from '../http';
import type { LogSearchPage } from '../responses';
import { pathParam } from '../params';
import { executionSearchQuery, logDownloadQuery, logSearchQuery, parseQuery } from '../schemas';
import type { Route, RouteHandler } from '../router';

export const executionRoutes: Route[] = [
  {
    method: 'GET',
    path: '/executions/search',
    handler: async (deps, request) => {
      const { state, ...query } = parseQuery(executionSearchQuery, request.query);
      const page = await deps.executions.search({ ...query, states: state });
      const now = deps.clock.now();
      return json(200, { ...page, results: page.results.map((execution) => toKestraExecution(execution, now)) });
    },
  },
  {
    method: 'GET',
    path: '/executions/{id}',
    handler: async (deps, _request, params) => {
      const id = pathParam(params, 'id', 'executionId');
      const stored = await deps.executions.get(id);
      if (!stored) throw new ExecutionNotFoundError(`Execution ${id} not found`);
      return json(200, toKestraExecution(stored.execution, deps.clock.now()));
    },
  },
  {
    method: 'GET',
    path: '/logs/search',
    handler: async (deps, request) => {
      const { executionId, cursor, size } = parseQuery(logSearchQuery, request.query);
      const page = await logPage(deps, executionId, { afterSeq: cursor, maxLines: size, maxBytes: LOG_ANSWER_BYTES, sizeOf: jsonLineBytes });
      const last = page.lines.at(-1)?.seq ?? cursor;
      const body: LogSearchPage = {
        results: page.lines.map((line) => line.entry),
        more: page.more,
        ...(last === undefined ? {} : { nextCursor: String(last) }),
      };
      return json(200, body);
    },
  },
  {
    method: 'GET',
    path: '/logs/{executionId}',
    handler: logListHandler(
      (executionId, next) =>
        `GET /api/v1/logs/search?executionId=${encodeURIComponent(executionId)}&cursor=${next} or GET /api/v1/logs/${encodeURIComponent(executionId)}/download?cursor=${next}`,
    ),
  },
  {
    method: 'GET',
    path: '/logs/{executionId}/download',
    handler: logDownloadHandler('/api/v1/logs'),
  },
];

/**
 * `GET logs/{executionId}`: Kestra's answer is the whole log, as a list; a log longer than one
 * answer holds ends with a line saying where the rest is (`readOn`: the calls that read on after
 * cursor `next`).
 */
export function logListHandler(readOn: (executionId: string, next: string) => string): RouteHandler {
  return async (deps, _request, params) => {
    const executionId = pathParam(params, 'executionId', 'executionId');
    const page = await logPage(deps, executionId, { maxBytes: LOG_ANSWER_BYTES, sizeOf: jsonLineBytes });
    const entries = page.lines.map((line) => line.entry);
    if (!page.more) return json(200, entries);
    const next = String(page.lines.at(-1)?.seq);
    const continued: LogEntry = {
      ...(entries.at(-1) as LogEntry),
      taskId: undefined,
      taskRunId: undefined,
      attemptNumber: undefined,
      level: 'WARN',
      message: `This answer holds the first ${entries.length} lines of the log, as much as fits in one response; read on with ${readOn(executionId, next)}`,
    };
    return { ...json(200, [...entries, continued]), headers: { 'content-type': 'application/json', 'x-next-cursor': next } };
  };
}

/** `GET logs/{executionId}/download` under `logsPath`: the log as text, in parts of one answer each (Lambda's 6 MB), each saying where the next starts. */
export function logDownloadHandler(logsPath: string): RouteHandler {
  return async (deps, request, params) => {
    const executionId = pathParam(params, 'executionId', 'executionId');
    const { cursor } = parseQuery(logDownloadQuery, request.query);
    const page = await logPage(deps, executionId, { afterSeq: cursor, maxBytes: LOG_ANSWER_BYTES, sizeOf: (entry) => payloadBytes(textLine(entry)) });
    let body = page.lines.map((line) => textLine(line.entry)).join('');
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="${executionId}.log"`,
    };
    if (page.more) {
      const next = String(page.lines.at(-1)?.seq);
      headers['x-next-cursor'] = next;
      body += `… the log continues: GET ${logsPath}/${encodeURIComponent(executionId)}/download?cursor=${next}\n`;
    }
    return { statusCode: 200, headers, body };
  };
}

/**
 * What a log's page may take of an answer, as it is counted inside the Lambda's response: two
 * thirds of Lambda's 6 MB, leaving room for the envelope and the line saying where the rest is.
 */
export const LOG_ANSWER_BYTES = 4 * 1024 * 1024;

/** A line's share of a JSON list, as the Lambda's response counts it. */
export const jsonLineBytes = (entry: LogEntry) => payloadBytes(JSON.stringify(entry)) + 1;

/** A line of the downloaded log: Kestra's order, time, level, task, message. */
function textLine(entry: LogEntry): string {
  return `${entry.timestamp} ${entry.level} ${entry.taskId ? `[${entry.taskId}] ` : ''}${entry.message}\n`;
}

async function logPage(deps: Parameters<typeof executionLogPage>[0], executionId: string, request: LogPageRequest): Promise<LogPage> {
  const page = await executionLogPage(deps, executionId, request);
  if (!page) throw new ExecutionNotFoundError(`Execution ${executionId} not found`);
  return page;
}
