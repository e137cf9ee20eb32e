import { ValidationError } from '../../domain/flow/errors';
import { matchesAll } from '../../domain/text-match';
import type { LogEntry, LogLevel } from '../../ports';
import { type FilterRules, filtersOn, parseFilters, singleValue, textCondition } from './filters';

type LogField = 'executionId' | 'level' | 'taskId';

const PER_EXECUTION = 'logs are kept per execution: name it with filters[executionId][EQUALS]';

/** The filters of `logs/search`: one execution's log (the logs table is keyed by execution), its lines filtered as they are read. */
export const LOG_FILTERS: FilterRules<LogField> = {
  resource: 'the logs search',
  fields: { executionId: ['EQUALS'], level: ['EQUALS'], taskId: ['EQUALS', 'NOT_EQUALS', 'IN', 'NOT_IN'] },
  refused: { namespace: PER_EXECUTION, flowId: PER_EXECUTION, triggerId: PER_EXECUTION, q: PER_EXECUTION, startDate: PER_EXECUTION, endDate: PER_EXECUTION },
};

/** Levels from the least to the most severe: Kestra's `level` filter is a minimum. */
const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface LogFilter {
  executionId?: string;
  /** Which lines of the log to answer. */
  keep: (entry: LogEntry) => boolean;
}

/** Reads the `filters[…]` of a logs search (see LOG_FILTERS). */
export function logFilterFromQuery(query: URLSearchParams): LogFilter {
  const filters = parseFilters(query, LOG_FILTERS);
  const executionIds = [...new Set(filtersOn(filters, 'executionId').map(singleValue))];
  if (executionIds.length > 1) throw new ValidationError('filters[executionId][EQUALS]', `expected one execution, got ${executionIds.length}`);
  let minLevel = 0;
  for (const filter of filtersOn(filters, 'level')) {
    const level = LEVELS.indexOf(singleValue(filter).toUpperCase() as LogLevel);
    if (level < 0) throw new ValidationError(filter.param, `expected one of ${LEVELS.join(', ')}, got "${singleValue(filter)}"`);
    minLevel = Math.max(minLevel, level);
  }
  const taskIds = filtersOn(filters, 'taskId').map(textCondition);
  return {
    ...(executionIds[0] === undefined ? {} : { executionId: executionIds[0] }),
    // A line without a task (the worker's own) matches no taskId condition but NOT_EQUALS and NOT_IN.
    keep: (entry) => LEVELS.indexOf(entry.level) >= minLevel && matchesAll(entry.taskId ?? '', taskIds),
  };
}
