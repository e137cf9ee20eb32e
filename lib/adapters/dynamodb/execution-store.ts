import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KillRequest, StateType } from '../../domain/execution';
import type { SearchLimits } from '../../domain/search-limits';
import type { TriggerRef } from '../../domain/trigger-state';
import type { ClaimResult, ExecutionQuery, ExecutionSearchResult, ExecutionStore, KillResult, RestartResult, StoredExecution } from '../../ports';
import { type ConditionalPutOutcome, batchWrite, conditionalPut } from './client';
import { executionKey, flowRegistryItem, fromExecutionItem, indexedExecution, isExecutionItem, toExecutionItem } from './execution-item';
import { flowKey } from './tables';
import { itemSize } from './item-size';
import { ExecutionLeases } from './execution-leases';
import { ExecutionQueries } from './execution-queries';
import { ExecutionSearch } from './execution-search';
import { SearchCheckpoints, type WriteOutcome } from './search-checkpoints';

export interface ExecutionStoreOptions {
  searchLimits?: SearchLimits;
  /**
   * This store makes every write to its table (the local default: its data folder lock keeps every
   * other writer out), so its search may keep checkpoints (see SearchCheckpoints). Never on AWS,
   * where other Lambdas write.
   */
  soleWriter?: boolean;
  /** Matches between two search checkpoints (default 500): closer ones let a small test cross many. */
  checkpointSpacing?: number;
}

/** What each outcome of a conditional put means for the search positions it may move. */
const PUT_OUTCOMES: Record<ConditionalPutOutcome, WriteOutcome> = { written: 'added', refused: 'unchanged', 'refused-on-retry': 'maybe-added' };
const CLAIMED_OUTCOMES: Record<'created' | 'existed' | 'taken', WriteOutcome> = { created: 'added', existed: 'unchanged', taken: 'maybe-added' };

/**
 * Executions in one table: Kestra's document as JSON plus the attributes conditions and indexes
 * need (see execution-item.ts). Reads and writes of whole items live here; the lease protocol,
 * the dispatch-side queries and the search each have their own module.
 */
export class DynamoExecutionStore implements ExecutionStore {
  private readonly leases: ExecutionLeases;
  private readonly queries: ExecutionQueries;
  private readonly searches: ExecutionSearch;
  /** Flows this instance already put in the registry: the registry only grows, so once per process is enough. */
  private readonly registered = new Set<string>();

  /** Told of every write that can move a search's positions, when this store makes every write to its table. */
  private readonly checkpoints: SearchCheckpoints | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    options: ExecutionStoreOptions = {},
  ) {
    this.checkpoints = options.soleWriter ? new SearchCheckpoints({ spacing: options.checkpointSpacing }) : undefined;
    this.leases = new ExecutionLeases(client, table);
    this.queries = new ExecutionQueries(client, table);
    this.searches = new ExecutionSearch(client, table, options.searchLimits, this.checkpoints);
  }

  async get(id: string): Promise<StoredExecution | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: executionKey(id), ConsistentRead: true }));
    return out.Item && isExecutionItem(out.Item) ? fromExecutionItem(out.Item) : undefined;
  }

  storedBytes(stored: StoredExecution): number {
    return itemSize(toExecutionItem(stored));
  }

  async createMany(executions: StoredExecution[]): Promise<void> {
    await this.register(executions);
    // Unconditional puts: one may replace an execution (callers should not pass existing ids, but a
    // retried dispatch step can), which moves search positions in ways not known here.
    await this.reporting(executions, 'unknown', () =>
      batchWrite(
        this.client,
        this.table,
        executions.map((stored) => ({ PutRequest: { Item: toExecutionItem(stored) } })),
      ),
    );
  }

  async createIfAbsent(stored: StoredExecution): Promise<boolean> {
    await this.register([stored]);
    const outcome = await this.reporting(
      [stored],
      (put) => PUT_OUTCOMES[put],
      () =>
        conditionalPut(() =>
          this.client.send(new PutItemCommand({ TableName: this.table, Item: toExecutionItem(stored), ConditionExpression: 'attribute_not_exists(id)' })),
        ),
    );
    return outcome === 'written';
  }

  /**
   * Runs a write of new executions, telling search checkpoints (if any) before it starts and once it
   * settled how it ended; a write that throws may have landed.
   */
  private async reporting<T>(executions: StoredExecution[], outcomeOf: WriteOutcome | ((result: T) => WriteOutcome), write: () => Promise<T>): Promise<T> {
    const settle = this.checkpoints?.adding(executions.map(({ execution }) => indexedExecution(execution)));
    try {
      const result = await write();
      settle?.(typeof outcomeOf === 'string' ? outcomeOf : outcomeOf(result));
      return result;
    } finally {
      // Thrown: it may have landed (a no-op once settled above).
      settle?.(typeof outcomeOf === 'string' ? outcomeOf : 'maybe-added');
    }
  }

  /** Runs a write that may change executions' states, telling search checkpoints (if any) around it. */
  private async changingStates<T>(write: () => Promise<T>): Promise<T> {
    const end = this.checkpoints?.changingStates();
    try {
      return await write();
    } finally {
      end?.();
    }
  }

  /** Puts the registry item of each flow not registered yet, before its executions (see EXECUTION_FLOWS). */
  private async register(executions: StoredExecution[]): Promise<void> {
    const flows = new Map<string, { namespace: string; flowId: string }>();
    for (const { execution } of executions) {
      const key = flowKey(execution.namespace, execution.flowId);
      if (!this.registered.has(key)) flows.set(key, { namespace: execution.namespace, flowId: execution.flowId });
    }
    if (!flows.size) return;
    await batchWrite(
      this.client,
      this.table,
      [...flows.values()].map(({ namespace, flowId }) => ({ PutRequest: { Item: flowRegistryItem(namespace, flowId) } })),
    );
    for (const key of flows.keys()) this.registered.add(key);
  }

  async createClaimed(stored: StoredExecution, leaseToken: string, leaseUntilMs: number): Promise<boolean> {
    await this.register([stored]);
    const outcome = await this.reporting(
      [stored],
      (created) => CLAIMED_OUTCOMES[created],
      () => this.leases.createClaimed(stored, leaseToken, leaseUntilMs),
    );
    return outcome === 'created';
  }

  async claim(id: string, leaseToken: string, leaseUntilMs: number, now: Date): Promise<ClaimResult> {
    const [result] = await this.claimMany([{ id, leaseToken }], leaseUntilMs, now);
    if (!result) throw new Error(`claimMany returned no result for execution ${id}`);
    return result;
  }

  async claimMany(claims: { id: string; leaseToken: string }[], leaseUntilMs: number, now: Date): Promise<ClaimResult[]> {
    return this.changingStates(() => this.leases.claimMany(claims, leaseUntilMs, now));
  }

  /** Only the document: the `state` searches filter on stays RUNNING until `finish`. */
  async save(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    return this.leases.save(stored, leaseToken);
  }

  async finish(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    return this.changingStates(() => this.leases.finish(stored, leaseToken));
  }

  async requestKill(id: string, request: KillRequest, now: Date): Promise<KillResult> {
    return this.changingStates(() => this.leases.requestKill(id, request, now));
  }

  async killRequestOf(id: string): Promise<KillRequest | undefined> {
    return this.leases.killRequestOf(id);
  }

  async restart(id: string, now: Date): Promise<RestartResult> {
    return this.changingStates(() => this.leases.restart(id, now));
  }

  async releaseLease(id: string, leaseToken: string): Promise<void> {
    await this.leases.release(id, leaseToken);
  }

  async statesOf(ids: string[]): Promise<Map<string, StateType>> {
    return this.queries.statesOf(ids);
  }

  async statesByTick(trigger: TriggerRef, fromMs: number, toMs: number): Promise<Map<number, { id: string; state: StateType }[]>> {
    return this.queries.statesByTick(trigger, fromMs, toMs);
  }

  async countRunning(backfillId: string, limit: number): Promise<number> {
    return this.queries.countRunning(backfillId, limit);
  }

  async runningOf(backfillId: string, limit: number): Promise<string[]> {
    return this.queries.runningOf(backfillId, limit);
  }

  async leasesOf(ids: string[]): Promise<Map<string, { state: StateType; leaseUntilMs: number }>> {
    return this.queries.leasesOf(ids);
  }

  async unfinishedOf(owner: string, limit: number): Promise<string[]> {
    return this.queries.unfinishedOf(owner, limit);
  }

  async search(query: ExecutionQuery): Promise<ExecutionSearchResult> {
    return this.searches.search(query);
  }
}
