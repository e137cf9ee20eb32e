import { type TextCondition, matchesAll } from './text-match';
import type { TriggerRef } from './trigger-state';

/**
 * Which triggers a Kestra 2.x search or by-query action takes (`filters[…]` on `triggers/search`,
 * `…/by-query`): every condition must hold. Read from the query by `triggerSelectionFromQuery`
 * (lib/api/kestra2/trigger-filters.ts).
 */
export interface TriggerSelection {
  namespace?: TextCondition[];
  flowId?: TextCondition[];
  triggerId?: TextCondition[];
  /** Found, whatever its case, in the namespace, the flow id or the trigger id (Kestra's `q`). */
  q?: string[];
  /** Only disabled triggers (true) or only enabled ones (false); both when absent. */
  disabled?: boolean;
}

/** Whether the selection takes this trigger. */
export function selectsTrigger(selection: TriggerSelection, trigger: TriggerRef & { disabled: boolean }): boolean {
  return (
    matchesAll(trigger.namespace, selection.namespace) &&
    matchesAll(trigger.flowId, selection.flowId) &&
    matchesAll(trigger.triggerId, selection.triggerId) &&
    (selection.q ?? []).every((text) =>
      [trigger.namespace, trigger.flowId, trigger.triggerId].some((name) => name.toLowerCase().includes(text.toLowerCase())),
    ) &&
    (selection.disabled === undefined || trigger.disabled === selection.disabled)
  );
}
