import { type Execution, type StateType, TERMINAL_STATES, transition } from '../../../lib/domain/execution';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { SEARCH_LIMITS, type SearchLimits, countTarget } from '../../../lib/domain/search-limits';
import type { ClaimResult, ExecutionQuery, ExecutionSearchResult, ExecutionStore, LogLine, StoredExecution } from '../../../lib/ports';

/** Owner recorded on unfinished executions that no backfill created (as the adapter's NO_BACKFILL_OWNER). */
const NO_BACKFILL_OWNER = '-';

/** Ticks as fixed-width strings, so the sparse indexes' sort keys order by tick (as in the adapter). */
const tickKey = (tickMs: number | undefined) => String(tickMs ?? 0).padStart(15, '0');

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
  /** The failed index's owner, for failed executions of a backfill (the adapter adds a shard; its sort key is the tick). */
  failedOwner?: string;
  leaseToken?: string;
  leaseUntil?: number;
  /** Log lines kept with the execution (JSON), written by `finish`. */
  logs?: string;
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
    if (TERMINAL_STATES.has(seen.state)) return { outcome: 'FINISHED' };
    const seenLeaseUntil = seen.leaseUntil ?? 0;
    if (seen.state === 'RUNNING' && seenLeaseUntil > now.getTime()) return { outcome: 'BUSY', leaseUntilMs: seenLeaseUntil };

    const current = this.items.get(id);
    // The adapter's condition: still in the state read, and still under the lease read (or none).
    const holds = current !== undefined && current.state === seen.state && current.leaseToken === seen.leaseToken;
    if (!holds) {
      if (!current) return { outcome: 'MISSING' };
      if (TERMINAL_STATES.has(current.state)) return { outcome: 'FINISHED' };
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
    if (!item) return false;
    item.doc = JSON.stringify(stored.execution);
    return true;
  }

  async finish(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    const item = this.underLease(stored.execution.id, leaseToken);
    if (!item) return false;
    item.doc = JSON.stringify(stored.execution);
    item.state = stored.execution.state.current;
    if (stored.logs?.length) item.logs = JSON.stringify(stored.logs);
    if (stored.execution.state.current === 'FAILED' && stored.origin.backfillId) item.failedOwner = stored.origin.backfillId;
    delete item.pendingOwner;
    delete item.leaseToken;
    delete item.leaseUntil;
    return true;
  }

  async releaseLease(id: string, leaseToken: string): Promise<void> {
    const item = this.underLease(id, leaseToken);
    if (item) item.leaseUntil = 0;
  }

  async countUnfinished(backfillId: string, limit: number): Promise<number> {
    let count = 0;
    for (const item of this.items.values()) if (item.pendingOwner === backfillId) count++;
    return Math.min(count, limit);
  }

  async progressOf(backfillId: string, belowTickMs: number): Promise<{ queued: number; running: number; failed: number }> {
    // The adapter's key ranges on the sparse indexes' sort keys (`<tick>#<id>`), compared as DynamoDB compares them.
    const below = `${tickKey(belowTickMs - 1)}#~`;
    const isBelow = (item: Item) => `${tickKey(item.tickMs)}#${item.id}` < below;
    let queued = 0;
    let running = 0;
    let failed = 0;
    for (const item of this.items.values()) {
      if (item.failedOwner === backfillId && isBelow(item)) failed++;
      if (item.pendingOwner === backfillId && isBelow(item)) {
        if (item.state === 'RUNNING') running++;
        else queued++;
      }
    }
    return { queued, running, failed };
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
        if (query.states?.length && !query.states.includes(item.state)) return false;
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
  if (!TERMINAL_STATES.has(execution.state.current)) item.pendingOwner = origin.backfillId ?? origin.liveOwner ?? NO_BACKFILL_OWNER;
  if (origin.backfillId) item.backfillId = origin.backfillId;
  if (origin.liveOwner) item.liveOwner = origin.liveOwner;
  if (origin.backfillId && execution.state.current === 'FAILED') item.failedOwner = origin.backfillId;
  if (origin.tickMs !== undefined) {
    item.tickMs = origin.tickMs;
    if (execution.trigger?.id) item.tickOwner = `${execution.namespace}|${execution.flowId}|${execution.trigger.id}`;
  }
  return item;
}

function toStored(item: Item): StoredExecution {
  const stored: StoredExecution = {
    execution: JSON.parse(item.doc) as Execution,
    origin: { backfillId: item.backfillId, liveOwner: item.liveOwner, tickMs: item.tickMs },
  };
  if (item.logs) stored.logs = JSON.parse(item.logs) as LogLine[];
  return stored;
}

/**
 * Takes `id` through the port as a worker would (claim, then finish in `state`), for tests that
 * need an execution to have run.
 */
export async function finishExecution(
  store: Pick<ExecutionStore, 'claim' | 'finish'>,
  id: string,
  state: 'SUCCESS' | 'FAILED' | 'KILLED',
  now: Date,
): Promise<void> {
  const token = `test-worker-${id}`;
  const claim = await store.claim(id, token, now.getTime() + 60_000, now);
  if (claim.outcome !== 'CLAIMED') throw new Error(`cannot finish ${id}: ${claim.outcome}`);
  claim.stored.execution.state = transition(claim.stored.execution.state, state, now);
  if (!(await store.finish(claim.stored, token))) throw new Error(`cannot finish ${id}: lease lost`);
}
