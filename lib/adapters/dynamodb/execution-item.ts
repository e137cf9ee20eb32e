import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type Execution, type ExecutionOrigin, type KillRequest, TERMINAL_STATES } from '../../domain/execution';
import type { LogEntry, LogLine, StoredExecution } from '../../ports';
import { liveOwner } from '../../domain/ids';
import { backfillOfPage } from '../../domain/ledger';
import { type Item, n, num, s, str } from './client';
import type { IndexedExecution } from './search-checkpoints';
import { EXECUTION_KILL_BY, EXECUTION_KILL_FLAG, flowKey, shardOf, tickOwnerKey } from './tables';

/** Owner recorded on unfinished executions that no backfill created (live schedule, API). */
const NO_BACKFILL_OWNER = '-';

/**
 * Documents up to this many bytes are stored as JSON text (`doc`), readable in the console; larger
 * ones deflated (`docz`). DynamoDB bills a write unit per started KB of the item, and every write of an
 * execution rewrites its document: a finished execution's JSON (about 1.2 KB) deflates to about 450
 * bytes, which keeps the whole item, index attributes included, under one KB.
 */
const DOC_INLINE_BYTES = 512;

/** A tick as a fixed-width string, so sort keys order by tick and a cursor bounds them. */
function tickKey(tickMs: number | undefined): string {
  return String(tickMs ?? 0).padStart(15, '0');
}

/** `pendingTick` of an unfinished execution: `<tick>#<id>` (see EXECUTIONS_UNFINISHED); it never changes. */
function pendingTick(origin: ExecutionOrigin, id: string): string {
  return `${tickKey(origin.tickMs)}#${id}`;
}

/** `sortKey` of an execution's search index entry: `<startDate>#<id>` (see EXECUTIONS_SEARCH); it never changes. */
function searchSortKey(execution: Execution): string {
  return `${execution.state.startDate}#${execution.id}`;
}

/** The execution id a search `sortKey` ends with (dates have no `#`). */
export function idInSortKey(sortKey: string): string {
  return sortKey.slice(sortKey.indexOf('#') + 1);
}

/** An execution as its search index entry places and filters it (what search checkpoints account for). */
export function indexedExecution(execution: Execution): IndexedExecution {
  return {
    flow: flowKey(execution.namespace, execution.flowId),
    id: execution.id,
    sortKey: searchSortKey(execution),
    state: execution.state.current,
    labelKeys: [...new Set(execution.labels.map(labelKey))],
    triggerId: execution.trigger?.id,
    endDate: execution.state.endDate,
  };
}

/** `<owner>|<shard>` of a sharded index entry of execution `id`. */
function shardKey(owner: string, id: string): string {
  return `${owner}|${shardOf(id)}`;
}

/** The owner of an unfinished execution in the unfinished index. */
function pendingOwnerOf(origin: ExecutionOrigin): string {
  return origin.backfillId ?? origin.liveOwner ?? NO_BACKFILL_OWNER;
}

/**
 * The unfinished index's attributes of a restarted execution: under its trigger's live owner (or none's),
 * which the sweep reads whatever became of the backfill that made it.
 */
export function restartedPendingAttributes(stored: StoredExecution): Item {
  const { execution, origin } = stored;
  const trigger = execution.trigger;
  const owner =
    origin.liveOwner ?? (trigger ? liveOwner({ namespace: execution.namespace, flowId: execution.flowId, triggerId: trigger.id }) : NO_BACKFILL_OWNER);
  return { pendingShard: s(shardKey(owner, execution.id)), pendingTick: s(pendingTick(origin, execution.id)) };
}

/** The primary key of an execution's item. */
export function executionKey(id: string): Item {
  return { id: s(id) };
}

/** The document attribute of an item: `doc` (JSON) or `docz` (deflated JSON), whichever `encodeDocument` chose. */
export type DocumentAttribute = { name: 'doc' | 'docz'; value: AttributeValue; other: 'doc' | 'docz' };

function encodeDocument(execution: Execution): DocumentAttribute {
  const json = JSON.stringify(execution);
  if (Buffer.byteLength(json) <= DOC_INLINE_BYTES) return { name: 'doc', value: s(json), other: 'docz' };
  return { name: 'docz', value: { B: deflateRawSync(json) }, other: 'doc' };
}

/** The Kestra document an item carries, from `doc` or `docz`. */
export function documentOf(item: Item): Execution {
  const deflated = item.docz?.B;
  const json = deflated ? inflateRawSync(deflated).toString('utf8') : (str(item, 'doc') ?? '{}');
  return JSON.parse(json) as Execution;
}

/**
 * The attributes the search index filters on that follow the document: `triggerId` (it never
 * changes, but an item written before it was an attribute lacks it) and `endMs`, the end date in
 * epoch milliseconds (set when the execution ends, gone when it is restarted). Absent when the
 * document has none. A number rather than the ISO text: 13 bytes instead of 31, which keeps a `Log`
 * execution's item under the 1 KB of one write unit (docs/tables.md).
 */
export function attributesFollowingDocument(execution: Execution): { triggerId?: AttributeValue; endMs?: AttributeValue } {
  const { trigger, state } = execution;
  return { triggerId: trigger && s(trigger.id), endMs: state.endDate === undefined ? undefined : n(Date.parse(state.endDate)) };
}

/**
 * What an update that rewrites the document sets (`SET <doc> = :doc, triggerId = :triggerId, …`) and
 * removes (the other encoding, which an earlier write may have used, and the attributes that follow
 * the document where it has none). Every write of a document goes through here, so the search
 * index's trigger id and end date are always the document's: a write that leaves them as they were
 * costs no index write (DynamoDB writes an index entry only when what it holds changes).
 */
export function documentUpdate(execution: Execution): { set: string; remove: string; values: Item } {
  const doc = encodeDocument(execution);
  const set = [`${doc.name} = :doc`];
  const remove: string[] = [doc.other];
  const values: Item = { ':doc': doc.value };
  for (const [name, value] of Object.entries(attributesFollowingDocument(execution))) {
    if (value === undefined) remove.push(name);
    else {
      set.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
  }
  return { set: set.join(', '), remove: remove.join(', '), values };
}

/**
 * The item of a new execution: Kestra's document plus the attributes conditions and indexes key on,
 * the sparse ones (`pendingShard`, `tickShard`) only where they apply.
 */
export function toExecutionItem(stored: StoredExecution): Item {
  const { execution, origin } = stored;
  const doc = encodeDocument(execution);
  const item: Item = {
    id: s(execution.id),
    searchShard: s(shardKey(flowKey(execution.namespace, execution.flowId), execution.id)),
    sortKey: s(searchSortKey(execution)),
    state: s(execution.state.current),
    [doc.name]: doc.value,
  };
  const labelKeys = searchLabelKeys(execution.labels);
  if (labelKeys) item.labelKeys = labelKeys;
  for (const [name, value] of Object.entries(attributesFollowingDocument(execution))) if (value !== undefined) item[name] = value;
  if (!TERMINAL_STATES.has(execution.state.current)) {
    item.pendingShard = s(shardKey(pendingOwnerOf(origin), execution.id));
    item.pendingTick = s(pendingTick(origin, execution.id));
  }
  // A ledger page's id begins with its backfill's: the item names the backfill only when it has no
  // page (32 bytes saved, see attributesFollowingDocument).
  if (origin.backfillId && (!origin.page || backfillOfPage(origin.page.id) !== origin.backfillId)) item.backfillId = s(origin.backfillId);
  if (origin.liveOwner) item.liveOwner = s(origin.liveOwner);
  if (origin.page) {
    item.pageId = s(origin.page.id);
    item.pageSlot = n(origin.page.slot);
  }
  if (stored.releasedRuns) item.releasedRuns = n(stored.releasedRuns);
  if (stored.killed) Object.assign(item, killAttributes(stored.killed));
  if (stored.logs?.length) item.logz = encodeLogs(execution, stored.logs);
  if (origin.tickMs !== undefined) {
    item.tickMs = n(origin.tickMs);
    if (execution.trigger?.id) item.tickShard = s(tickShardKey(execution.namespace, execution.flowId, execution.trigger.id, origin.tickMs));
  }
  return item;
}

/** `tickShard` of a scheduled execution: its trigger and a shard derived from the tick, so every run of one tick shares a key. */
function tickShardKey(namespace: string, flowId: string, triggerId: string, tickMs: number): string {
  return `${tickOwnerKey(namespace, flowId, triggerId)}|${shardOf(String(tickMs))}`;
}

/** The registry item saying that flow `flowId` of `namespace` has executions (see EXECUTION_FLOWS). */
export function flowRegistryItem(namespace: string, flowId: string): Item {
  return { id: s(`~flow|${flowKey(namespace, flowId)}`), registryNamespace: s(namespace), registryFlowId: s(flowId) };
}

/** Whether an item is an execution (not a registry item). */
export function isExecutionItem(item: Item): boolean {
  return item.doc !== undefined || item.docz !== undefined;
}

/** The execution an item holds, with the origin its attributes record and the log lines kept with it. */
export function fromExecutionItem(item: Item): StoredExecution {
  const execution = documentOf(item);
  const pageId = str(item, 'pageId');
  const pageSlot = num(item, 'pageSlot');
  const stored: StoredExecution = {
    execution,
    origin: {
      backfillId: str(item, 'backfillId') ?? (pageId === undefined ? undefined : backfillOfPage(pageId)),
      liveOwner: str(item, 'liveOwner'),
      tickMs: num(item, 'tickMs'),
      ...(pageId !== undefined && pageSlot !== undefined ? { page: { id: pageId, slot: pageSlot } } : {}),
    },
  };
  const releasedRuns = num(item, 'releasedRuns');
  if (releasedRuns) stored.releasedRuns = releasedRuns;
  const killed = killRequestOfItem(item);
  if (killed) stored.killed = killed;
  if (item.logz?.B) stored.logs = expandLogs(execution, JSON.parse(inflateRawSync(item.logz.B).toString('utf8')) as CompactLogLine[]);
  return stored;
}

/** The kill request an item carries (see KillRequest), if any. */
export function killRequestOfItem(item: Item): KillRequest | undefined {
  const at = str(item, EXECUTION_KILL_FLAG);
  return at === undefined ? undefined : { at, by: str(item, EXECUTION_KILL_BY) ?? 'unknown' };
}

/** The attributes that store a kill request. */
function killAttributes(request: KillRequest): Item {
  return { [EXECUTION_KILL_FLAG]: s(request.at), [EXECUTION_KILL_BY]: s(request.by) };
}

/**
 * A log line kept with its execution, without the fields whose value its execution already names
 * (they come back on reading); `null` stands for a field the line lacks where the execution has one.
 */
type CompactLogLine = { seq: number } & { [K in keyof LogEntry]?: LogEntry[K] | null };

/** `logz`: the lines deflated, each without the namespace, flow, execution and trigger its execution names. */
export function encodeLogs(execution: Execution, lines: LogLine[]): AttributeValue {
  const base = logBase(execution);
  const compact = lines.map(({ seq, entry }): CompactLogLine => {
    const line: CompactLogLine = { seq, ...entry };
    for (const key of Object.keys(base) as (keyof typeof base)[]) {
      if (line[key] === base[key]) delete line[key];
      else if (line[key] === undefined) line[key] = null;
    }
    return line;
  });
  return { B: deflateRawSync(JSON.stringify(compact)) };
}

function expandLogs(execution: Execution, compact: CompactLogLine[]): LogLine[] {
  const base = logBase(execution);
  return compact.map(({ seq, ...rest }) => {
    const entry: Record<string, unknown> = { ...base, ...rest };
    for (const key of Object.keys(entry)) if (entry[key] === null || entry[key] === undefined) delete entry[key];
    return { seq, entry: entry as unknown as LogEntry };
  });
}

function logBase(execution: Execution): Pick<LogEntry, 'namespace' | 'flowId' | 'executionId' | 'triggerId'> {
  return { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, triggerId: execution.trigger?.id };
}

/** A label as search filters name it, `key:value` (keys never contain `:`, see LABEL_KEY_PATTERN). */
export function labelKey(label: { key: string; value: string }): string {
  return `${label.key}:${label.value}`;
}

/** The `labelKeys` string set search filters use; none without labels (DynamoDB refuses empty sets). */
function searchLabelKeys(labels: { key: string; value: string }[]): AttributeValue | undefined {
  return labels.length ? { SS: [...new Set(labels.map(labelKey))] } : undefined;
}
