import { mapLimit } from '../../util/map-limit';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';

/** An item as the low-level client reads and writes it: attribute values (`{ S: 'x' }`). */
export type Item = Record<string, AttributeValue>;
/** An item as the document client reads and writes it: plain values (strings, numbers, booleans, sets). */
export type NativeItem = Record<string, NativeAttributeValue>;

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });

export function str(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

export function num(item: Item, name: string): number | undefined {
  const v = item[name]?.N;
  return v === undefined ? undefined : Number(v);
}

/**
 * Takes the SDK's logger middleware off a client built without a logger of its own.
 *
 * WHY: for every response that middleware builds a copy of the whole output (each attribute walked
 * against its schema, sensitive ones masked) and hands it to the client's logger: the SDK's
 * NoOpLogger when none was given, which throws it away. Profiled on executions searches that read
 * 16,000 index entries each: 1.3 s of the 4.7 s of CPU the API's thread spent over 31 searches
 * (about 42 ms a search, more than the SDK's parsing of the responses). Without a logger nothing was
 * logged, so nothing is lost; a client given a logger must keep the middleware.
 */
export function withoutDiscardedLogging(client: DynamoDBClient): DynamoDBClient {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * Runs a conditional write; false when its condition did not hold. Losing such a race is an
 * expected outcome everywhere in this service (a duplicate, a moved cursor), not an error.
 */
export async function whenConditionHolds(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/**
 * What a conditional put did: `written`; `refused` on its only attempt (nothing was written); or
 * `refused-on-retry`: the SDK retried it (a timeout, a lost answer), so the refusal may be of our
 * own first attempt, which then landed.
 */
export type ConditionalPutOutcome = 'written' | 'refused' | 'refused-on-retry';

export async function conditionalPut(write: () => Promise<unknown>): Promise<ConditionalPutOutcome> {
  try {
    await write();
    return 'written';
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    return ((error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1 ? 'refused-on-retry' : 'refused';
  }
}

/**
 * One page of a Query or Scan: its items (none with Select COUNT), its count, where the next starts.
 * `I` is how items and keys look: attribute values (the low-level client) or plain values (the document client).
 */
export interface Page<I = Item> {
  Items?: I[];
  Count?: number;
  LastEvaluatedKey?: I;
}

/**
 * Reads page after page, each `read` given the previous page's LastEvaluatedKey, and hands each
 * page to `visit` (awaited before the next read), until the last page or until `visit` returns false.
 */
export async function eachPage<I = Item>(
  read: (startKey: I | undefined) => Promise<Page<I>>,
  visit: (page: Page<I>) => boolean | void | Promise<boolean | void>,
): Promise<void> {
  let startKey: I | undefined;
  do {
    const page = await read(startKey);
    if ((await visit(page)) === false) return;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries UnprocessedItems with backoff, as BatchWriteItem requires; 25 requests per call is DynamoDB's limit. */
export async function batchWrite(client: DynamoDBClient, table: string, requests: WriteRequest[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  // A few calls in flight at once: dispatch throughput is bound by the store, not by our loop.
  await mapLimit(chunks, 4, async (chunk) => {
    let pending: WriteRequest[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`BatchWriteItem on ${table}: ${pending.length} items still unprocessed after retries`);
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table] ?? [];
    }
  });
}

/** BatchGetItem in chunks of 100 (DynamoDB's limit), retrying UnprocessedKeys. */
export async function batchGet(
  client: DynamoDBClient,
  table: string,
  keys: Item[],
  projection?: { expression: string; names: Record<string, string> },
  consistentRead = false,
): Promise<Item[]> {
  const chunks: Item[][] = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  const results = await mapLimit(chunks, 4, async (chunk) => {
    const found: Item[] = [];
    let request: KeysAndAttributes | undefined = {
      Keys: chunk,
      ...(consistentRead ? { ConsistentRead: true } : {}),
      ...(projection ? { ProjectionExpression: projection.expression, ExpressionAttributeNames: projection.names } : {}),
    };
    for (let attempt = 0; request?.Keys?.length; attempt++) {
      if (attempt > 8) throw new Error(`BatchGetItem on ${table}: keys still unprocessed after retries`);
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
      const out: BatchGetItemCommandOutput = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: request } }));
      found.push(...(out.Responses?.[table] ?? []));
      request = out.UnprocessedKeys?.[table];
    }
    return found;
  });
  return results.flat();
}
