/**
 * The DynamoDB tables, described once: the CDK stack builds them from this and the local default
 * creates the very same tables in dynalite, so key names and indexes cannot drift apart.
 */

export type KeyType = 'S' | 'N';

export interface KeyDef {
  name: string;
  type: KeyType;
}

export interface IndexDef {
  name: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  /** KEYS_ONLY for indexes that only count or list ids; INCLUDE adds `nonKeyAttributes`. */
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** With INCLUDE: the attributes copied into the index besides the keys. */
  nonKeyAttributes?: string[];
}

export interface TableDef {
  /** Logical name; the physical name comes from configuration. */
  logicalName: 'flows' | 'triggers' | 'executions' | 'logs';
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  indexes: IndexDef[];
}

const FLOWS_TABLE: TableDef = {
  logicalName: 'flows',
  partitionKey: { name: 'namespace', type: 'S' },
  sortKey: { name: 'id', type: 'S' },
  indexes: [],
};

const TRIGGERS_TABLE: TableDef = {
  logicalName: 'triggers',
  partitionKey: { name: 'flowKey', type: 'S' },
  sortKey: { name: 'triggerId', type: 'S' },
  indexes: [],
};

export const EXECUTIONS_BY_FLOW = 'byFlow';
export const EXECUTIONS_BY_NAMESPACE = 'byNamespace';
/**
 * What the two search indexes carry besides their keys: enough to filter (state, `key:value` labels,
 * flow) and to page, not the documents. A page of results is then read by id, so a search costs a
 * walk over small index entries plus one batched read of a page, whatever the number of executions.
 */
const EXECUTIONS_SEARCH_ATTRIBUTES = ['state', 'labelKeys', 'flowId'];
/**
 * Sparse: only unfinished executions carry `pendingOwner` (their backfill's id), sorted by
 * `pendingSort` = `<state>#<tick>#<id>`, so counting a backfill's queued or running work, up to its
 * cursor, reads only those items.
 */
export const EXECUTIONS_UNFINISHED = 'unfinished';
/** Sparse: only failed executions of a backfill carry `failedOwner` (sorted by `failedSort` = `<tick>#<id>`), so progress counts failures exactly. */
export const EXECUTIONS_FAILED = 'failed';

/**
 * Sparse: scheduled executions (live and backfilled) carry `tickOwner` = `<namespace>|<flowId>|<triggerId>`
 * and their `tickMs`, so a backfill that skips covered ticks reads the trigger's earlier executions
 * of a batch's ticks in one query.
 */
export const EXECUTIONS_BY_TICK = 'byTick';

export const EXECUTIONS_TABLE: TableDef = {
  logicalName: 'executions',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [
    {
      name: EXECUTIONS_BY_FLOW,
      partitionKey: { name: 'flowKey', type: 'S' },
      sortKey: { name: 'sortKey', type: 'S' },
      projection: 'INCLUDE',
      nonKeyAttributes: EXECUTIONS_SEARCH_ATTRIBUTES,
    },
    {
      name: EXECUTIONS_BY_NAMESPACE,
      partitionKey: { name: 'namespace', type: 'S' },
      sortKey: { name: 'sortKey', type: 'S' },
      projection: 'INCLUDE',
      nonKeyAttributes: EXECUTIONS_SEARCH_ATTRIBUTES,
    },
    { name: EXECUTIONS_UNFINISHED, partitionKey: { name: 'pendingOwner', type: 'S' }, sortKey: { name: 'pendingSort', type: 'S' }, projection: 'KEYS_ONLY' },
    { name: EXECUTIONS_FAILED, partitionKey: { name: 'failedOwner', type: 'S' }, sortKey: { name: 'failedSort', type: 'S' }, projection: 'KEYS_ONLY' },
    {
      name: EXECUTIONS_BY_TICK,
      partitionKey: { name: 'tickOwner', type: 'S' },
      sortKey: { name: 'tickMs', type: 'N' },
      projection: 'INCLUDE',
      nonKeyAttributes: ['state'],
    },
  ],
};

const LOGS_TABLE: TableDef = {
  logicalName: 'logs',
  partitionKey: { name: 'executionId', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  indexes: [],
};

export const ALL_TABLES: TableDef[] = [FLOWS_TABLE, TRIGGERS_TABLE, EXECUTIONS_TABLE, LOGS_TABLE];

export interface TableNames {
  flows: string;
  triggers: string;
  executions: string;
  logs: string;
}

export function flowKey(namespace: string, flowId: string): string {
  return `${namespace}|${flowId}`;
}

export function tickOwnerKey(namespace: string, flowId: string, triggerId: string): string {
  return `${namespace}|${flowId}|${triggerId}`;
}
