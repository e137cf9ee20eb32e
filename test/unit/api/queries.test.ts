import { describe, expect, it } from 'vitest';
import { executionSearchQuery, flowSearchQuery, parseQuery, setDisabledQuery, triggerSearchQuery, triggerSelectionQuery } from '../../../lib/api/schemas';

const query = (text: string) => new URLSearchParams(text);
const messageFor = (run: () => unknown): string => {
  try {
    run();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('parsed');
};

describe('executionSearchQuery', () => {
  it('reads repeated and comma-separated labels and states, with defaults for the rest', () => {
    expect(parseQuery(executionSearchQuery, query('labels=team:data,env:prod&labels=%20a%20:%20b%20&state=SUCCESS,FAILED&state=KILLED'))).toEqual({
      namespace: undefined,
      flowId: undefined,
      labels: [
        { key: 'team', value: 'data' },
        { key: 'env', value: 'prod' },
        { key: 'a ', value: ' b' },
      ],
      state: ['SUCCESS', 'FAILED', 'KILLED'],
      page: 1,
      size: 25,
    });
    expect(parseQuery(executionSearchQuery, query('namespace=dev&flowId=f&labels=a:b:c&page=2&size=10'))).toMatchObject({
      namespace: 'dev',
      flowId: 'f',
      labels: [{ key: 'a', value: 'b:c' }],
      page: 2,
      size: 10,
    });
  });

  it.each([
    ['labels=ab', 'labels[0]: expected key:value, got "ab"'],
    ['labels=:b', 'labels[0]: expected key:value, got ":b"'],
    ['labels=a:b,bad', 'labels[1]: expected key:value, got "bad"'],
    ['labels=a:b&labels=x', 'labels[1]: expected key:value, got "x"'],
    ['state=success', 'state: unknown state "success"; expected one of CREATED, RUNNING, SUCCESS, FAILED, KILLED'],
    ['labels=bad&state=NOPE', 'labels[0]: expected key:value, got "bad"'],
    ['state=NOPE&page=x', 'state: unknown state "NOPE"; expected one of CREATED, RUNNING, SUCCESS, FAILED, KILLED'],
    ['page=0', 'page: expected an integer from 1 to 100000, got "0"'],
    ['page=1.5', 'page: expected an integer from 1 to 100000, got "1.5"'],
    ['page=100001', 'page: expected an integer from 1 to 100000, got "100001"'],
    ['size=1001', 'size: expected an integer from 1 to 1000, got "1001"'],
    ['size=x&page=x', 'page: expected an integer from 1 to 100000, got "x"'],
    ['page=4001', 'page: expected page × size at most 100,000 (the deepest result a search reaches), got 4001 × 25; narrow the search with filters'],
    ['page=101&size=1000', 'page: expected page × size at most 100,000 (the deepest result a search reaches), got 101 × 1000; narrow the search with filters'],
  ])('refuses %s', (text, message) => {
    expect(messageFor(() => parseQuery(executionSearchQuery, query(text)))).toBe(message);
  });
});

it('accepts the deepest page a search reaches', () => {
  expect(parseQuery(executionSearchQuery, query('page=4000&size=25'))).toMatchObject({ page: 4000, size: 25 });
  expect(parseQuery(executionSearchQuery, query('page=100&size=1000'))).toMatchObject({ page: 100, size: 1000 });
});

describe('paging and selection queries', () => {
  it('default their page size per route and read the first of repeated single values', () => {
    expect(parseQuery(flowSearchQuery, query(''))).toEqual({ namespace: undefined, page: 1, size: 10 });
    expect(parseQuery(triggerSearchQuery, query('namespace=&flowId=f&page=2&page=x&size=1000'))).toEqual({
      namespace: undefined,
      flowId: 'f',
      page: 2,
      size: 1000,
    });
    expect(parseQuery(triggerSelectionQuery, query('namespace=dev'))).toEqual({ namespace: 'dev', flowId: undefined });
    expect(parseQuery(flowSearchQuery, query('page=&size='))).toEqual({ namespace: undefined, page: 1, size: 10 });
  });

  it('read disabled as Kestra does: true when absent', () => {
    expect(parseQuery(setDisabledQuery, query('')).disabled).toBe(true);
    expect(parseQuery(setDisabledQuery, query('disabled=false')).disabled).toBe(false);
    expect(messageFor(() => parseQuery(setDisabledQuery, query('disabled=TRUE')))).toBe('disabled: expected true or false, got "TRUE"');
    expect(messageFor(() => parseQuery(setDisabledQuery, query('disabled=')))).toBe('disabled: expected true or false, got ""');
  });
});
