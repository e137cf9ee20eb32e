import { KESTRA_STATE_TYPES, type StateType } from '../../domain/execution';
import { ValidationError } from '../../domain/flow/errors';
import type { Label } from '../../domain/flow/model';
import { parseDuration } from '../../domain/flow/values';
import { MAX_LENGTH, tooLongMessage } from '../../domain/id-limits';
import { TRIGGER_ID_OPERATIONS, type TextCondition, type TriggerIdCondition } from '../../domain/text-match';
import type { ExecutionQuery } from '../../ports';
import { zonedDateTime } from '../schemas/zoned-date-time';
import { type FilterOperation, type FilterRules, NAME_OPERATIONS, type QueryFilter, filtersOn, parseFilters, singleValue, textCondition } from './filters';

type ExecutionField = 'q' | 'scope' | 'namespace' | 'flowId' | 'labels' | 'state' | 'startDate' | 'endDate' | 'timeRange' | 'triggerId';

/** The operations on a date: a range, EQUALS being the one millisecond. */
const DATE_OPERATIONS: readonly FilterOperation[] = ['GREATER_THAN', 'GREATER_THAN_OR_EQUAL_TO', 'LESS_THAN', 'LESS_THAN_OR_EQUAL_TO', 'EQUALS'];

/**
 * The filters of `executions/search`: what its index can answer. Flows are chosen from the
 * registry of flows (namespace, flowId), labels, states, trigger ids and end dates are filtered in
 * the index, a start date range (startDate, timeRange) is a range of its sort key, and `q` is a
 * text in the execution id. triggerId takes what a filter on the index can evaluate (no ENDS_WITH).
 */
export const EXECUTION_FILTERS: FilterRules<ExecutionField> = {
  resource: 'the executions search',
  fields: {
    q: ['EQUALS'],
    scope: ['EQUALS', 'NOT_EQUALS'],
    namespace: NAME_OPERATIONS,
    flowId: NAME_OPERATIONS,
    labels: ['EQUALS', 'NOT_EQUALS'],
    state: ['EQUALS', 'NOT_EQUALS', 'IN', 'NOT_IN'],
    startDate: DATE_OPERATIONS,
    endDate: DATE_OPERATIONS,
    timeRange: ['EQUALS'],
    triggerId: TRIGGER_ID_OPERATIONS,
  },
  refused: {
    triggerExecutionId: 'no execution here is started by another',
    childFilter: 'no execution here is started by another',
  },
};

// The states stored (KILLING never is: a running execution asked to stop stays RUNNING until it ends KILLED).
const OUR_STATES: readonly StateType[] = ['CREATED', 'RUNNING', 'RESTARTED', 'SUCCESS', 'FAILED', 'KILLED'];

/** Kestra's scopes: ours are all USER executions (none of Kestra's own SYSTEM flows run here). */
const SCOPES = ['USER', 'SYSTEM'];

/** The latest instant whose `toISOString` has 24 characters: the search index orders dates (start and end) as strings. */
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Trigger ids named in one search, all its triggerId filters together (see triggerConditions). */
const MAX_TRIGGER_IDS = 100;

/** What the filters ask of the executions search; `undefined` when no execution can meet them all. */
export type ExecutionFilterQuery = Omit<ExecutionQuery, 'page' | 'size'>;

/**
 * Reads the `filters[…]` of an executions search (see EXECUTION_FILTERS) into the store's query, on
 * top of `base` (the 1.x parameters, which the 2.x route still reads). Returns undefined when no
 * execution can match (states that exclude each other, an empty date range, scope SYSTEM), so the
 * route answers an empty page without reading anything.
 */
export function executionQueryFromFilters(query: URLSearchParams, base: ExecutionFilterQuery, now: Date): ExecutionFilterQuery | undefined {
  const filters = parseFilters(query, EXECUTION_FILTERS);
  const out: ExecutionFilterQuery = { ...base };
  if (!inScope(filtersOn(filters, 'scope'))) return undefined;
  const names = flowNames(filters, out);
  if (names.namespace.length || names.flowId.length) out.flowConditions = names;
  for (const filter of filtersOn(filters, 'labels')) {
    const label = labelOf(filter);
    if (filter.operation === 'EQUALS') out.labels = [...(out.labels ?? []), label];
    else out.excludedLabels = [...(out.excludedLabels ?? []), label];
  }
  const stateFilters = filtersOn(filters, 'state');
  if (stateFilters.length) {
    out.states = statesOf(stateFilters, out.states);
    if (!out.states.length) return undefined;
  }
  const started = dateRange(filtersOn(filters, 'startDate'), timeRangeStarts(filtersOn(filters, 'timeRange'), now));
  if (started === 'empty') return undefined;
  if (started) out.startDate = started;
  const ended = dateRange(filtersOn(filters, 'endDate'));
  if (ended === 'empty') return undefined;
  if (ended) out.endDate = ended;
  const triggers = triggerConditions(filtersOn(filters, 'triggerId'));
  if (triggers.length) out.triggerId = triggers;
  const q = filtersOn(filters, 'q');
  if (q.length > 1) throw new ValidationError(q[1]?.param ?? 'filters[q][EQUALS]', 'expected one q filter');
  if (q[0]) out.idContains = singleValue(q[0]);
  return out;
}

function inScope(filters: QueryFilter[]): boolean {
  return filters.every((filter) => {
    const scope = singleValue(filter).toUpperCase();
    if (!SCOPES.includes(scope)) throw new ValidationError(filter.param, `expected ${SCOPES.join(' or ')}, got "${singleValue(filter)}"`);
    return (scope === 'USER') === (filter.operation === 'EQUALS');
  });
}

/**
 * The conditions on namespaces and flow ids. The first EQUALS of each becomes the exact namespace or
 * flow id when the 1.x parameters name none, so that a search of one namespace reads that
 * namespace's flows (a query of the registry) instead of listing every flow.
 */
function flowNames(filters: QueryFilter<ExecutionField>[], out: ExecutionFilterQuery): { namespace: TextCondition[]; flowId: TextCondition[] } {
  const conditions = { namespace: [] as TextCondition[], flowId: [] as TextCondition[] };
  for (const field of ['namespace', 'flowId'] as const) {
    for (const filter of filtersOn(filters, field)) {
      if (filter.operation === 'EQUALS' && out[field] === undefined) out[field] = singleValue(filter);
      else conditions[field].push(textCondition(filter));
    }
  }
  return conditions;
}

/** `filters[labels][OP][KEY]=VALUE`, or without a key `filters[labels][OP]=KEY:VALUE` (the 1.x form). */
function labelOf(filter: QueryFilter): Label {
  const value = singleValue(filter);
  const colon = value.indexOf(':');
  if (filter.key === undefined && colon <= 0) {
    throw new ValidationError(
      filter.param,
      `expected the label's key in a third bracket, filters[labels][${filter.operation}][KEY]=VALUE, or KEY:VALUE; got "${value}"`,
    );
  }
  const label = filter.key === undefined ? { key: value.slice(0, colon), value: value.slice(colon + 1) } : { key: filter.key, value };
  if (label.key.length > MAX_LENGTH.labelKey) throw new ValidationError(filter.param, tooLongMessage('label key', label.key.length, MAX_LENGTH.labelKey));
  return label;
}

/**
 * The states every state filter allows (EQUALS and IN keep those named, NOT_EQUALS and NOT_IN drop
 * them), starting from the 1.x parameter's (every state when it names none).
 */
function statesOf(filters: QueryFilter[], base: StateType[] | undefined): StateType[] {
  let allowed = new Set<StateType>(base?.length ? base : OUR_STATES);
  for (const filter of filters) {
    const unknown = filter.values.find((state) => !KESTRA_STATE_TYPES.includes(state));
    if (unknown !== undefined) throw new ValidationError(filter.param, `unknown state "${unknown}"; expected one of ${KESTRA_STATE_TYPES.join(', ')}`);
    const named = new Set(filter.values);
    const keep = filter.operation === 'EQUALS' || filter.operation === 'IN';
    allowed = new Set([...allowed].filter((state) => named.has(state) === keep));
  }
  return OUR_STATES.filter((state) => allowed.has(state));
}

/**
 * The conditions on the trigger id, at most MAX_TRIGGER_IDS values in all: the index filters on
 * them in one expression, which DynamoDB bounds (4 KB; 100 values in an IN).
 */
function triggerConditions(filters: QueryFilter[]): TriggerIdCondition[] {
  let values = 0;
  return filters.map((filter) => {
    values += filter.values.length;
    if (values > MAX_TRIGGER_IDS) throw new ValidationError(filter.param, `expected at most ${MAX_TRIGGER_IDS} trigger ids in all the triggerId filters`);
    return { operation: filter.operation as TriggerIdCondition['operation'], values: filter.values };
  });
}

/** The earliest start each timeRange condition allows (Kestra's timeRange: started within that long before now; from 1970 at the earliest). */
function timeRangeStarts(filters: QueryFilter[], now: Date): number[] {
  return filters.map((filter) => Math.max(0, now.getTime() - parseDuration(singleValue(filter), filter.param)));
}

/**
 * The date range every condition on one date (startDate, endDate) allows, and at least each of
 * `earliest`, as the store takes it (see `ExecutionQuery.startDate`); `empty` when none is left.
 * Dates are read to the millisecond, as executions' dates are written.
 */
function dateRange(filters: QueryFilter[], earliest: number[] = []): { from?: string; before?: string } | 'empty' | undefined {
  let from: number | undefined;
  let before: number | undefined;
  const atLeast = (ms: number) => {
    from = Math.max(from ?? ms, ms);
  };
  const below = (ms: number) => {
    before = Math.min(before ?? ms, ms);
  };
  for (const filter of filters) {
    const ms = instantOf(filter);
    if (filter.operation === 'GREATER_THAN') atLeast(ms + 1);
    if (filter.operation === 'GREATER_THAN_OR_EQUAL_TO' || filter.operation === 'EQUALS') atLeast(ms);
    if (filter.operation === 'LESS_THAN') below(ms);
    if (filter.operation === 'LESS_THAN_OR_EQUAL_TO' || filter.operation === 'EQUALS') below(ms + 1);
  }
  for (const ms of earliest) atLeast(ms);
  if (from === undefined && before === undefined) return undefined;
  if (from !== undefined && from > LATEST_MS) return 'empty';
  if (from !== undefined && before !== undefined && from >= before) return 'empty';
  return {
    ...(from === undefined ? {} : { from: new Date(from).toISOString() }),
    // Past the latest date an execution can have, there is no upper bound.
    ...(before === undefined || before > LATEST_MS ? {} : { before: new Date(before).toISOString() }),
  };
}

function instantOf(filter: QueryFilter): number {
  const parsed = zonedDateTime.safeParse(singleValue(filter));
  if (!parsed.success) throw new ValidationError(filter.param, parsed.error.issues[0]?.message ?? 'expected an ISO-8601 date-time with an offset');
  return parsed.data.getTime();
}
