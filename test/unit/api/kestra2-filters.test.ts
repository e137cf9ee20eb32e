import { describe, expect, it } from 'vitest';
import { FILTER_OPERATIONS, type FilterRules, describeFilters, parseFilters } from '../../../lib/api/kestra2/filters';
import { triggerSelectionFromQuery } from '../../../lib/api/kestra2/trigger-filters';
import { ValidationError } from '../../../lib/domain/flow/errors';
import { matchesText } from '../../../lib/domain/text-match';
import { selectsTrigger } from '../../../lib/domain/trigger-selection';

const query = (text: string) => new URLSearchParams(text);

/** A search serving every operation on a few fields, so each operation can be read. */
const EVERYTHING: FilterRules<'namespace' | 'labels' | 'startDate'> = {
  resource: 'the test search',
  fields: { namespace: FILTER_OPERATIONS, labels: ['EQUALS', 'NOT_EQUALS'], startDate: ['GREATER_THAN', 'LESS_THAN'] },
  refused: { endDate: 'not in the index; use startDate' },
};

const refusal = (text: string, rules: FilterRules<string> = EVERYTHING): { path: string; message: string } => {
  try {
    parseFilters(query(text), rules);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return { path: e.path, message: e.message };
  }
  throw new Error(`${text} was accepted`);
};

describe('parseFilters', () => {
  it.each(FILTER_OPERATIONS.filter((op) => op !== 'IN' && op !== 'NOT_IN'))('reads %s with its one value, trimmed', (operation) => {
    expect(parseFilters(query(`filters[namespace][${operation}]=%20dev.team%20`), EVERYTHING)).toEqual([
      { field: 'namespace', operation, values: ['dev.team'], param: `filters[namespace][${operation}]` },
    ]);
  });

  it.each(['IN', 'NOT_IN'])('reads %s as a comma list, with or without brackets, dropping empty items', (operation) => {
    expect(parseFilters(query(`filters[namespace][${operation}]=a,%20b,,c`), EVERYTHING)[0]?.values).toEqual(['a', 'b', 'c']);
    expect(parseFilters(query(`filters[namespace][${operation}]=[a,b]`), EVERYTHING)[0]?.values).toEqual(['a', 'b']);
  });

  it('reads a label key from the third bracket, percent-encoded brackets as well, and each repeated parameter as one more condition', () => {
    const filters = parseFilters(
      query(
        'filters%5Blabels%5D%5BEQUALS%5D%5Breason%5D=outage&filters[labels][NOT_EQUALS][team]=data&filters[namespace][EQUALS]=a&filters[namespace][EQUALS]=b&page=2',
      ),
      EVERYTHING,
    );
    expect(filters).toEqual([
      { field: 'labels', operation: 'EQUALS', key: 'reason', values: ['outage'], param: 'filters[labels][EQUALS][reason]' },
      { field: 'labels', operation: 'NOT_EQUALS', key: 'team', values: ['data'], param: 'filters[labels][NOT_EQUALS][team]' },
      { field: 'namespace', operation: 'EQUALS', values: ['a'], param: 'filters[namespace][EQUALS]' },
      { field: 'namespace', operation: 'EQUALS', values: ['b'], param: 'filters[namespace][EQUALS]' },
    ]);
  });

  it('keeps commas in a single value: only IN and NOT_IN take lists', () => {
    expect(parseFilters(query('filters[labels][EQUALS][k]=a,b'), EVERYTHING)[0]?.values).toEqual(['a,b']);
  });

  it('reads nothing when no filter is given', () => {
    expect(parseFilters(query('page=1&size=10&sort=state.startDate:desc'), EVERYTHING)).toEqual([]);
  });

  it.each([
    ['filters[namespace]=dev', 'filters[namespace]', 'expected filters[FIELD][OPERATION]=VALUE (for labels, filters[labels][OPERATION][KEY]=VALUE)'],
    ['filters=dev', 'filters', 'expected filters[FIELD][OPERATION]=VALUE'],
    ['filters[namespace][EQUALS][a][b]=dev', 'filters[namespace][EQUALS][a][b]', 'expected filters[FIELD][OPERATION]=VALUE'],
    [
      'filters[flowId][EQUALS]=x',
      'filters[flowId][EQUALS]',
      'field flowId is not supported by the test search; supported fields: namespace, labels, startDate',
    ],
    [
      'filters[endDate][LESS_THAN]=x',
      'filters[endDate][LESS_THAN]',
      'field endDate is not supported by the test search: not in the index; use startDate; supported fields: namespace, labels, startDate',
    ],
    ['filters[nope][EQUALS]=x', 'filters[nope][EQUALS]', 'unknown field "nope"; supported fields: namespace, labels, startDate'],
    ['filters[startDate][LIKE]=x', 'filters[startDate][LIKE]', 'unknown operation "LIKE"; supported operations for startDate: GREATER_THAN, LESS_THAN'],
    ['filters[startDate][equals]=x', 'filters[startDate][equals]', 'unknown operation "equals"; supported operations for startDate: GREATER_THAN, LESS_THAN'],
    [
      'filters[labels][IN][k]=x',
      'filters[labels][IN][k]',
      'operation IN is not supported for field labels by the test search; supported operations for labels: EQUALS, NOT_EQUALS',
    ],
    ['filters[namespace][EQUALS][k]=x', 'filters[namespace][EQUALS][k]', 'only labels take a key in a third bracket'],
    ['filters[namespace][EQUALS]=', 'filters[namespace][EQUALS]', 'expected a value, got none'],
    ['filters[namespace][EQUALS]=%20', 'filters[namespace][EQUALS]', 'expected a value, got none'],
    ['filters[namespace][IN]=,%20,', 'filters[namespace][IN]', 'expected a comma-separated list of values, got none'],
    ['filters[namespace][IN]=[]', 'filters[namespace][IN]', 'expected a comma-separated list of values, got none'],
    [`filters[namespace][IN]=${Array(101).fill('a').join(',')}`, 'filters[namespace][IN]', 'expected at most 100 values, got 101'],
    [`filters[namespace][EQUALS]=${'a'.repeat(501)}`, 'filters[namespace][EQUALS]', 'a value is 501 characters long; expected at most 500'],
    [Array(51).fill('filters[namespace][EQUALS]=a').join('&'), 'filters[namespace][EQUALS]', 'expected at most 50 filters in one request'],
  ])('refuses %s, naming the parameter and what is served', (text, path, message) => {
    const refused = refusal(text);
    expect(refused.path).toBe(path);
    expect(refused.message).toContain(`${path}: ${message}`);
  });

  it('names a very long parameter by its first 200 characters only', () => {
    expect(refusal(`filters[${'x'.repeat(1000)}]=1`).path).toBe(`filters[${'x'.repeat(192)}…`);
  });

  it('describes what a search serves, for the request schemas', () => {
    expect(describeFilters(EVERYTHING)).toContain('labels (EQUALS, NOT_EQUALS); startDate (GREATER_THAN, LESS_THAN)');
  });
});

describe('matchesText', () => {
  it.each([
    ['EQUALS', ['dev'], 'dev', true],
    ['EQUALS', ['dev'], 'dev.team', false],
    ['NOT_EQUALS', ['dev'], 'prod', true],
    ['NOT_EQUALS', ['dev'], 'dev', false],
    ['IN', ['a', 'dev'], 'dev', true],
    ['IN', ['a', 'b'], 'dev', false],
    ['NOT_IN', ['a', 'b'], 'dev', true],
    ['NOT_IN', ['a', 'dev'], 'dev', false],
    ['STARTS_WITH', ['de'], 'devops', true],
    ['STARTS_WITH', ['ops'], 'devops', false],
    ['ENDS_WITH', ['ops'], 'devops', true],
    ['ENDS_WITH', ['dev'], 'devops', false],
    ['CONTAINS', ['vo'], 'devops', true],
    ['CONTAINS', ['x'], 'devops', false],
    ['PREFIX', ['dev'], 'dev', true],
    ['PREFIX', ['dev'], 'dev.team.a', true],
    ['PREFIX', ['dev'], 'devops', false],
  ] as const)('%s %j on %s: %s', (operation, values, value, expected) => {
    expect(matchesText(value, { operation, values: [...values] })).toBe(expected);
  });
});

describe('triggerSelectionFromQuery (the by-query actions and the triggers search)', () => {
  const trigger = (namespace: string, flowId: string, triggerId: string, disabled = false) => ({ namespace, flowId, triggerId, disabled });
  const rows = [
    trigger('dev', 'reports', 'schedule'),
    trigger('dev.team', 'sales', 'hourly', true),
    trigger('devops', 'reports', 'nightly'),
    trigger('prod', 'Billing', 'schedule'),
  ];
  const selected = (text: string) =>
    rows.filter((row) => selectsTrigger(triggerSelectionFromQuery(query(text)), row)).map((row) => `${row.namespace}/${row.flowId}/${row.triggerId}`);

  it('selects every trigger without filters', () => {
    expect(triggerSelectionFromQuery(query(''))).toEqual({});
    expect(selected('')).toHaveLength(4);
  });

  it('reads namespace (PREFIX is the namespace and those below it), flowId and triggerId conditions, all of which must hold', () => {
    expect(selected('filters[namespace][PREFIX]=dev')).toEqual(['dev/reports/schedule', 'dev.team/sales/hourly']);
    expect(selected('filters[namespace][STARTS_WITH]=dev')).toEqual(['dev/reports/schedule', 'dev.team/sales/hourly', 'devops/reports/nightly']);
    expect(selected('filters[namespace][STARTS_WITH]=dev&filters[flowId][EQUALS]=reports&filters[triggerId][NOT_IN]=nightly')).toEqual([
      'dev/reports/schedule',
    ]);
    expect(triggerSelectionFromQuery(query('filters[namespace][EQUALS]=dev&filters[triggerId][IN]=a,b'))).toEqual({
      namespace: [{ operation: 'EQUALS', values: ['dev'] }],
      triggerId: [{ operation: 'IN', values: ['a', 'b'] }],
    });
  });

  it('reads q as text in the namespace, flow id or trigger id, whatever its case, and triggerState as enabled or disabled', () => {
    expect(selected('filters[q][EQUALS]=billing')).toEqual(['prod/Billing/schedule']);
    expect(selected('filters[q][EQUALS]=ops')).toEqual(['devops/reports/nightly']);
    expect(selected('filters[triggerState][EQUALS]=DISABLED')).toEqual(['dev.team/sales/hourly']);
    expect(selected('filters[triggerState][NOT_EQUALS]=disabled')).toHaveLength(3);
    expect(triggerSelectionFromQuery(query('filters[triggerState][EQUALS]=ENABLED'))).toEqual({ disabled: false });
  });

  it.each([
    ['filters[namespace][REGEX]=.*', 'operation REGEX is not supported for field namespace by the triggers search'],
    ['filters[triggerId][PREFIX]=a', 'operation PREFIX is not supported for field triggerId'],
    ['filters[labels][EQUALS][a]=b', 'field labels is not supported by the triggers search; supported fields: q, namespace, flowId, triggerId, triggerState'],
    ['filters[workerId][EQUALS]=w', 'field workerId is not supported by the triggers search: no worker holds a trigger here'],
    ['filters[triggerState][EQUALS]=PAUSED', 'filters[triggerState][EQUALS]: expected ENABLED or DISABLED, got "PAUSED"'],
    ['filters[triggerState][EQUALS]=ENABLED&filters[triggerState][EQUALS]=DISABLED', 'contradicts an earlier triggerState filter'],
  ])('refuses %s', (text, message) => {
    expect(() => triggerSelectionFromQuery(query(text))).toThrow(message);
  });
});
