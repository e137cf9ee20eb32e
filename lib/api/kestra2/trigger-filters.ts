import { ValidationError } from '../../domain/flow/errors';
import type { TriggerSelection } from '../../domain/trigger-selection';
import { type FilterRules, NAME_OPERATIONS, type QueryFilter, filtersOn, parseFilters, singleValue, textCondition } from './filters';

/** Kestra serves no PREFIX on trigger ids (no dots in them to mean a hierarchy). */
const TRIGGER_ID_OPERATIONS = NAME_OPERATIONS.filter((operation) => operation !== 'PREFIX');

/** `triggerState`'s values: whether the trigger is switched on. */
const TRIGGER_STATES = ['ENABLED', 'DISABLED'];

type TriggerField = 'q' | 'namespace' | 'flowId' | 'triggerId' | 'triggerState';

/** The filters of `triggers/search`, of the trigger CSV export and of the trigger by-query actions. */
export const TRIGGER_FILTERS: FilterRules<TriggerField> = {
  resource: 'the triggers search',
  fields: {
    q: ['EQUALS'],
    namespace: NAME_OPERATIONS,
    flowId: NAME_OPERATIONS,
    triggerId: TRIGGER_ID_OPERATIONS,
    triggerState: ['EQUALS', 'NOT_EQUALS'],
  },
  refused: {
    workerId: 'no worker holds a trigger here (every trigger is a Schedule evaluated by the service)',
    startDate: 'triggers have no start date here; filter executions by startDate instead',
    endDate: 'triggers have no end date here; filter executions by startDate instead',
  },
};

/**
 * The triggers a Kestra 2.x query selects (`filters[namespace][PREFIX]=dev&filters[triggerId][EQUALS]=schedule`),
 * for `triggers/search`, the CSV export and the by-query bulk actions alike. A field or operation not
 * served is a ValidationError naming the parameter (422 on the 2.x routes), so nothing acts on more
 * triggers than were asked for. No filter selects every trigger.
 */
export function triggerSelectionFromQuery(query: URLSearchParams): TriggerSelection {
  const filters = parseFilters(query, TRIGGER_FILTERS);
  const selection: TriggerSelection = {};
  for (const field of ['namespace', 'flowId', 'triggerId'] as const) {
    const conditions = filtersOn(filters, field).map(textCondition);
    if (conditions.length) selection[field] = conditions;
  }
  const q = filtersOn(filters, 'q').map(singleValue);
  if (q.length) selection.q = q;
  for (const filter of filtersOn(filters, 'triggerState')) {
    const disabled = triggerStateIsDisabled(filter) !== (filter.operation === 'NOT_EQUALS');
    if (selection.disabled !== undefined && selection.disabled !== disabled) {
      throw new ValidationError(filter.param, 'contradicts an earlier triggerState filter: no trigger is both enabled and disabled');
    }
    selection.disabled = disabled;
  }
  return selection;
}

function triggerStateIsDisabled(filter: QueryFilter): boolean {
  const value = singleValue(filter).toUpperCase();
  if (!TRIGGER_STATES.includes(value)) throw new ValidationError(filter.param, `expected ${TRIGGER_STATES.join(' or ')}, got "${singleValue(filter)}"`);
  return value === 'DISABLED';
}

/**
 * The 1.x parameters the trigger searches and by-query actions took under `/api/v1/main`
 * (`namespace`: it and the namespaces below it; `flowId`: exactly), as conditions beside the filters,
 * so a 1.x call there selects what it always did.
 */
export function withLegacy(selection: TriggerSelection, { namespace, flowId }: { namespace?: string; flowId?: string }): TriggerSelection {
  return {
    ...selection,
    ...(namespace ? { namespace: [...(selection.namespace ?? []), { operation: 'PREFIX', values: [namespace] }] } : {}),
    ...(flowId ? { flowId: [...(selection.flowId ?? []), { operation: 'EQUALS', values: [flowId] }] } : {}),
  };
}
