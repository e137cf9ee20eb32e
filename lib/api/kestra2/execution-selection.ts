import type { StateType } from '../../domain/execution';
import type { ExecutionTarget } from '../../domain/operation';
import { MAX_OPERATION_ITEMS } from '../../domain/operation';
import type { ExecutionStore, Clock } from '../../ports';
import type { HttpRequest } from '../http';
import { kestra2ExecutionActionQuery, parseQuery } from '../schemas';
import { executionQueryFromFilters } from './execution-filters';

/** Results read per search page while selecting: the search's own bound on a page. */
const SELECTION_PAGE = 1000;

/**
 * The executions a by-query action selects: those the executions search finds with the request's
 * `filters[…]` (and the 1.x parameters beside them), among those in `actionable` states (a kill
 * takes the unfinished, a restart the FAILED and KILLED, a replay the ended). A state filter narrows
 * that further. It reads search pages until it holds one more than an operation takes, so a
 * selection too large is refused (422) after reading at most MAX_OPERATION_ITEMS + 1 executions.
 * A backfill's executions not written yet (queued) are not in the search: kill them by id, or pause
 * or delete the backfill.
 */
export async function executionsSelectedByQuery(
  deps: { clock: Clock; executions: Pick<ExecutionStore, 'search'> },
  request: HttpRequest,
  actionable: readonly StateType[],
): Promise<ExecutionTarget[]> {
  const { state, labels, ...exact } = parseQuery(kestra2ExecutionActionQuery, request.query);
  const query = executionQueryFromFilters(request.query, { ...exact, labels, states: state }, deps.clock.now());
  if (!query) return [];
  const states = query.states?.length ? query.states.filter((s) => actionable.includes(s)) : [...actionable];
  if (!states.length) return [];
  const selected: ExecutionTarget[] = [];
  for (let page = 1; selected.length <= MAX_OPERATION_ITEMS; page++) {
    const found = await deps.executions.search({ ...query, states, page, size: SELECTION_PAGE });
    selected.push(...found.results.map((execution) => ({ executionId: execution.id })));
    if (found.results.length < SELECTION_PAGE) break;
  }
  return selected;
}
