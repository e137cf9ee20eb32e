import { QueryCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Execution } from '../../domain/execution';
import { SEARCH_LIMITS, type SearchLimits, countTarget } from '../../domain/search-limits';
import { type TriggerIdCondition, matchesAll } from '../../domain/text-match';
import type { ExecutionQuery, ExecutionSearchResult } from '../../ports';
import { mapLimit } from '../../util/map-limit';
import { type Item, batchGet, eachPage, n, s, str } from './client';
import { documentOf, executionKey, idInSortKey, labelKey } from './execution-item';
import type { SearchCheckpoints, SearchReading } from './search-checkpoints';
import { EXECUTIONS_SEARCH, EXECUTION_FLOWS, allShards, flowKey } from './tables';

/** Queries in flight at once while a search fans out over partitions. */
const FAN_OUT = 16;

/**
 * The executions search: newest first. Every flow's executions are spread over EXECUTION_SHARDS
 * partitions of the search index, each sorted by `<startDate>#<id>`; a search merges the partitions
 * of the flows it covers (one flow; a namespace's flows, from the flow registry; or every flow),
 * filtering in the index (state, labels, trigger id, end date), reading each partition only as far
 * as the merge needs.
 * It counts matches up to a bound (SearchLimits: 1,000, or one past the page's end for a deeper page),
 * then reads the page's documents by id: a page costs a bounded number of read units whatever the
 * number of executions. Past the bound `total` is a lower bound that exceeds the page's end, so a
 * client paging until it holds `total` results asks for the next page while more exist.
 *
 * A deep page reads every entry before it (DynamoDB has no offsets). Where the store makes every
 * write (the local default), the search keeps keyset checkpoints (SearchCheckpoints): a page starts
 * below the nearest one at or before it, and a checkpoint past the count's bound answers `total`
 * without counting. We chose them over making each entry cheaper because the profile of a page 400
 * deep (16,000 entries read) put the time in dynalite's per-entry work (LevelDB iteration, JSON
 * parsing of each entry, the JSON response: about 13 µs an entry) and the API thread's (about 9 µs,
 * mostly the SDK's): no patch takes 10,000 entries under what a page may cost under load, while a
 * checkpoint makes any page cost about what page 1 costs. On AWS (other Lambdas write) there are
 * none: a page's read units stay bounded without them.
 */
export class ExecutionSearch {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly limits: SearchLimits = SEARCH_LIMITS,
    /** Only where every write to the table reports to it (see SearchCheckpoints). */
    private readonly checkpoints?: SearchCheckpoints,
  ) {}

  async search(query: ExecutionQuery): Promise<ExecutionSearchResult> {
    if (isEmptyRange(query.startDate) || isEmptyRange(query.endDate)) return { results: [], total: 0, totalIsLowerBound: false };
    const flows = await this.flowsCovered(query);
    // Everything the Query filters on (searchFilter) tells searches apart.
    const reading = this.checkpoints?.reading({
      flows: flows.map(([namespace, flowId]) => flowKey(namespace, flowId)),
      states: query.states,
      labelKeys: query.labels?.map(labelKey),
      excludedLabelKeys: query.excludedLabels?.map(labelKey),
      idContains: query.idContains,
      sortKeys: query.startDate,
      triggerId: query.triggerId,
      endDates: query.endDate,
    });
    try {
      const found = await this.searchFlows(query, flows, reading);
      reading?.finish(true);
      return found;
    } finally {
      reading?.finish(false);
    }
  }

  private async searchFlows(query: ExecutionQuery, flows: [string, string][], reading: SearchReading | undefined): Promise<ExecutionSearchResult> {
    const from = (query.page - 1) * query.size;
    const partitions = flows.flatMap(([namespace, flowId]) => allShards(flowKey(namespace, flowId)));
    // A checkpoint at or before the page: the merge starts below its sort key, its matches already behind.
    const start = reading?.startFor(from);
    const behind = start?.above ?? 0;
    // Each partition's page: about its share of what the merge needs, so a wide fan-out reads little more than that.
    const share = (entries: number) => Math.min(1_000, Math.max(25, Math.ceil((entries / Math.max(1, partitions.length)) * 1.25)));
    const streams = (entries: number, below?: string) =>
      partitions.map(
        (partition) =>
          new PartitionStream(
            this.client,
            this.table,
            partition,
            searchFilter(query),
            share(entries),
            below === undefined ? undefined : startKeyBelow(partition, below),
          ),
      );
    const target = countTarget(this.limits, from, query.size);
    // More than `target` matches sort above a checkpoint: `total` is that lower bound, with nothing to count.
    const deepest = reading?.deepest();
    const counted = deepest && deepest.above > target ? { total: target, totalIsLowerBound: true } : undefined;
    const budget = { examined: 0 };

    // A shallow page is counted from each partition's start beside the merge, so the count does not
    // wait for it (it reads the page's few entries twice); a deeper page's count goes on from where
    // the merge stopped, reading no entry twice.
    if (!start && from + query.size <= this.limits.countUpTo / 4) {
      const [results, count] = await Promise.all([
        this.merge(streams(from + query.size + 1), { from, size: query.size, behind: 0 }, budget, reading).then(({ pageIds }) => this.documents(pageIds)),
        counted ?? this.count(streams(target + 1), 0, target, budget),
      ]);
      return { results, ...count };
    }
    const merging = streams(from - behind + query.size + 1, start?.sortKey);
    const { pageIds, merged } = await this.merge(merging, { from, size: query.size, behind }, budget, reading);
    const count = counted ?? (await this.count(merging, behind + merged + merging.reduce((sum, stream) => sum + stream.buffered(), 0), target, budget));
    return { results: await this.documents(pageIds), ...count };
  }

  /**
   * The page's ids: the merge takes entries newest first, from `from` on, until the page is full;
   * `behind` matches sort above where the streams start. It tells `reading` what it read and passed.
   */
  private async merge(
    streams: PartitionStream[],
    page: { from: number; size: number; behind: number },
    budget: { examined: number },
    reading: SearchReading | undefined,
  ): Promise<{ pageIds: string[]; merged: number }> {
    const pageIds: string[] = [];
    let merged = 0;
    let last: { sortKey: string; above: number } | undefined;
    while (pageIds.length < page.size) {
      const starving = streams.filter((stream) => stream.needsRead());
      if (starving.length) {
        if (budget.examined >= this.limits.examineAtMost) break;
        budget.examined += (await mapLimit(starving, FAN_OUT, (stream) => stream.read(reading))).reduce((a, b) => a + b, 0);
        continue;
      }
      // Every partition has its next entry at hand (or is done): the newest of them comes next.
      let newest: PartitionStream | undefined;
      for (const stream of streams) {
        const head = stream.head();
        if (head && (!newest || head.sortKey > (newest.head()?.sortKey ?? ''))) newest = stream;
      }
      if (!newest) break; // every partition read to its end
      const entry = newest.take();
      const above = page.behind + merged + 1;
      if (above > page.from) pageIds.push(entry.id);
      merged++;
      last = { sortKey: entry.sortKey, above };
      reading?.passed(last, false);
    }
    if (last) reading?.passed(last, true);
    return { pageIds, merged };
  }

  /**
   * The total: order does not matter, so each partition counts on from where its stream stands, with
   * COUNT queries (DynamoDB still reads the entries, but answers only a number), until more than
   * `target` match (then `total` is `target`, a lower bound), every partition is read to its end
   * (exact), or the examine budget is spent (a lower bound).
   */
  private async count(
    streams: PartitionStream[],
    alreadyCounted: number,
    target: number,
    budget: { examined: number },
  ): Promise<{ total: number; totalIsLowerBound: boolean }> {
    let counted = alreadyCounted;
    const countPage = Math.min(1_000, Math.max(25, Math.ceil(((target + 1 - counted) / Math.max(1, streams.length)) * 1.25)));
    while (counted <= target && streams.some((stream) => !stream.isDone()) && budget.examined < this.limits.examineAtMost) {
      const outs = await mapLimit(
        streams.filter((stream) => !stream.isDone()),
        FAN_OUT,
        (stream) => stream.count(countPage),
      );
      for (const out of outs) {
        counted += out.matched;
        budget.examined += out.examined;
      }
    }
    const exhausted = streams.every((stream) => stream.isDone());
    return { total: Math.min(counted, target), totalIsLowerBound: counted > target || !exhausted };
  }

  /** The documents of the page's ids, in their order. */
  private async documents(pageIds: string[]): Promise<Execution[]> {
    // BatchGetItem refuses duplicate keys: read each id once, should an index ever list one twice
    // (an entry can lag its item's new sort key for a moment on AWS; dynalite writes both at once).
    const uniqueIds = [...new Set(pageIds)];
    const documents = uniqueIds.length
      ? await batchGet(this.client, this.table, uniqueIds.map(executionKey), { expression: '#id, doc, docz', names: { '#id': 'id' } })
      : [];
    const byId = new Map(documents.map((item) => [str(item, 'id'), documentOf(item)]));
    // An index entry can outlive its item for a moment (indexes are eventually consistent): skip it.
    return uniqueIds.map((id) => byId.get(id)).filter((x): x is Execution => x !== undefined);
  }

  /** `[namespace, flowId]` of every flow the query covers, from the registry of flows with executions. */
  private async flowsCovered(query: ExecutionQuery): Promise<[string, string][]> {
    if (query.namespace !== undefined && query.flowId !== undefined)
      return coversFlow(query, query.namespace, query.flowId) ? [[query.namespace, query.flowId]] : [];
    const flows: [string, string][] = [];
    await eachPage(
      (startKey) =>
        query.namespace !== undefined
          ? this.client.send(
              new QueryCommand({
                TableName: this.table,
                IndexName: EXECUTION_FLOWS,
                KeyConditionExpression: 'registryNamespace = :ns',
                ExpressionAttributeValues: { ':ns': s(query.namespace) },
                ExclusiveStartKey: startKey,
              }),
            )
          : this.client.send(new ScanCommand({ TableName: this.table, IndexName: EXECUTION_FLOWS, ExclusiveStartKey: startKey })),
      (page) => {
        for (const item of page.Items ?? []) {
          const namespace = str(item, 'registryNamespace') ?? '';
          const flowId = str(item, 'registryFlowId') ?? '';
          if ((query.flowId === undefined || flowId === query.flowId) && coversFlow(query, namespace, flowId)) flows.push([namespace, flowId]);
        }
      },
    );
    return flows;
  }
}

/** Whether the flow meets the query's conditions on flows (Kestra 2.x's namespace and flowId filters). */
function coversFlow({ flowConditions }: ExecutionQuery, namespace: string, flowId: string): boolean {
  return matchesAll(namespace, flowConditions?.namespace) && matchesAll(flowId, flowConditions?.flowId);
}

/** A date range no execution falls in (DynamoDB refuses a BETWEEN whose bounds are reversed). */
function isEmptyRange(range: { from?: string; before?: string } | undefined): boolean {
  return range?.from !== undefined && range.before !== undefined && range.from >= range.before;
}

interface SearchFilter {
  /** The partition's key condition: `:pk`, and a start date range on the sort key when the query has one. */
  keyCondition: string;
  expression?: string;
  names: Record<string, string>;
  values: Item;
}

/**
 * The key condition and the filter of every partition's queries. A start date range is a condition
 * on the sort key, `<startDate>#<id>`, whose dates all have `toISOString`'s 24 characters: a key is
 * at least `from` exactly when its date is, and at most `before` (which no key equals, keys having
 * a `#` after the date) exactly when its date is earlier.
 */
function searchFilter(query: ExecutionQuery): SearchFilter {
  const names: Record<string, string> = {};
  const values: Item = {};
  const filters: string[] = [];
  const { from, before } = query.startDate ?? {};
  const range =
    from !== undefined && before !== undefined
      ? ' AND #sk BETWEEN :from AND :before'
      : from !== undefined
        ? ' AND #sk >= :from'
        : before !== undefined
          ? ' AND #sk < :before'
          : '';
  if (range) names['#sk'] = 'sortKey';
  if (from !== undefined) values[':from'] = s(from);
  if (before !== undefined) values[':before'] = s(before);
  if (query.states?.length) {
    names['#state'] = 'state';
    query.states.forEach((state, i) => {
      values[`:s${i}`] = s(state);
    });
    filters.push(`#state IN (${query.states.map((_, i) => `:s${i}`).join(', ')})`);
  }
  query.labels?.forEach((label, i) => {
    values[`:l${i}`] = s(labelKey(label));
    filters.push(`contains(labelKeys, :l${i})`);
  });
  // Without labels an item has no `labelKeys`, and `contains` on a missing attribute is false.
  query.excludedLabels?.forEach((label, i) => {
    values[`:x${i}`] = s(labelKey(label));
    filters.push(`NOT contains(labelKeys, :x${i})`);
  });
  if (query.idContains !== undefined) {
    // The table's key is in every index entry.
    names['#id'] = 'id';
    values[':q'] = s(query.idContains);
    filters.push('contains(#id, :q)');
  }
  query.triggerId?.forEach((condition, i) => {
    names['#trigger'] = 'triggerId';
    const placeholders = condition.values.map((value, j) => {
      values[`:t${i}_${j}`] = s(value);
      return `:t${i}_${j}`;
    });
    filters.push(triggerIdFilter(condition, placeholders));
  });
  if (query.endDate) {
    // `endMs`, the end date in epoch milliseconds; an entry without one (an unfinished execution)
    // fails every comparison, and says so explicitly: it is never in a range.
    names['#end'] = 'endMs';
    const { from, before } = query.endDate;
    if (from !== undefined) {
      values[':endFrom'] = n(Date.parse(from));
      filters.push('#end >= :endFrom');
    }
    if (before !== undefined) {
      values[':endBefore'] = n(Date.parse(before));
      filters.push('#end < :endBefore');
    }
    filters.push('attribute_exists(#end)');
  }
  return { keyCondition: `searchShard = :pk${range}`, expression: filters.length ? filters.join(' AND ') : undefined, names, values };
}

/**
 * One condition on the trigger id as a filter expression (`placeholders` name its values). An
 * execution without a trigger has no `triggerId`: the positive operations are false on a missing
 * attribute, and the negative ones say so explicitly (as optionalMatchesAll does), rather than rely
 * on how `<>` treats a missing attribute.
 */
function triggerIdFilter({ operation }: TriggerIdCondition, placeholders: string[]): string {
  const list = placeholders.join(', ');
  const any = (test: (placeholder: string) => string) => `(${placeholders.map(test).join(' OR ')})`;
  switch (operation) {
    case 'EQUALS':
    case 'IN':
      return `#trigger IN (${list})`;
    case 'NOT_EQUALS':
    case 'NOT_IN':
      return `(attribute_not_exists(#trigger) OR NOT #trigger IN (${list}))`;
    case 'STARTS_WITH':
      return any((placeholder) => `begins_with(#trigger, ${placeholder})`);
    case 'CONTAINS':
      return any((placeholder) => `contains(#trigger, ${placeholder})`);
  }
}

/**
 * The ExclusiveStartKey that starts a partition's Query just below a checkpoint's sort key, as if a
 * page had ended there: the partition, the sort key and the table's key, the id the sort key ends
 * with. (Not a `sortKey < :k` key condition: a start date range already holds the sort key's one
 * condition; a checkpoint of a search with a range lies inside it, as DynamoDB requires of a start key.)
 */
function startKeyBelow(partition: string, sortKey: string): Item {
  return { searchShard: s(partition), sortKey: s(sortKey), id: s(idInSortKey(sortKey)) };
}

/** One partition of the search index, newest first, read a page at a time as the merge consumes it. */
class PartitionStream {
  private buffer: { id: string; sortKey: string }[] = [];
  private next: Item | undefined;
  private done = false;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly partition: string,
    private readonly filter: SearchFilter,
    private readonly pageLimit: number,
    /** Where to start: below a checkpoint (see startKeyBelow), else at the partition's newest entry. */
    startAfter?: Item,
  ) {
    this.next = startAfter;
  }

  needsRead(): boolean {
    return this.buffer.length === 0 && !this.done;
  }

  /** Read to its end (nothing more to query; its buffer may still hold entries). */
  isDone(): boolean {
    return this.done;
  }

  buffered(): number {
    return this.buffer.length;
  }

  head(): { id: string; sortKey: string } | undefined {
    return this.buffer[0];
  }

  take(): { id: string; sortKey: string } {
    const entry = this.buffer.shift();
    if (!entry) throw new Error(`search partition ${this.partition}: take() with nothing read`);
    return entry;
  }

  /** Reads the next page (telling `reading` its ids); returns how many index entries it examined (filtered ones included). */
  async read(reading: SearchReading | undefined): Promise<number> {
    const out = await this.query({ ProjectionExpression: '#id, sortKey' }, this.pageLimit);
    const entries = (out.Items ?? []).map((item) => ({ id: str(item, 'id') ?? '', sortKey: str(item, 'sortKey') ?? '' }));
    reading?.read(entries.map((entry) => entry.id));
    this.buffer.push(...entries);
    return out.ScannedCount ?? out.Items?.length ?? 0;
  }

  /** Counts the matches of the next `limit` entries, without reading them into the buffer (the merge is over). */
  async count(limit: number): Promise<{ matched: number; examined: number }> {
    const out = await this.query({ Select: 'COUNT' }, limit);
    return { matched: out.Count ?? 0, examined: out.ScannedCount ?? 0 };
  }

  private async query(shape: { ProjectionExpression: string } | { Select: 'COUNT' }, limit: number) {
    const names = 'Select' in shape ? this.filter.names : { '#id': 'id', ...this.filter.names };
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: EXECUTIONS_SEARCH,
        KeyConditionExpression: this.filter.keyCondition,
        ScanIndexForward: false,
        FilterExpression: this.filter.expression,
        ...shape,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: { ':pk': s(this.partition), ...this.filter.values },
        Limit: limit,
        ExclusiveStartKey: this.next,
      }),
    );
    this.next = out.LastEvaluatedKey;
    this.done = this.next === undefined;
    return out;
  }
}
