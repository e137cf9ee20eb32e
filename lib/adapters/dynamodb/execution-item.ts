import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type Execution, type ExecutionOrigin, TERMINAL_STATES } from '../../domain/execution';
import type { StoredExecution } from '../../ports';
import { type Item, n, num, s, str } from './client';
import { flowKey, tickOwnerKey } from './tables';

/** Owner recorded on unfinished executions that no backfill created (live schedule, API). */
const NO_BACKFILL_OWNER = '-';

/** A tick as a fixed-width string, so sort keys order by tick and a cursor bounds them. */
export function tickKey(tickMs: number | undefined): string {
  return String(tickMs ?? 0).padStart(15, '0');
}

/** `pendingSort` of an unfinished execution: `<state>#<tick>#<id>` (see EXECUTIONS_UNFINISHED). */
export function pendingSort(state: string, origin: ExecutionOrigin, id: string): string {
  return `${state}#${tickKey(origin.tickMs)}#${id}`;
}

/** `failedSort` of a failed backfill execution: `<tick>#<id>` (see EXECUTIONS_FAILED). */
export function failedSort(stored: StoredExecution): string {
  return `${tickKey(stored.origin.tickMs)}#${stored.execution.id}`;
}

/** The primary key of an execution's item. */
export function executionKey(id: string): Item {
  return { id: s(id) };
}

/** The Kestra document an item carries as JSON in `doc`. */
export function documentOf(item: Item): Execution {
  return JSON.parse(str(item, 'doc') ?? '{}') as Execution;
}

/**
 * The item of a new execution: Kestra's document as JSON plus the attributes conditions and
 * indexes key on, the sparse ones (`pendingOwner`, `failedOwner`, `tickOwner`) only where they apply.
 */
export function toExecutionItem(stored: StoredExecution): Item {
  const { execution, origin } = stored;
  const item: Item = {
    id: s(execution.id),
    namespace: s(execution.namespace),
    flowId: s(execution.flowId),
    flowKey: s(flowKey(execution.namespace, execution.flowId)),
    sortKey: s(`${execution.state.startDate}#${execution.id}`),
    state: s(execution.state.current),
    doc: s(JSON.stringify(execution)),
  };
  const labelKeys = searchLabelKeys(execution.labels);
  if (labelKeys) item.labelKeys = labelKeys;
  if (!TERMINAL_STATES.has(execution.state.current)) {
    item.pendingOwner = s(origin.backfillId ?? origin.liveOwner ?? NO_BACKFILL_OWNER);
    item.pendingSort = s(pendingSort(execution.state.current, origin, execution.id));
  }
  if (origin.backfillId) item.backfillId = s(origin.backfillId);
  if (origin.liveOwner) item.liveOwner = s(origin.liveOwner);
  if (origin.backfillId && execution.state.current === 'FAILED') {
    item.failedOwner = s(origin.backfillId);
    item.failedSort = s(failedSort(stored));
  }
  if (origin.tickMs !== undefined) {
    item.tickMs = n(origin.tickMs);
    if (execution.trigger?.id) item.tickOwner = s(tickOwnerKey(execution.namespace, execution.flowId, execution.trigger.id));
  }
  return item;
}

/** The execution an item holds, with the origin its attributes record. */
export function fromExecutionItem(item: Item): StoredExecution {
  return {
    execution: documentOf(item),
    origin: { backfillId: str(item, 'backfillId'), liveOwner: str(item, 'liveOwner'), tickMs: num(item, 'tickMs') },
  };
}

/** A label as search filters name it, `key:value` (keys never contain `:`, see LABEL_KEY_PATTERN). */
export function labelKey(label: { key: string; value: string }): string {
  return `${label.key}:${label.value}`;
}

/** The `labelKeys` string set search filters use; none without labels (DynamoDB refuses empty sets). */
export function searchLabelKeys(labels: { key: string; value: string }[]): AttributeValue | undefined {
  return labels.length ? { SS: [...new Set(labels.map(labelKey))] } : undefined;
}
