import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KillRequest, StateType } from '../../domain/execution';
import type { SearchLimits } from '../../domain/search-limits';
import type { TriggerRef } from '../../domain/trigger-state';
import type { ClaimResult, ExecutionQuery, ExecutionSearchResult, ExecutionStore, KillResult, RestartResult, StoredExecution } from '../../ports';
import { batchWrite, whenConditionHolds } from './client';
import { executionKey, flowRegistryItem, fromExecutionItem, isExecutionItem, toExecutionItem } from './execution-item';
import { flowKey } from './tables';
import { ExecutionLeases } from './execution-leases';
import { ExecutionQueries } from './execution-queries';
import { ExecutionSearch } from './execution-search';

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

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    options: { searchLimits?: SearchLimits } = {},
  ) {
    this.leases = new ExecutionLeases(client, table);
    this.queries = new ExecutionQueries(client, table);
    this.searches = new ExecutionSearch(client, table, options.searchLimits);
  }

  async get(id: string): Promise<StoredExecution | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: executionKey(id), ConsistentRead: true }));
    return out.Item && isExecutionItem(out.Item) ? fromExecutionItem(out.Item) : undefined;
  }

  async createMany(executions: StoredExecution[]): Promise<void> {
    await this.register(executions);
    await batchWrite(
      this.client,
      this.table,
      executions.map((stored) => ({ PutRequest: { Item: toExecutionItem(stored) } })),
    );
  }

  async createIfAbsent(stored: StoredExecution): Promise<boolean> {
    await this.register([stored]);
    return whenConditionHolds(() =>
      this.client.send(new PutItemCommand({ TableName: this.table, Item: toExecutionItem(stored), ConditionExpression: 'attribute_not_exists(id)' })),
    );
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
    return this.leases.createClaimed(stored, leaseToken, leaseUntilMs);
  }

  async claim(id: string, leaseToken: string, leaseUntilMs: number, now: Date): Promise<ClaimResult> {
    const [result] = await this.leases.claimMany([{ id, leaseToken }], leaseUntilMs, now);
    if (!result) throw new Error(`claimMany returned no result for execution ${id}`);
    return result;
  }

  async claimMany(claims: { id: string; leaseToken: string }[], leaseUntilMs: number, now: Date): Promise<ClaimResult[]> {
    return this.leases.claimMany(claims, leaseUntilMs, now);
  }

  async save(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    return this.leases.save(stored, leaseToken);
  }

  async finish(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    return this.leases.finish(stored, leaseToken);
  }

  async requestKill(id: string, request: KillRequest, now: Date): Promise<KillResult> {
    return this.leases.requestKill(id, request, now);
  }

  async killRequestOf(id: string): Promise<KillRequest | undefined> {
    return this.leases.killRequestOf(id);
  }

  async restart(id: string, now: Date): Promise<RestartResult> {
    return this.leases.restart(id, now);
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
