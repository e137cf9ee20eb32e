import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type KillRequest, RESTARTABLE_STATES, type StateType, TERMINAL_STATES, killedState, restartedState, transition } from '../../domain/execution';
import type { ClaimResult, KillResult, RestartResult, StoredExecution } from '../../ports';
import { type Item, batchGet, conditionalPut, isConditionFailed, n, num, s, str, whenConditionHolds } from './client';
import {
  documentUpdate,
  encodeLogs,
  executionKey,
  fromExecutionItem,
  isExecutionItem,
  killRequestOfItem,
  restartedPendingAttributes,
  toExecutionItem,
} from './execution-item';
import { EXECUTION_KILL_BY, EXECUTION_KILL_FLAG } from './tables';

/** Tries of a kill request whose condition failed because the execution moved meanwhile (claimed, say). */
const KILL_ATTEMPTS = 5;

/**
 * The lease protocol on the executions table: a worker claims an execution by writing its lease
 * token (`leaseToken`, `leaseUntil`) under a condition on what it read, and every later write of
 * that worker is conditional on the token still being there. Conditions, not reads, decide.
 */
export class ExecutionLeases {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** One strongly consistent batched read for the whole batch, then one conditional write per claim. */
  async claimMany(claims: { id: string; leaseToken: string }[], leaseUntilMs: number, now: Date): Promise<ClaimResult[]> {
    // BatchGetItem refuses duplicate keys; a batch can hold the same execution twice (SQS redelivers).
    const ids = [...new Set(claims.map((c) => c.id))];
    const items = await batchGet(this.client, this.table, ids.map(executionKey), undefined, true);
    const byId = new Map(items.map((item) => [str(item, 'id'), item]));
    return Promise.all(claims.map((c) => this.claimItem(c.id, byId.get(c.id), c.leaseToken, leaseUntilMs, now)));
  }

  /**
   * Saves progress under the lease; false if `leaseToken` no longer holds it, or a kill was asked
   * (the worker saves before each task it starts: so a killed execution starts no further task).
   */
  async save(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    const doc = documentUpdate(stored.execution);
    return this.writeUnderLease(stored, leaseToken, `SET ${doc.set} REMOVE ${doc.remove}`, doc.values, `attribute_not_exists(${EXECUTION_KILL_FLAG})`);
  }

  /**
   * A kill request (see ExecutionStore.requestKill). Each write is conditional on what was read: the
   * state and lease a claim would change, so a kill and a claim racing cannot both win.
   */
  async requestKill(id: string, request: KillRequest, now: Date): Promise<KillResult> {
    for (let attempt = 0; attempt < KILL_ATTEMPTS; attempt++) {
      const item = await this.read(id);
      if (!item || !isExecutionItem(item)) return { outcome: 'MISSING' };
      const stored = fromExecutionItem(item);
      const state = stored.execution.state.current;
      if (TERMINAL_STATES.has(state)) {
        // Killed by this very request, whose answer was lost and the SDK's retry found it done.
        const ours = state === 'KILLED' && stored.killed?.at === request.at && stored.killed.by === request.by;
        return { outcome: ours ? 'KILLED' : 'FINISHED', stored };
      }
      const leaseToken = str(item, 'leaseToken');
      if (state === 'RUNNING' && leaseToken && (num(item, 'leaseUntil') ?? 0) > now.getTime()) {
        if (stored.killed) return { outcome: 'KILLING', stored };
        const asked = await whenConditionHolds(() =>
          this.client.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: executionKey(id),
              UpdateExpression: `SET ${EXECUTION_KILL_FLAG} = :at, ${EXECUTION_KILL_BY} = :by`,
              ConditionExpression: `leaseToken = :token AND attribute_not_exists(${EXECUTION_KILL_FLAG})`,
              ExpressionAttributeValues: { ...killValues(request), ':token': s(leaseToken) },
            }),
          ),
        );
        if (asked) return { outcome: 'KILLING', stored: { ...stored, killed: request } };
        continue;
      }
      // No worker holds it (queued, or its worker died): it ends here, and no worker will start it.
      const killed = stored.killed ?? request;
      const ended: StoredExecution = { ...stored, killed, execution: { ...stored.execution, state: killedState(stored.execution.state, killed, now) } };
      const doc = documentUpdate(ended.execution);
      const values: Item = { ':old': s(state), ':killed': s('KILLED'), ...doc.values, ...killValues(killed) };
      let condition = '#state = :old AND attribute_not_exists(leaseToken)';
      if (leaseToken) {
        condition = '#state = :old AND leaseToken = :previous';
        values[':previous'] = s(leaseToken);
      }
      const written = await whenConditionHolds(() =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: executionKey(id),
            UpdateExpression:
              `SET #state = :killed, ${doc.set}, ${EXECUTION_KILL_FLAG} = :at, ${EXECUTION_KILL_BY} = :by ` +
              `REMOVE ${doc.remove}, pendingShard, pendingTick, leaseToken, leaseUntil`,
            ConditionExpression: condition,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: values,
          }),
        ),
      );
      if (written) return { outcome: 'KILLED', stored: ended };
    }
    throw new Error(`Could not record the kill of execution ${id}: it kept changing (${KILL_ATTEMPTS} attempts)`);
  }

  async restart(id: string, now: Date): Promise<RestartResult> {
    const item = await this.read(id);
    if (!item || !isExecutionItem(item)) return { outcome: 'MISSING' };
    const stored = fromExecutionItem(item);
    const state = stored.execution.state.current;
    if (!RESTARTABLE_STATES.has(state)) return { outcome: 'NOT_RESTARTABLE', stored };
    const { killed: _killed, releasedRuns: _released, logs: _logs, ...kept } = stored;
    const restarted: StoredExecution = { ...kept, execution: { ...stored.execution, state: restartedState(stored.execution.state, now) } };
    const doc = documentUpdate(restarted.execution);
    const pending = restartedPendingAttributes(restarted);
    const written = await whenConditionHolds(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: executionKey(id),
          UpdateExpression:
            `SET #state = :restarted, ${doc.set}, pendingShard = :pendingShard, pendingTick = :pendingTick ` +
            `REMOVE ${doc.remove}, ${EXECUTION_KILL_FLAG}, ${EXECUTION_KILL_BY}, releasedRuns, logz, leaseToken, leaseUntil`,
          ConditionExpression: '#state = :old AND attribute_not_exists(leaseToken)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':restarted': s('RESTARTED'),
            ':old': s(state),
            ':pendingShard': pending.pendingShard as Item[string],
            ':pendingTick': pending.pendingTick as Item[string],
            ...doc.values,
          },
        }),
      ),
    );
    if (written) return { outcome: 'RESTARTED', stored: restarted };
    // Moved meanwhile, or this very write landed and its answer was lost (then the stored state is ours).
    const after = await this.read(id);
    if (!after) return { outcome: 'MISSING' };
    const current = fromExecutionItem(after);
    const ours = JSON.stringify(current.execution.state) === JSON.stringify(restarted.execution.state);
    return ours ? { outcome: 'RESTARTED', stored: current } : { outcome: 'NOT_RESTARTABLE', stored: current };
  }

  async killRequestOf(id: string): Promise<KillRequest | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: executionKey(id),
        ConsistentRead: true,
        ProjectionExpression: `${EXECUTION_KILL_FLAG}, ${EXECUTION_KILL_BY}`,
      }),
    );
    return out.Item ? killRequestOfItem(out.Item) : undefined;
  }

  /**
   * Writes a new execution, RUNNING and leased to `leaseToken`, unless its id exists: the claim of an
   * execution that dispatch sent as a document (see LedgerPage). One write: the item and its index
   * entries. `created`: it is ours; `existed`: it was there before (nothing written); `taken`: it is
   * someone else's, which an earlier attempt of ours may have written before losing it.
   */
  async createClaimed(stored: StoredExecution, leaseToken: string, leaseUntilMs: number): Promise<'created' | 'existed' | 'taken'> {
    const item = { ...toExecutionItem(stored), leaseToken: s(leaseToken), leaseUntil: n(leaseUntilMs) };
    const outcome = await conditionalPut(() =>
      this.client.send(new PutItemCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(id)' })),
    );
    if (outcome === 'written') return 'created';
    // The put may have landed and its answer been lost, the SDK's retry then finding the item: ours if it holds our token.
    if (str((await this.read(stored.execution.id)) ?? {}, 'leaseToken') === leaseToken) return 'created';
    return outcome === 'refused' ? 'existed' : 'taken';
  }

  /** Saves a terminal state and drops the lease and the unfinished index entry; false if the lease was lost. */
  async finish(stored: StoredExecution, leaseToken: string): Promise<boolean> {
    const doc = documentUpdate(stored.execution);
    const set = [doc.set, '#state = :state'];
    const remove = [doc.remove, 'pendingShard', 'pendingTick', 'leaseToken', 'leaseUntil'];
    const values: Item = { ...doc.values };
    if (stored.logs?.length) {
      set.push('logz = :logz');
      values[':logz'] = encodeLogs(stored.execution, stored.logs);
    }
    if (await this.writeUnderLease(stored, leaseToken, `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`, values)) return true;
    // Lost the lease, or finished already: the write may have landed and its answer been lost, the
    // SDK's retry then finding the lease gone. Ours if the stored state is exactly the one written
    // (its history's timestamps are this run's own), and then the caller must go on as finished.
    const item = await this.read(stored.execution.id);
    return item !== undefined && !item.leaseToken && JSON.stringify(fromExecutionItem(item).execution.state) === JSON.stringify(stored.execution.state);
  }

  /**
   * Sets the lease's end to the epoch, so a redelivery takes over at once: the lease `leaseToken`
   * holds, or whoever's when it is omitted (only the local default's recovery, whose data-folder
   * lock proves every earlier worker gone).
   */
  async release(id: string, leaseToken?: string): Promise<boolean> {
    return whenConditionHolds(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: executionKey(id),
          // A worker giving its run up (an infrastructure error, not a task's failure) counts it, so
          // that run is not taken for one whose worker died (see StoredExecution.releasedRuns).
          UpdateExpression: leaseToken ? 'SET leaseUntil = :zero ADD releasedRuns :one' : 'SET leaseUntil = :zero',
          ConditionExpression: leaseToken ? 'leaseToken = :token' : 'attribute_exists(leaseToken)',
          ExpressionAttributeValues: { ':zero': n(0), ...(leaseToken ? { ':token': s(leaseToken), ':one': n(1) } : {}) },
        }),
      ),
    );
  }

  /** `item` as read just before: the write's condition, not the read, decides who gets the execution. */
  private async claimItem(id: string, item: Item | undefined, leaseToken: string, leaseUntilMs: number, now: Date): Promise<ClaimResult> {
    if (!item) return { outcome: 'MISSING' };
    const stored = fromExecutionItem(item);
    const state = stored.execution.state.current;
    if (TERMINAL_STATES.has(state)) return { outcome: 'FINISHED', stored };
    const currentLeaseUntil = num(item, 'leaseUntil') ?? 0;
    if (state === 'RUNNING' && currentLeaseUntil > now.getTime()) return { outcome: 'BUSY', leaseUntilMs: currentLeaseUntil };

    // A RUNNING execution with an expired lease lost its worker: it runs again from the start,
    // under the same id, so the tick still has exactly one execution.
    const claimed: StoredExecution = {
      ...stored,
      execution: { ...stored.execution, state: transition(stored.execution.state, 'RUNNING', now), taskRunList: [] },
    };
    const doc = documentUpdate(claimed.execution);
    const values: Item = {
      ':old': s(state),
      ':running': s('RUNNING'),
      ':token': s(leaseToken),
      ':until': n(leaseUntilMs),
      ...doc.values,
    };
    const previousToken = str(item, 'leaseToken');
    let condition = '#state = :old AND attribute_not_exists(leaseToken)';
    if (previousToken) {
      condition = '#state = :old AND leaseToken = :previous';
      values[':previous'] = s(previousToken);
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: executionKey(id),
          // The unfinished index's keys stay: only its projected state changes (one index write).
          UpdateExpression: `SET #state = :running, leaseToken = :token, leaseUntil = :until, ${doc.set} REMOVE ${doc.remove}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        }),
      );
      return { outcome: 'CLAIMED', stored: claimed };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // Someone else moved it first: report what it is now.
      const now = await this.read(id);
      if (!now) return { outcome: 'MISSING' };
      if (TERMINAL_STATES.has(str(now, 'state') as StateType)) return { outcome: 'FINISHED', stored: fromExecutionItem(now) };
      // Or no one did: the update landed, its answer was lost, and the SDK's retry found our own token.
      if (str(now, 'leaseToken') === leaseToken) return { outcome: 'CLAIMED', stored: claimed };
      return { outcome: 'BUSY', leaseUntilMs: num(now, 'leaseUntil') ?? 0 };
    }
  }

  private async read(id: string): Promise<Item | undefined> {
    return (await this.client.send(new GetItemCommand({ TableName: this.table, Key: executionKey(id), ConsistentRead: true }))).Item;
  }

  private writeUnderLease(stored: StoredExecution, leaseToken: string, expression: string, extraValues: Item, extraCondition?: string): Promise<boolean> {
    return whenConditionHolds(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: executionKey(stored.execution.id),
          UpdateExpression: expression,
          ConditionExpression: extraCondition ? `leaseToken = :token AND ${extraCondition}` : 'leaseToken = :token',
          ExpressionAttributeNames: expression.includes('#state') ? { '#state': 'state' } : undefined,
          ExpressionAttributeValues: {
            ':token': s(leaseToken),
            ...(expression.includes(':state') ? { ':state': s(stored.execution.state.current) } : {}),
            ...extraValues,
          },
        }),
      ),
    );
  }
}

function killValues(request: KillRequest): Item {
  return { ':at': s(request.at), ':by': s(request.by) };
}
