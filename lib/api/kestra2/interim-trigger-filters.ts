/**
 * INTERIM: a minimal reader of Kestra 2.x's `filters[FIELD][OP]=VALUE` for the trigger by-query
 * actions, until the general parser (branch kestra2-filters: lib/api/kestra2/filters.ts and
 * trigger-filters.ts, lib/domain/trigger-selection.ts) is merged. It exports the same two names
 * with the same signatures (`triggerSelectionFromQuery`, `selectsTrigger`), so replacing it is
 * changing the routes' imports and deleting this file.
 *
 * Served: `namespace` with EQUALS, PREFIX (the namespace and those below it) or STARTS_WITH (text
 * prefix), `flowId` and `triggerId` with EQUALS. Anything else under `filters` is refused by name,
 * so a by-query action never acts on more triggers than were asked for. No filter selects every trigger.
 */
import { ValidationError } from '../../domain/flow/errors';
import { inNamespace } from '../../domain/namespaces';
import type { TriggerRef } from '../../domain/trigger-state';

type Field = 'namespace' | 'flowId' | 'triggerId';
type Operation = 'EQUALS' | 'PREFIX' | 'STARTS_WITH';

const SERVED: Record<Field, readonly Operation[]> = {
  namespace: ['EQUALS', 'PREFIX', 'STARTS_WITH'],
  flowId: ['EQUALS'],
  triggerId: ['EQUALS'],
};

const FILTER_PARAM = /^filters\[([^\][]*)\]\[([^\][]*)\]$/;

interface Condition {
  field: Field;
  operation: Operation;
  value: string;
}

/** Which triggers a query selects: every condition must hold. */
export interface TriggerSelection {
  conditions: Condition[];
}

export function triggerSelectionFromQuery(query: URLSearchParams): TriggerSelection {
  const conditions: Condition[] = [];
  for (const [param, value] of query) {
    if (!param.startsWith('filters')) continue;
    const shown = param.length > 200 ? `${param.slice(0, 200)}…` : param;
    const [, field = '', operation = ''] = FILTER_PARAM.exec(param) ?? [];
    if (!(field in SERVED)) {
      throw new ValidationError(shown, `the trigger by-query actions filter on ${Object.keys(SERVED).join(', ')} (expected filters[FIELD][OPERATION]=VALUE)`);
    }
    const served = SERVED[field as Field];
    if (!served.includes(operation as Operation)) throw new ValidationError(shown, `${field} is filtered with ${served.join(', ')}, not "${operation}"`);
    if (value.trim() === '') throw new ValidationError(shown, 'expected a non-empty value');
    conditions.push({ field: field as Field, operation: operation as Operation, value: value.trim() });
  }
  return { conditions };
}

export function selectsTrigger(selection: TriggerSelection, trigger: TriggerRef): boolean {
  return selection.conditions.every(({ field, operation, value }) => {
    const name = trigger[field];
    if (operation === 'PREFIX') return inNamespace(name, value);
    if (operation === 'STARTS_WITH') return name.startsWith(value);
    return name === value;
  });
}
