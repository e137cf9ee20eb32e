/**
 * Kestra 2.x's search filters: one query parameter per condition, `filters[FIELD][OPERATION]=VALUE`,
 * and for labels the key in a third bracket, `filters[labels][EQUALS][reason]=outage`. Every
 * condition must hold; a repeated parameter is one more condition; IN and NOT_IN take a comma list
 * (`filters[state][IN]=FAILED,KILLED`, Kestra also wraps it in brackets at times: `[FAILED,KILLED]`).
 *
 * Written here rather than taken from a library: the syntax is Kestra's own (its webserver binds it
 * by hand too), and what matters is refusing, with a message naming the parameter and listing what
 * is served, every field or operation a search does not serve, instead of ignoring it and answering
 * (or, for a by-query action, acting on) more than was asked for. The values' meaning (dates,
 * durations, states) is each search's business (./execution-filters.ts, ./trigger-filters.ts,
 * ./log-filters.ts).
 */
import { ValidationError } from '../../domain/flow/errors';
import { MAX_LENGTH } from '../../domain/id-limits';
import { TEXT_OPERATIONS, type TextCondition, type TextOperation } from '../../domain/text-match';

/** Kestra's filter operations (`QueryFilter.Op`). */
export const FILTER_OPERATIONS = [
  'EQUALS',
  'NOT_EQUALS',
  'GREATER_THAN',
  'LESS_THAN',
  'GREATER_THAN_OR_EQUAL_TO',
  'LESS_THAN_OR_EQUAL_TO',
  'IN',
  'NOT_IN',
  'STARTS_WITH',
  'ENDS_WITH',
  'CONTAINS',
  'REGEX',
  'PREFIX',
] as const;
export type FilterOperation = (typeof FILTER_OPERATIONS)[number];

/**
 * Kestra's filter fields (`QueryFilter.Field`): a field outside this list (and outside the search's
 * own) is unknown; one in it that a search does not serve is refused as such.
 */
const KESTRA_FIELDS: readonly string[] = [
  'q',
  'scope',
  'namespace',
  'kind',
  'labels',
  'flowId',
  'updated',
  'startDate',
  'endDate',
  'state',
  'timeRange',
  'triggerExecutionId',
  'triggerId',
  'triggerState',
  'executionId',
  'childFilter',
  'workerId',
  'existingOnly',
  'level',
  'path',
  'parentPath',
  'version',
];

/** What one search serves. */
export interface FilterRules<F extends string> {
  /** What messages call the search, e.g. `the executions search`. */
  resource: string;
  /** Each field served, with the operations served on it. */
  fields: Readonly<Record<F, readonly FilterOperation[]>>;
  /** Why a field is not served, where a reason helps the client (`not in the search index; use startDate`). */
  refused?: Readonly<Partial<Record<string, string>>>;
}

/** One condition, as sent. */
export interface QueryFilter<F extends string = string> {
  field: F;
  operation: FilterOperation;
  /** The label key (labels only; `filters[labels][EQUALS][KEY]`). */
  key?: string;
  /** One value; for IN and NOT_IN, the list. Never empty, each value non-empty and trimmed. */
  values: string[];
  /** The parameter as sent, e.g. `filters[state][IN]`: what an error about it names. */
  param: string;
}

/** Only labels name a key; keys match Kestra's label key pattern, so none holds a bracket. */
const FILTER_PARAM = /^filters\[([^\][]*)\]\[([^\][]*)\](?:\[([^\][]+)\])?$/;
const SYNTAX = 'expected filters[FIELD][OPERATION]=VALUE (for labels, filters[labels][OPERATION][KEY]=VALUE)';

/** Bounds that keep a request's work, and any message echoing it, small. */
const MAX_FILTERS = 50;
const MAX_LIST_VALUES = 100;
/** The longest name or label value there is (a label value, see MAX_LENGTH): nothing longer can match. */
const MAX_VALUE_LENGTH = Math.max(...Object.values(MAX_LENGTH));

const LIST_OPERATIONS: readonly FilterOperation[] = ['IN', 'NOT_IN'];

/** The operations served on a name (a namespace, a flow id): every one of TextCondition's, so no REGEX (see lib/domain/text-match.ts). */
export const NAME_OPERATIONS: readonly FilterOperation[] = TEXT_OPERATIONS;

/**
 * The `filters[…]` parameters of `query`, checked against `rules`: every condition, in the order
 * sent. A field or operation the search does not serve, a malformed parameter or an empty value is
 * a ValidationError naming the parameter (422 on the 2.x routes) and saying what is served. Other
 * parameters (`page`, `size`, `sort`) are the route's.
 */
export function parseFilters<F extends string>(query: URLSearchParams, rules: FilterRules<F>): QueryFilter<F>[] {
  const filters: QueryFilter<F>[] = [];
  for (const [param, raw] of query) {
    if (!param.startsWith('filters')) continue;
    const shown = param.length > 200 ? `${param.slice(0, 200)}…` : param;
    const match = FILTER_PARAM.exec(param);
    if (!match) throw new ValidationError(shown, SYNTAX);
    const [, field = '', operation = '', key] = match;
    const path = key === undefined ? `filters[${field}][${operation}]` : `filters[${field}][${operation}][${key}]`;
    const served = checkField(rules, field, path);
    const op = checkOperation(rules, served, field, operation, path);
    if (key !== undefined && field !== 'labels') throw new ValidationError(path, `only labels take a key in a third bracket; ${SYNTAX}`);
    if (filters.length === MAX_FILTERS) throw new ValidationError(path, `expected at most ${MAX_FILTERS} filters in one request`);
    filters.push({ field: field as F, operation: op, ...(key === undefined ? {} : { key }), values: valuesOf(raw, op, path), param: path });
  }
  return filters;
}

function checkField<F extends string>(rules: FilterRules<F>, field: string, path: string): readonly FilterOperation[] {
  if (Object.hasOwn(rules.fields, field)) return rules.fields[field as F];
  const supported = `supported fields: ${Object.keys(rules.fields).join(', ')}`;
  const reason = rules.refused?.[field];
  if (reason) throw new ValidationError(path, `field ${field} is not supported by ${rules.resource}: ${reason}; ${supported}`);
  if (KESTRA_FIELDS.includes(field)) throw new ValidationError(path, `field ${field} is not supported by ${rules.resource}; ${supported}`);
  throw new ValidationError(path, `unknown field "${field}"; ${supported}`);
}

function checkOperation(rules: FilterRules<string>, served: readonly FilterOperation[], field: string, operation: string, path: string): FilterOperation {
  if (served.includes(operation as FilterOperation)) return operation as FilterOperation;
  const supported = `supported operations for ${field}: ${served.join(', ')}`;
  if (!(FILTER_OPERATIONS as readonly string[]).includes(operation)) throw new ValidationError(path, `unknown operation "${operation}"; ${supported}`);
  throw new ValidationError(path, `operation ${operation} is not supported for field ${field} by ${rules.resource}; ${supported}`);
}

function valuesOf(raw: string, operation: FilterOperation, path: string): string[] {
  const values = LIST_OPERATIONS.includes(operation)
    ? raw
        .replace(/^\s*\[(.*)\]\s*$/s, '$1')
        .split(',')
        .map((value) => value.trim())
        .filter(Boolean)
    : [raw.trim()].filter(Boolean);
  if (!values.length)
    throw new ValidationError(path, LIST_OPERATIONS.includes(operation) ? 'expected a comma-separated list of values, got none' : 'expected a value, got none');
  if (values.length > MAX_LIST_VALUES) throw new ValidationError(path, `expected at most ${MAX_LIST_VALUES} values, got ${values.length}`);
  const long = values.find((value) => value.length > MAX_VALUE_LENGTH);
  if (long !== undefined) throw new ValidationError(path, `a value is ${long.length} characters long; expected at most ${MAX_VALUE_LENGTH}`);
  return values;
}

/** The single value of a condition whose operation takes one (every one but IN and NOT_IN). */
export function singleValue(filter: QueryFilter): string {
  return filter.values[0] as string;
}

/** A condition on a name, as lib/domain/text-match.ts takes it: its operation is one of NAME_OPERATIONS. */
export function textCondition(filter: QueryFilter): TextCondition {
  return { operation: filter.operation as TextOperation, values: filter.values };
}

/** The conditions on `field`. */
export function filtersOn<F extends string>(filters: readonly QueryFilter<F>[], field: F): QueryFilter<F>[] {
  return filters.filter((filter) => filter.field === field);
}

/** A description of the filters a search serves, for the request schemas (and so the OpenAPI document). */
export function describeFilters(rules: FilterRules<string>): string {
  const fields = Object.entries<readonly FilterOperation[]>(rules.fields).map(([field, operations]) => `${field} (${operations.join(', ')})`);
  return `Kestra 2.x filters, one parameter per condition, all of which must hold: filters[FIELD][OPERATION]=VALUE; for labels filters[labels][OPERATION][KEY]=VALUE; IN and NOT_IN take a comma list. Served: ${fields.join('; ')}.`;
}
