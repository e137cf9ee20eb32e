import {
  type Execution,
  type KillRequest,
  RESTARTABLE_STATES,
  type StateType,
  TERMINAL_STATES,
  killedState,
  restartedState,
  transition,
} from '../../../lib/domain/execution';
import { toExecutionItem } from '../../../lib/adapters/dynamodb/execution-item';
import { itemSize } from '../../../lib/adapters/dynamodb/item-size';
import { liveOwner } from '../../../lib/domain/ids';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { matchesAll, optionalMatchesAll } from '../../../lib/domain/text-match';
import { SEARCH_LIMITS, type SearchLimits, countTarget } from '../../../lib/domain/search-limits';
import type {
  ClaimResult,
  ExecutionQuery,
  ExecutionSearchResult,
  ExecutionStore,
  KillResult,
  LogLine,
  RestartResult,
  StoredExecution,
} from '../../../lib/ports';

/** Owner recorded on unfinished executions that no backfill created (as the adapter's NO_BACKFILL_OWNER). */
const NO_BACKFILL_OWNER = '-';

/**
 * An execution as DynamoExecutionStore writes its item: the document as JSON plus the attributes
 * that conditions and the indexes read. The indexes are not kept apart: each query filters the
 * items on the attribute that makes an item appear in that (sparse) index, which is what an index
 * is, minus eventual consistency.
 */
interface Item {
  id: string;
  namespace: string;
  flowId: string;
  /** The search indexes' sort key: `<startDate>#<id>`, fixed at creation. */
  sortKey: string;
  state: StateType;
  doc: string;
  labelKeys?: Set<string>;
  backfillId?: string;
  liveOwner?: string;
  tickMs?: number;
  /** The tick index: `<namespace>|<flowId>|<triggerId>` of scheduled executions (the adapter adds a shard). */
  tickOwner?: string;
  /** The unfinished index's owner, while CREATED or RUNNING (the adapter adds a shard; its sort key is the tick). */
  pendingOwner?: string;
  /** The ledger page that sent it, and its slot there. */
  page?: { id: string; slot: number };
  leaseToken?: string;
  leaseUntil?: number;
  /** Runs released after an infrastructure error (the adapter's `releasedRuns`). */
  releasedRuns?: number;
  /** Log lines kept with the execution (JSON), written by `finish`. */
  logs?: string;
  /** A kill request (the adapter's `killAt`, `killBy`). */
  killed?: KillRequest;
}

/**
 * ExecutionStore in memory, with DynamoExecutionStore's semantics: leases and conditional writes,
 * claim outcomes, counts and progress read the way the sparse indexes answer them, search newest
 * first with the same filters and paging. test/contract/execution-store.contract.ts runs against both.
 */
export class InMemoryExecutionStore implements ExecutionStore {
  private readonly items = new Map<string, Item>();

  constructor(private readonly searchLimits: SearchLimits = SEARCH_LIMITS) {}

  async get(id: string): Promise<StoredExecution | undefined> {
    const item = this.items.get(id);
    return item && toStored(item);
  }

  /** As the DynamoDB store sizes it: the size is the item's encoding (deflated documents), which this fake does not mimic. */
  storedBytes(stored: StoredExecution): number {
    return itemSize(toExecutionItem(stored));
  }

  async statesOf(ids: string[]): Promise<Map<string, StateType>> {
    refuseDuplicateKeys(ids, 100, 'BatchGetItem');
    const states = new Map<string, StateType>();
    for (const id of ids) {
      const item = this.items.get(id);
      if (item) states.set(id, item.state);
    }
    return states;
  }

  async createMany(executions: StoredExecution[]): Promise<void> {
    refuseDuplicateKeys(
      executions.map((stored) => stored.execution.id),
      25,
      'BatchWriteItem',
    );
    // Puts: an existing item is replaced, as BatchWriteItem does (callers pass new ids only).
    for (const stored of executions) this.items.set(stored.execution.id, toItem(stored));
  }

  async createIfAbsent(stored: StoredExecution): Promise<boolean> {
    if (this.items.has(stored.execution.id)) return false;
    this.items.set(stored.execution.id, toItem(stored));
    return true;
  }

  async createClaimed(stored: StoredExecution, leaseToken: string, leaseUntilMs: number): Promise<boolean> {
    if (this.items.has(stored.execution.id)) return false;
    this.items.set(stored.execution.id, { ...toItem(stored), leaseToken, leaseUntil: leaseUntilMs });
    return true;
  }

  async claim(id: string, leaseToken: string, leaseUntilMs: number, now: Date): Promise<ClaimResult> {
    const [result] = await this.claimMany([{ id, leaseToken }], leaseUntilMs, now);
    if (!result) throw new Error(`claimMany returned no result for ${id}`);
    return result;
  }

  async claimMany(claims: { id: string; leaseToken: string }[], leaseUntilMs: number, now: Date): Promise<ClaimResult[]> {
    // One read for the batch first, then one conditional write per claim, as the adapter does: a
    // duplicate in the batch decides on the same read and loses at the write.
    const read = new Map(claims.map((c) => [c.id, this.items.get(c.id) && { ...this.items.get(c.id)! }]));
    return claims.map((c) => this.claimItem(c.id, read.get(c.id), c.leaseToken, leaseUntilMs, now));
  }

  private claimItem(id: string, seen: Item | undefined, leaseToken: string, leaseUntilMs: number, now: Date): ClaimResult {
    if (!seen) return { outcome: 'MISSING' };
    if (TERMINAL_STATES.has(seen.state)) return { outcome: 'FINISHED', stored: toStored(seen) };
    const seenLeaseUntil = seen.leaseUntil ?? 0;
    if (seen.state === 'RUNNING' && seenLeaseUntil > now.getTime()) return { outcome: 'BUSY', leaseUntilMs: seenLeaseUntil };

    const current = this.items.get(id);
    // The adapter's condition: still in the state read, and still under the lease read (or none).
    const holds = current !== undefined && current.state === seen.state && current.leaseToken === seen.leaseToken;
    if (!holds) {
      if (!current) return { outcome: 'MISSING' };
      if (TERMINAL_STATES.has(current.state)) return { outcome: 'FINISHED', stored: toStored(current) };
      return { outcome: 'BUSY', leaseUntilMs: current.leaseUntil ?? 0 };
    }
    const stored = toStored(seen);
    const execution: Execution = { ...stored.execution, state: transition(stored.execution.state, 'RUNNING', now), taskRunList: [] };
    current.state = 'RUNNING';
    current.leaseToken = leaseToken;
    current.leaseUntil = leaseUntilMs;
    current.doc = JSON.stringify(execution);
    return { outcome: 'CLAIMED', stored: { ...stored, execution: JSON.parse(current.doc) as Execution } };
  }

  async save(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    const item = this.underLease(stored.execution.id, leaseToken);
    // The adapter's `attribute_not_exists(killAt)`: a killed execution starts no further task.
    if (!item || item.killed) return false;
    item.doc = JSON.stringify(stored.execution);
    return true;
  }

  async finish(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    const item = this.underLease(stored.execution.id, leaseToken);
    if (!item) return false;
    item.doc = JSON.stringify(stored.execution);
    item.state = stored.execution.state.current;
    if (stored.logs?.length) item.logs = JSON.stringify(stored.logs);
    delete item.pendingOwner;
    delete item.leaseToken;
    delete item.leaseUntil;
    return true;
  }

  async requestKill(id: string, request: KillRequest, now: Date): Promise<KillResult> {
    const item = this.items.get(id);
    if (!item) return { outcome: 'MISSING' };
    if (TERMINAL_STATES.has(item.state)) return { outcome: 'FINISHED', stored: toStored(item) };
    if (item.state === 'RUNNING' && item.leaseToken !== undefined && (item.leaseUntil ?? 0) > now.getTime()) {
      item.killed ??= { ...request };
      return { outcome: 'KILLING', stored: toStored(item) };
    }
    // No worker holds it: killed at once, out of the unfinished index, its lease dropped.
    item.killed ??= { ...request };
    const execution = JSON.parse(item.doc) as Execution;
    item.doc = JSON.stringify({ ...execution, state: killedState(execution.state, item.killed, now) });
    item.state = 'KILLED';
    delete item.pendingOwner;
    delete item.leaseToken;
    delete item.leaseUntil;
    return { outcome: 'KILLED', stored: toStored(item) };
  }

  async restart(id: string, now: Date): Promise<RestartResult> {
    const item = this.items.get(id);
    if (!item) return { outcome: 'MISSING' };
    if (!RESTARTABLE_STATES.has(item.state) || item.leaseToken !== undefined) return { outcome: 'NOT_RESTARTABLE', stored: toStored(item) };
    const execution = JSON.parse(item.doc) as Execution;
    item.doc = JSON.stringify({ ...execution, state: restartedState(execution.state, now) });
    item.state = 'RESTARTED';
    // Under its trigger's live owner, as the adapter's `restartedPendingAttributes`.
    item.pendingOwner =
      item.liveOwner ??
      (execution.trigger ? liveOwner({ namespace: item.namespace, flowId: item.flowId, triggerId: execution.trigger.id }) : NO_BACKFILL_OWNER);
    delete item.killed;
    delete item.releasedRuns;
    delete item.logs;
    return { outcome: 'RESTARTED', stored: toStored(item) };
  }

  async killRequestOf(id: string): Promise<KillRequest | undefined> {
    const killed = this.items.get(id)?.killed;
    return killed && { ...killed };
  }

  async releaseLease(id: string, leaseToken: string): Promise<void> {
    const item = this.underLease(id, leaseToken);
    if (!item) return;
    item.leaseUntil = 0;
    item.releasedRuns = (item.releasedRuns ?? 0) + 1;
  }

  async countRunning(backfillId: string, limit: number): Promise<number> {
    let count = 0;
    for (const item of this.items.values()) if (item.pendingOwner === backfillId && item.state === 'RUNNING') count++;
    return Math.min(count, limit);
  }

  async runningOf(backfillId: string, limit: number): Promise<string[]> {
    const ids = [...this.items.values()].filter((item) => item.pendingOwner === backfillId && item.state === 'RUNNING').map((item) => item.id);
    return ids.slice(0, limit);
  }

  async leasesOf(ids: string[]): Promise<Map<string, { state: StateType; leaseUntilMs: number }>> {
    const found = new Map<string, { state: StateType; leaseUntilMs: number }>();
    for (const id of new Set(ids)) {
      const item = this.items.get(id);
      if (item) found.set(id, { state: item.state, leaseUntilMs: item.leaseUntil ?? 0 });
    }
    return found;
  }

  async unfinishedOf(owner: string, limit: number): Promise<string[]> {
    return [...this.items.values()]
      .filter((item) => item.pendingOwner === owner)
      .map((item) => item.id)
      .slice(0, limit);
  }

  async statesByTick(trigger: TriggerRef, fromMs: number, toMs: number): Promise<Map<number, { id: string; state: StateType }[]>> {
    const owner = `${trigger.namespace}|${trigger.flowId}|${trigger.triggerId}`;
    const matches = [...this.items.values()]
      .filter((item) => item.tickOwner === owner && item.tickMs !== undefined && item.tickMs >= fromMs && item.tickMs <= toMs)
      .sort((a, b) => (a.tickMs as number) - (b.tickMs as number) || compareBytes(a.id, b.id));
    const byTick = new Map<number, { id: string; state: StateType }[]>();
    for (const item of matches) {
      const tick = item.tickMs as number;
      byTick.set(tick, [...(byTick.get(tick) ?? []), { id: item.id, state: item.state }]);
    }
    return byTick;
  }

  async search(query: ExecutionQuery): Promise<ExecutionSearchResult> {
    const matches = [...this.items.values()]
      .filter((item) => {
        // The adapter merges the search partitions of the flows it covers: one flow, the flows of one
        // namespace (exactly, not its children), or every flow.
        if (query.namespace !== undefined && item.namespace !== query.namespace) return false;
        if (query.flowId !== undefined && item.flowId !== query.flowId) return false;
        if (!matchesAll(item.namespace, query.flowConditions?.namespace) || !matchesAll(item.flowId, query.flowConditions?.flowId)) return false;
        if (query.states?.length && !query.states.includes(item.state)) return false;
        if (query.idContains !== undefined && !item.id.includes(query.idContains)) return false;
        // The start date the execution was created with, which the adapter's sort key holds; its
        // trigger id and its end date as now, which the adapter's index entry carries.
        const { state, trigger } = JSON.parse(item.doc) as Execution;
        if (!inRange(state.startDate, query.startDate)) return false;
        if (query.endDate && (state.endDate === undefined || !inRange(state.endDate, query.endDate))) return false;
        if (!optionalMatchesAll(trigger?.id, query.triggerId)) return false;
        if ((query.excludedLabels ?? []).some((label) => item.labelKeys?.has(`${label.key}:${label.value}`))) return false;
        return (query.labels ?? []).every((label) => item.labelKeys?.has(`${label.key}:${label.value}`) ?? false);
      })
      // Newest first, in the byte order DynamoDB sorts keys in.
      .sort((a, b) => compareBytes(b.sortKey, a.sortKey));
    const from = (query.page - 1) * query.size;
    // Counted up to the adapter's bound (`examineAtMost` is not modelled: it only matters past 100,000 entries).
    const target = countTarget(this.searchLimits, from, query.size);
    const results = matches.slice(from, from + query.size).map((item) => JSON.parse(item.doc) as Execution);
    return { results, total: Math.min(matches.length, target), totalIsLowerBound: matches.length > target };
  }

  /** The item if `leaseToken` holds its lease (the adapter's `leaseToken = :token` condition). */
  private underLease(id: string, leaseToken: string): Item | undefined {
    const item = this.items.get(id);
    return item?.leaseToken !== undefined && item.leaseToken === leaseToken ? item : undefined;
  }
}

/** Whether an instant is in [from, before), either bound optional. */
function inRange(date: string, range: { from?: string; before?: string } | undefined): boolean {
  return (
    (range?.from === undefined || Date.parse(date) >= Date.parse(range.from)) && (range?.before === undefined || Date.parse(date) < Date.parse(range.before))
  );
}

/** DynamoDB orders string keys by their bytes (code points), not by locale. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** DynamoDB refuses a batch request naming one key twice; the adapter sends `chunk`-sized batches. */
function refuseDuplicateKeys(ids: string[], chunk: number, operation: string): void {
  for (let i = 0; i < ids.length; i += chunk) {
    const slice = ids.slice(i, i + chunk);
    if (new Set(slice).size !== slice.length) throw new Error(`${operation}: Provided list of item keys contains duplicates`);
  }
}

function toItem(stored: StoredExecution): Item {
  const { execution, origin } = stored;
  const item: Item = {
    id: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
    sortKey: `${execution.state.startDate}#${execution.id}`,
    state: execution.state.current,
    doc: JSON.stringify(execution),
  };
  if (execution.labels.length) item.labelKeys = new Set(execution.labels.map((l) => `${l.key}:${l.value}`));
  if (stored.logs?.length) item.logs = JSON.stringify(stored.logs);
  if (stored.killed) item.killed = { ...stored.killed };
  if (!TERMINAL_STATES.has(execution.state.current)) item.pendingOwner = origin.backfillId ?? origin.liveOwner ?? NO_BACKFILL_OWNER;
  if (origin.backfillId) item.backfillId = origin.backfillId;
  if (origin.liveOwner) item.liveOwner = origin.liveOwner;
  if (origin.page) item.page = { ...origin.page };
  if (origin.tickMs !== undefined) {
    item.tickMs = origin.tickMs;
    if (execution.trigger?.id) item.tickOwner = `${execution.namespace}|${execution.flowId}|${execution.trigger.id}`;
  }
  return item;
}

function toStored(item: Item): StoredExecution {
  const stored: StoredExecution = {
    execution: JSON.parse(item.doc) as Execution,
    origin: { backfillId: item.backfillId, liveOwner: item.liveOwner, tickMs: item.tickMs, ...(item.page ? { page: { ...item.page } } : {}) },
  };
  if (item.releasedRuns) stored.releasedRuns = item.releasedRuns;
  if (item.killed) stored.killed = { ...item.killed };
  if (item.logs) stored.logs = JSON.parse(item.logs) as LogLine[];
  return stored;
}
