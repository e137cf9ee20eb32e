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
  logicalName: 'flows' | 'flowRevisions' | 'triggers' | 'executions' | 'logs' | 'operations';
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  indexes: IndexDef[];
  /** The attribute DynamoDB's TTL deletes items by (epoch seconds); dynalite has no TTL, so readers check it too. */
  timeToLiveAttribute?: string;
}

const FLOWS_TABLE: TableDef = {
  logicalName: 'flows',
  partitionKey: { name: 'namespace', type: 'S' },
  sortKey: { name: 'id', type: 'S' },
  indexes: [],
};

/**
 * Every revision of a flow that was replaced or deleted, as it was (`flowKey` = `<namespace>|<flowId>`,
 * `revision`): written once, before the flow's item moves past it, and never changed. The current
 * revision lives only in `flows`: a backfill pinned to a revision reads it here once the flow moved on.
 */
const FLOW_REVISIONS_TABLE: TableDef = {
  logicalName: 'flowRevisions',
  partitionKey: { name: 'flowKey', type: 'S' },
  sortKey: { name: 'revision', type: 'N' },
  indexes: [],
};

const TRIGGERS_TABLE: TableDef = {
  logicalName: 'triggers',
  partitionKey: { name: 'flowKey', type: 'S' },
  sortKey: { name: 'triggerId', type: 'S' },
  indexes: [],
};

/**
 * Every index whose writes follow a backfill's pace is sharded: its partition key ends with `|<shard>`,
 * the shard a stable hash of the execution id (or of the tick, for `byTickShard`). DynamoDB cannot split
 * a partition key whose sort keys only grow, and one partition key takes at most 1,000 write units a
 * second, so a single key per backfill or per flow would cap a backfill near 250 executions a second.
 * With 8 shards the hottest key takes an eighth of an index's writes; readers query every shard and
 * merge (8 small queries, in parallel where order does not matter).
 */
export const EXECUTION_SHARDS = 8;

/**
 * The executions search, newest first per flow: partition `searchShard` = `<namespace>|<flowId>|<shard>`,
 * sorted by `sortKey` = `<startDate>#<id>`. It carries what filters need (state, `key:value` labels,
 * the trigger id, the end date in epoch ms) and no document: a page is read by id afterwards.
 *
 * `V2`: the index of earlier versions, `searchByFlow`, projected only state and labels. A deployed
 * index's projection cannot change, so this one replaced it under a new name (docs/tables.md, Upgrading).
 */
export const EXECUTIONS_SEARCH = 'searchByFlowV2';
const EXECUTIONS_SEARCH_ATTRIBUTES = ['state', 'labelKeys', 'triggerId', 'endMs'];
/**
 * Sparse: only unfinished executions carry `pendingShard` = `<owner>|<shard>` (owner: their backfill's
 * id, or the live schedule's), sorted by `pendingTick` = `<tick>#<id>`, which never changes: claiming an
 * execution rewrites only the projected `state`, one write unit, not a delete and a put.
 */
export const EXECUTIONS_UNFINISHED = 'unfinishedByOwner';
/**
 * Sparse: scheduled executions (live and backfilled) carry `tickShard` = `<namespace>|<flowId>|<triggerId>|<shard>`
 * (shard from the tick) and their `tickMs`. Keys only, written once at creation: a backfill that skips
 * covered ticks reads the ids of a batch's earlier executions here, then their states by id.
 */
export const EXECUTIONS_BY_TICK = 'byTickShard';
/**
 * Sparse: one small registry item per flow that has executions (`registryNamespace`, `registryFlowId`),
 * written when a flow's executions are created (at most once per batch). It tells a search over a
 * namespace, or over everything, which flows' search partitions to merge, without an index keyed on
 * the namespace that every execution of every flow would write to.
 */
export const EXECUTION_FLOWS = 'flowsByNamespace';

/**
 * The kill flag of an execution item (`killAt`, the request's ISO time): the one attribute a task
 * runner may read (on AWS its role may GetItem only this and the key, see cdk/constructs/backfill-functions.ts).
 * Who asked (`killBy`) lives in another attribute, which only the worker and the API read.
 */
export const EXECUTION_KILL_FLAG = 'killAt';
export const EXECUTION_KILL_BY = 'killBy';

export const EXECUTIONS_TABLE: TableDef = {
  logicalName: 'executions',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [
    {
      name: EXECUTIONS_SEARCH,
      partitionKey: { name: 'searchShard', type: 'S' },
      sortKey: { name: 'sortKey', type: 'S' },
      projection: 'INCLUDE',
      nonKeyAttributes: EXECUTIONS_SEARCH_ATTRIBUTES,
    },
    {
      name: EXECUTIONS_UNFINISHED,
      partitionKey: { name: 'pendingShard', type: 'S' },
      sortKey: { name: 'pendingTick', type: 'S' },
      projection: 'INCLUDE',
      nonKeyAttributes: ['state'],
    },
    { name: EXECUTIONS_BY_TICK, partitionKey: { name: 'tickShard', type: 'S' }, sortKey: { name: 'tickMs', type: 'N' }, projection: 'KEYS_ONLY' },
    {
      name: EXECUTION_FLOWS,
      partitionKey: { name: 'registryNamespace', type: 'S' },
      sortKey: { name: 'registryFlowId', type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
};

const LOGS_TABLE: TableDef = {
  logicalName: 'logs',
  partitionKey: { name: 'executionId', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  indexes: [],
};

/**
 * Asynchronous bulk operations (Kestra 2.x's 202 `{operationId, totalItems}`): one small head item
 * per operation (`id`), and its triggers in parts (`id` = `<operation id>/<part>`), every item
 * expiring a week after the operation was created (`expiresAt`, DynamoDB's TTL).
 */
const OPERATIONS_TABLE: TableDef = {
  logicalName: 'operations',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [],
  timeToLiveAttribute: 'expiresAt',
};

export const ALL_TABLES: TableDef[] = [FLOWS_TABLE, FLOW_REVISIONS_TABLE, TRIGGERS_TABLE, EXECUTIONS_TABLE, LOGS_TABLE, OPERATIONS_TABLE];

export interface TableNames {
  flows: string;
  flowRevisions: string;
  triggers: string;
  executions: string;
  logs: string;
  operations: string;
}

export function flowKey(namespace: string, flowId: string): string {
  return `${namespace}|${flowId}`;
}

export function tickOwnerKey(namespace: string, flowId: string, triggerId: string): string {
  return `${namespace}|${flowId}|${triggerId}`;
}

/** The shard (0 … EXECUTION_SHARDS-1) of a value: FNV-1a, stable across processes and versions. */
export function shardOf(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % EXECUTION_SHARDS;
}

/** `<prefix>|<shard>` for every shard: the partition keys a reader of a sharded index queries. */
export function allShards(prefix: string): string[] {
  return Array.from({ length: EXECUTION_SHARDS }, (_, shard) => `${prefix}|${shard}`);
}
