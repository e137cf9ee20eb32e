import { describe, expect, it } from 'vitest';
import { executionSearchQuery, flowTriggersQuery, logSearchQuery, triggerSearchQuery } from '../../../lib/ui/client/queries';

const entries = (params: URLSearchParams) => [...params.entries()];

describe('the UI’s Kestra 2.x search queries', () => {
  it('selects a namespace and those below it with a PREFIX filter, and every trigger without one', () => {
    expect(entries(triggerSearchQuery('dev'))).toEqual([
      ['size', '1000'],
      ['filters[namespace][PREFIX]', 'dev'],
    ]);
    expect(entries(triggerSearchQuery(''))).toEqual([['size', '1000']]);
  });

  it('asks for a flow’s trigger states in one page (the route’s default is 10)', () => {
    expect(flowTriggersQuery().get('size')).toBe('1000');
  });

  it('searches one flow’s executions with label and state filters, the label key in the third bracket', () => {
    const params = executionSearchQuery({
      namespace: 'dev.ui',
      flowId: 'every_minute',
      labels: ['reason:outage', 'url:https://x'],
      state: 'SUCCESS',
      page: 2,
      size: 25,
    });
    expect(entries(params)).toEqual([
      ['filters[namespace][EQUALS]', 'dev.ui'],
      ['filters[flowId][EQUALS]', 'every_minute'],
      ['filters[labels][EQUALS][reason]', 'outage'],
      ['filters[labels][EQUALS][url]', 'https://x'], // split at the first colon only
      ['filters[state][EQUALS]', 'SUCCESS'],
      ['page', '2'],
      ['size', '25'],
    ]);
    // As the browser sends it: brackets encoded, decoded back by the server's URLSearchParams.
    expect(params.toString()).toContain('filters%5Blabels%5D%5BEQUALS%5D%5Breason%5D=outage');
  });

  it('sends a label without a key as typed (the server’s 422 says what it expected) and no state filter for any state', () => {
    const params = executionSearchQuery({ namespace: 'dev', flowId: 'f', labels: ['outage', ':x'], state: '', page: 1, size: 10 });
    expect(params.getAll('filters[labels][EQUALS]')).toEqual(['outage', ':x']);
    expect(params.has('filters[state][EQUALS]')).toBe(false);
  });

  it('reads an execution’s log from its start, then after the cursor', () => {
    expect(entries(logSearchQuery('abc'))).toEqual([
      ['filters[executionId][EQUALS]', 'abc'],
      ['size', '1000'],
    ]);
    expect(logSearchQuery('abc', '41').get('cursor')).toBe('41');
  });
});
