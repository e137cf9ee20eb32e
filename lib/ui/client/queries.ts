/**
 * The query strings of the Kestra 2.x searches the UI calls, with their `filters[FIELD][OP]=VALUE`
 * conditions. Pure, so their exact form is unit-tested without a browser.
 */

/** Triggers wanted on a page: far more than a page of triggers a person reads, within the search's largest page. */
const TRIGGERS_PAGE_SIZE = 1000;
/** Log lines per read: the largest page the 2.x logs search serves. */
const LOG_PAGE_SIZE = 1000;

/**
 * `GET main/triggers/search`: every trigger, or those of `namespace` and the namespaces below it
 * (PREFIX, as the UI's namespace filter always meant), by name.
 */
export function triggerSearchQuery(namespace: string): URLSearchParams {
  const params = new URLSearchParams({ size: String(TRIGGERS_PAGE_SIZE) });
  if (namespace) params.set('filters[namespace][PREFIX]', namespace);
  return params;
}

/** `GET main/triggers/{namespace}/{flowId}`: all of a flow's trigger states in one page. */
export function flowTriggersQuery(): URLSearchParams {
  return new URLSearchParams({ size: String(TRIGGERS_PAGE_SIZE) });
}

export interface ExecutionSearch {
  namespace: string;
  flowId: string;
  /** As typed in the filter, `key:value` each. */
  labels: string[];
  /** One state, or empty for any. */
  state: string;
  page: number;
  size: number;
}

/**
 * `GET main/executions/search` of one flow: a label `key:value` becomes `filters[labels][EQUALS][key]=value`
 * (split at the first colon, so a value may hold colons); one without a colon is sent as typed, and
 * the server's 422 says what it expected.
 */
export function executionSearchQuery(q: ExecutionSearch): URLSearchParams {
  const params = new URLSearchParams({
    'filters[namespace][EQUALS]': q.namespace,
    'filters[flowId][EQUALS]': q.flowId,
  });
  for (const label of q.labels) {
    const colon = label.indexOf(':');
    if (colon > 0) params.append(`filters[labels][EQUALS][${label.slice(0, colon)}]`, label.slice(colon + 1));
    else params.append('filters[labels][EQUALS]', label);
  }
  if (q.state) params.set('filters[state][EQUALS]', q.state);
  params.set('page', String(q.page));
  params.set('size', String(q.size));
  return params;
}

/** `GET main/logs/search`: an execution's lines after `cursor` (from the start without one). */
export function logSearchQuery(executionId: string, cursor?: string): URLSearchParams {
  const params = new URLSearchParams({ 'filters[executionId][EQUALS]': executionId, size: String(LOG_PAGE_SIZE) });
  if (cursor) params.set('cursor', cursor);
  return params;
}
