/**
 * Kestra 2.x's executions and logs searches (`/api/v1/{tenant}/executions/search`, `…/logs/search`),
 * with `filters[…]` (lib/api/kestra2/filters.ts). They read the same indexes as the 1.x searches in
 * ./executions.ts, with the same bounds; the 1.x parameters these paths took under `/api/v1/main`
 * keep their meaning beside the filters.
 */
import { searchExecutionLog } from '../../app/execution-logs';
import { ExecutionNotFoundError } from '../../domain/errors';
import { ValidationError } from '../../domain/flow/errors';
import { MAX_LENGTH, checkLength } from '../../domain/id-limits';
import type { LogEntry } from '../../ports';
import { json } from '../http';
import { type ApiExecution, toApiExecution } from '../kestra2/api-execution';
import { executionQueryFromFilters } from '../kestra2/execution-filters';
import { logFilterFromQuery } from '../kestra2/log-filters';
import type { ExecutionSearchPage, PagedResults } from '../responses';
import type { Route } from '../router';
import { LOG_SEARCH_EXAMINE_AT_MOST, kestra2ExecutionSearchQuery, kestra2LogSearchQuery, parseQuery } from '../schemas';
import { LOG_ANSWER_BYTES, jsonLineBytes } from './executions';

/**
 * A page of a logs search: Kestra's `PagedResults<LogEntry>`, `total` counting the matching lines
 * after the cursor (at least that many when `totalIsLowerBound`: the search read as far as it may),
 * and the 1.x search's cursor: `nextCursor` continues after this page, `more` says whether matching
 * lines follow it now.
 */
export interface Kestra2LogSearchPage extends PagedResults<LogEntry> {
  /** Kestra's `CursorOrOffsetPagedResults`: how this page was asked for, after a cursor or at an offset. */
  type: 'CURSOR' | 'OFFSET';
  totalIsLowerBound: boolean;
  nextCursor?: string;
  more: boolean;
}

export const kestra2SearchRoutes: Route[] = [
  {
    method: 'GET',
    path: '/executions/search',
    handler: async (deps, request) => {
      const { state, labels, sort: _newestFirst, page, size, ...exact } = parseQuery(kestra2ExecutionSearchQuery, request.query);
      const query = executionQueryFromFilters(request.query, { ...exact, labels, states: state }, deps.clock.now());
      const found = query ? await deps.executions.search({ ...query, page, size }) : { results: [], total: 0, totalIsLowerBound: false };
      // Kestra 2.x's search results are `ApiLightExecution`s, which carry their tenant.
      const now = deps.clock.now();
      const page2x: ExecutionSearchPage<ApiExecution> = { ...found, results: found.results.map((execution) => toApiExecution(execution, now)) };
      return json(200, page2x);
    },
  },
  {
    method: 'GET',
    path: '/logs/search',
    handler: async (deps, request) => {
      const filter = logFilterFromQuery(request.query);
      const { executionId: legacyId, cursor, page, size } = parseQuery(kestra2LogSearchQuery, request.query);
      if (legacyId && filter.executionId && legacyId !== filter.executionId) {
        throw new ValidationError('executionId', `names execution ${legacyId} while filters[executionId][EQUALS] names ${filter.executionId}`);
      }
      const executionId = filter.executionId ?? legacyId;
      if (!executionId)
        throw new ValidationError('filters[executionId][EQUALS]', 'expected the id of the execution whose log to read (logs are kept per execution)');
      checkLength(executionId, 'filters[executionId][EQUALS]', 'execution id', MAX_LENGTH.executionId);
      const found = await searchExecutionLog(deps, executionId, {
        afterSeq: cursor,
        keep: filter.keep,
        skip: (page - 1) * size,
        size,
        maxBytes: LOG_ANSWER_BYTES,
        sizeOf: jsonLineBytes,
        examineAtMost: LOG_SEARCH_EXAMINE_AT_MOST,
      });
      if (!found) throw new ExecutionNotFoundError(`Execution ${executionId} not found`);
      const next = found.nextAfterSeq ?? cursor;
      const body: Kestra2LogSearchPage = {
        results: found.lines.map((line) => line.entry),
        type: cursor === undefined ? 'OFFSET' : 'CURSOR',
        total: found.total,
        totalIsLowerBound: found.totalIsLowerBound,
        ...(next === undefined ? {} : { nextCursor: String(next) }),
        more: found.more,
      };
      return json(200, body);
    },
  },
];
