/**
 * The cost benchmark's meters. Each wraps a real client or handler of the local runtime and counts
 * what it sees; no figure is typed in.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type ConsumedCapacity,
  DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { TableDef } from '../../lib/adapters/dynamodb/tables';
import type { Delivery, ExecutionLane, ExecutionMessage, ExecutionQueue } from '../../lib/ports';
import { type Item, indexWrites, partitionKeyOf, primaryKeyOf, readUnits, tableWriteUnits } from './dynamodb-units';

/** Requests of one operation on one table (or index, for a Query), with their units. */
export interface RequestCount {
  requests: number;
  /** Items written (a BatchWriteItem counts each request in it). */
  itemWrites: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  readUnits: number;
}

/** Write units that landed on one partition key value of a table or of one of its indexes. */
export interface PartitionWrites {
  table: string;
  /** Undefined for the base table. */
  index?: string;
  partitionKey: string;
  units: number;
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
/** Control-plane calls (creating tables at start) are free: counted as requests, no units. */
const FREE = new Set(['CreateTable', 'DescribeTable', 'ListTables', 'UpdateTable', 'DeleteTable', 'DescribeTimeToLive', 'UpdateTimeToLive']);
/** A write whose condition failed still pays for the item it read; other errors cost nothing. */
const CHARGED_ERRORS = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);
/** Transactional writes cost two units per KB on the table (index maintenance is not transactional: one). */
const TRANSACTION_FACTOR = 2;

/** One item write of a request: which table, which primary key. */
interface ItemWrite {
  table: string;
  key: Item;
  factor: number;
}

/** Serializes writes per item, so the images read before and after a write are that write's own. */
class ItemLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(keys: string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    // Taken in one global order: two requests over the same items cannot wait on each other.
    for (const key of [...new Set(keys)].sort()) {
      const previous = this.tails.get(key) ?? Promise.resolve();
      let release: () => void = () => undefined;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      this.tails.set(key, tail);
      await previous;
      releases.push(() => {
        release();
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    }
    return () => {
      for (const release of releases) release();
    };
  }
}

/** Time the meter itself spent inside one handler invocation, as intervals (a handler may run requests side by side). */
export interface OverheadScope {
  intervals: [number, number][];
}

/**
 * Counts every DynamoDB request the runtime's shared client sends, as AWS SDK middleware on it:
 * reads from the ConsumedCapacity dynalite returns (the middleware asks for it), writes from the
 * item's images before and after the write (read on a second, unmetered client) priced with
 * DynamoDB's rules, each global secondary index included, since dynalite reports none for them.
 */
export class DynamoMeter {
  readonly counts = new Map<string, RequestCount>();
  private readonly partitions = new Map<string, PartitionWrites>();
  private readonly locks = new ItemLocks();
  private readonly unmetered: DynamoDBClient;
  /** Requests made inside `exempt` (the benchmark's own polling) are not counted. */
  private readonly exemption = new AsyncLocalStorage<true>();
  /** The handler invocation a request belongs to, for subtracting the meter's own time from its duration. */
  readonly overhead = new AsyncLocalStorage<OverheadScope>();

  constructor(
    private readonly tables: Map<string, TableDef>,
    endpoint: string,
  ) {
    this.unmetered = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  }

  /** Adds the meter to a client; every store built on it (document clients included) shares its middleware stack. */
  attach(client: DynamoDBClient): void {
    // Before serialization, so the request sent asks dynalite for the read units it consumed.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = operationOf(context.commandName);
        if (READS.has(operation) && !this.exemption.getStore()) {
          return next({ ...args, input: { ...(args.input as object), ReturnConsumedCapacity: 'TOTAL' } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'costMeterAskCapacity' },
    );
    // After serialization: the document client has marshalled its input by then, so items are attribute values.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (this.exemption.getStore()) return next(args);
        const operation = operationOf(context.commandName);
        const input = args.input as Record<string, unknown>;
        if (READS.has(operation)) {
          const out = await next(args);
          this.countRead(operation, input, (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity);
          return out;
        }
        if (WRITES.has(operation)) return this.meterWrite(operation, input, () => next(args));
        if (!FREE.has(operation)) throw new Error(`the cost meter does not know how to count ${operation}`);
        this.count(operation, String(input.TableName ?? '-')).requests++;
        return next(args);
      },
      { step: 'build', name: 'costMeterCount' },
    );
  }

  /** Runs `work` without counting its requests. */
  exempt<T>(work: () => Promise<T>): Promise<T> {
    return this.exemption.run(true, work);
  }

  reset(): void {
    this.counts.clear();
    this.partitions.clear();
  }

  get partitionWrites(): PartitionWrites[] {
    return [...this.partitions.values()];
  }

  close(): void {
    this.unmetered.destroy();
  }

  private count(operation: string, table: string): RequestCount {
    const key = `${operation} ${table}`;
    let entry = this.counts.get(key);
    if (!entry) {
      entry = { requests: 0, itemWrites: 0, tableWriteUnits: 0, indexWriteUnits: 0, readUnits: 0 };
      this.counts.set(key, entry);
    }
    return entry;
  }

  private countRead(operation: string, input: Record<string, unknown>, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    const tables = operation === 'BatchGetItem' ? Object.keys(input.RequestItems as object) : [String(input.TableName)];
    const where = input.IndexName ? `${tables[0]}/${input.IndexName}` : tables.join(',');
    const entry = this.count(operation, where);
    entry.requests++;
    const capacities = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
    // dynalite returns capacity for all four reads; a silent zero would make reads look free.
    if (capacities.length === 0) throw new Error(`dynalite returned no ConsumedCapacity for ${operation} on ${where}`);
    // dynalite charges nothing for a Query or Scan that reads nothing; DynamoDB charges at least one read unit (half when eventually consistent).
    const least = readUnits(0, input.ConsistentRead === true);
    for (const capacity of capacities) entry.readUnits += Math.max(least, capacity.CapacityUnits ?? 0);
  }

  private async meterWrite<T>(operation: string, input: Record<string, unknown>, send: () => Promise<T>): Promise<T> {
    const writes = itemWritesOf(operation, input, this.tables);
    const started = performance.now();
    const release = await this.locks.acquire(writes.map((w) => lockKey(w)));
    let out: T | undefined;
    let failure: unknown;
    let before: (Item | undefined)[] = [];
    try {
      before = await this.images(writes);
      this.noteOverhead(started);
      try {
        out = await send();
      } catch (error) {
        failure = error;
      }
      const afterStarted = performance.now();
      const charged = failure === undefined || CHARGED_ERRORS.has((failure as { name?: string }).name ?? '');
      if (charged) {
        const unprocessed = unprocessedKeys(out, this.tables);
        const after = await this.images(writes);
        const where =
          operation === 'TransactWriteItems' || operation === 'BatchWriteItem' ? [...new Set(writes.map((w) => w.table))].join(',') : writes[0]?.table;
        const entry = this.count(operation, where ?? '-');
        entry.requests++;
        writes.forEach((write, i) => {
          if (unprocessed.has(lockKey(write))) return;
          this.countItemWrite(entry, write, before[i], after[i]);
        });
      }
      this.noteOverhead(afterStarted);
    } finally {
      release();
    }
    if (failure !== undefined) throw failure;
    return out as T;
  }

  private countItemWrite(entry: RequestCount, write: ItemWrite, before: Item | undefined, after: Item | undefined): void {
    const table = this.tables.get(write.table) as TableDef;
    entry.itemWrites++;
    const units = tableWriteUnits(before, after) * write.factor;
    entry.tableWriteUnits += units;
    this.onPartition(write.table, undefined, partitionKeyOf(table, write.key), units);
    for (const indexWrite of indexWrites(table, before, after)) {
      entry.indexWriteUnits += indexWrite.units;
      this.onPartition(write.table, indexWrite.index, indexWrite.partitionKey, indexWrite.units);
    }
  }

  private onPartition(table: string, index: string | undefined, partitionKey: string, units: number): void {
    const key = `${table}\u0000${index ?? ''}\u0000${partitionKey}`;
    const entry = this.partitions.get(key) ?? { table, ...(index ? { index } : {}), partitionKey, units: 0 };
    entry.units += units;
    this.partitions.set(key, entry);
  }

  /** The items as they are now, read consistently on the unmetered client, in the order of `writes`. */
  private async images(writes: ItemWrite[]): Promise<(Item | undefined)[]> {
    const byTable = new Map<string, Item[]>();
    for (const write of writes) byTable.set(write.table, [...(byTable.get(write.table) ?? []), write.key]);
    const found = new Map<string, Item>();
    for (const [table, keys] of byTable) {
      const def = this.tables.get(table) as TableDef;
      for (let i = 0; i < keys.length; i += 100) {
        let request: KeysAndAttributes | undefined = { Keys: keys.slice(i, i + 100), ConsistentRead: true };
        while (request?.Keys?.length) {
          const out: BatchGetItemCommandOutput = await this.unmetered.send(new BatchGetItemCommand({ RequestItems: { [table]: request } }));
          for (const item of out.Responses?.[table] ?? []) found.set(lockKey({ table, key: primaryKeyOf(def, item) }), item);
          request = out.UnprocessedKeys?.[table];
        }
      }
    }
    return writes.map((write) => found.get(lockKey(write)));
  }

  private noteOverhead(since: number): void {
    this.overhead.getStore()?.intervals.push([since, performance.now()]);
  }
}

/** `GetItemCommand` → `GetItem`. */
function operationOf(commandName: string | undefined): string {
  return (commandName ?? 'Unknown').replace(/Command$/, '');
}

function lockKey(write: Pick<ItemWrite, 'table' | 'key'>): string {
  const names = Object.keys(write.key).sort();
  return `${write.table}\u0000${names.map((n) => `${n}=${JSON.stringify(write.key[n])}`).join('\u0000')}`;
}

function itemWritesOf(operation: string, input: Record<string, unknown>, tables: Map<string, TableDef>): ItemWrite[] {
  const defOf = (table: string) => {
    const def = tables.get(table);
    if (!def) throw new Error(`the cost meter knows no table ${table}`);
    return def;
  };
  const write = (table: string, keyOrItem: Item, factor = 1): ItemWrite => ({ table, key: primaryKeyOf(defOf(table), keyOrItem), factor });
  switch (operation) {
    case 'PutItem':
      return [write(String(input.TableName), input.Item as Item)];
    case 'UpdateItem':
    case 'DeleteItem':
      return [write(String(input.TableName), input.Key as Item)];
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems as Record<string, WriteRequest[]>).flatMap(([table, requests]) =>
        requests.map((r) => write(table, (r.PutRequest?.Item ?? r.DeleteRequest?.Key) as Item)),
      );
    case 'TransactWriteItems':
      return (input.TransactItems as Record<string, { TableName: string; Item?: Item; Key?: Item }>[]).map((entry) => {
        const [action] = Object.values(entry) as [{ TableName: string; Item?: Item; Key?: Item }];
        return write(action.TableName, (action.Item ?? action.Key) as Item, TRANSACTION_FACTOR);
      });
    default:
      throw new Error(`not a write: ${operation}`);
  }
}

/** Items a BatchWriteItem left unprocessed: not written, not charged. */
function unprocessedKeys(output: unknown, tables: Map<string, TableDef>): Set<string> {
  const unprocessed = (output as { UnprocessedItems?: Record<string, WriteRequest[]> } | undefined)?.UnprocessedItems ?? {};
  const keys = new Set<string>();
  for (const [table, requests] of Object.entries(unprocessed)) {
    const def = tables.get(table) as TableDef;
    for (const r of requests) keys.add(lockKey({ table, key: primaryKeyOf(def, (r.PutRequest?.Item ?? r.DeleteRequest?.Key) as Item) }));
  }
  return keys;
}

/** What the local queue was asked to do, to model the SQS requests the AWS adapter would make for it. */
export interface QueueCounts {
  /** Messages of each `send` call, with their serialized sizes. */
  sends: { lane: ExecutionLane; bodyBytes: number[] }[];
  retryAfterCalls: number;
}

/** Wraps the queue's `send` and `retryAfter` in place: the handlers hold this very object. */
export function countQueue(queue: ExecutionQueue): QueueCounts {
  const counts: QueueCounts = { sends: [], retryAfterCalls: 0 };
  const send = queue.send.bind(queue);
  const retryAfter = queue.retryAfter.bind(queue);
  queue.send = (messages: ExecutionMessage[], lane: ExecutionLane) => {
    counts.sends.push({ lane, bodyBytes: messages.map((m) => Buffer.byteLength(JSON.stringify(m), 'utf8')) });
    return send(messages, lane);
  };
  queue.retryAfter = (delivery: Delivery, seconds: number) => {
    counts.retryAfterCalls++;
    return retryAfter(delivery, seconds);
  };
  return counts;
}

/** Invocations of one handler and their billed durations. */
export interface InvocationCount {
  invocations: number;
  /** Wall time of the invocations, the meter's own time taken out, each rounded up to the millisecond as Lambda bills. */
  billedMs: number;
  /** The meter's own time (image reads, waits for an item lock) taken out of billedMs. */
  meterMs: number;
}

/** Times each invocation of a handler, minus the time the DynamoDB meter (when there is one) spent inside it. */
export function timeHandler<I, O>(meter: DynamoMeter | undefined, count: InvocationCount, handler: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input: I) => {
    const scope: OverheadScope = { intervals: [] };
    const started = performance.now();
    try {
      return await (meter ? meter.overhead.run(scope, () => handler(input)) : handler(input));
    } finally {
      const wall = performance.now() - started;
      const overhead = unionLength(scope.intervals);
      count.invocations++;
      count.meterMs += overhead;
      count.billedMs += Math.ceil(Math.max(1, wall - overhead));
    }
  };
}

/** Total length covered by possibly overlapping intervals. */
function unionLength(intervals: [number, number][]): number {
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [from, to] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total;
}
