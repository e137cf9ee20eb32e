import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { CreateTableCommand, DeleteTableCommand, GetItemCommand, PutItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { createTable, ensureTables } from '../../lib/adapters/dynamodb/create-tables';
import { rebuildOutdatedExecutions } from '../../lib/adapters/dynamodb/migrations';
import { EXECUTIONS_SEARCH, EXECUTIONS_TABLE, EXECUTION_FLOWS, EXECUTION_SHARDS, type IndexDef, flowKey } from '../../lib/adapters/dynamodb/tables';
import { flowRegistryItem, toExecutionItem } from '../../lib/adapters/dynamodb/execution-item';
import { SEARCH_LIMITS, countTarget } from '../../lib/domain/search-limits';
import { DynamoExecutionStore } from '../../lib/adapters/dynamodb/execution-store';
import { readSettings } from '../../lib/config';
import { type Execution, type StateType, newState, transition } from '../../lib/domain/execution';
import { type LocalDynamo, startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { matchesAll, optionalMatchesAll } from '../../lib/domain/text-match';
import type { ExecutionQuery } from '../../lib/ports';

/**
 * The executions search over dynalite (the real DynamoDB protocol): every page of every filter
 * combination equals what filtering and sorting all documents in memory gives.
 */
const STATES: StateType[] = ['CREATED', 'RUNNING', 'SUCCESS', 'FAILED'];

function executionsFixture(): Execution[] {
  const all: Execution[] = [];
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  for (let i = 0; i < 150; i++) {
    const namespace = i % 5 === 0 ? 'team.b' : 'team.a';
    const flowId = namespace === 'team.b' ? 'export' : i % 2 ? 'export' : 'import';
    const labels = [
      { key: 'system.from', value: i % 3 ? 'backfill' : 'trigger' },
      ...(i % 4 === 0 ? [{ key: 'reason', value: 'outage' }] : []),
      ...(i % 6 === 0 ? [{ key: 'team', value: 'data:eng' }] : []), // a value with a colon
    ];
    // Some share a start date: the id breaks the tie, as in the sort key.
    const at = new Date(t0 + Math.floor(i / 2) * 60_000);
    let state = newState(at);
    const target = STATES[i % STATES.length];
    if (target !== 'CREATED') state = transition(state, 'RUNNING', at);
    // Ended 0 to 90 minutes after they started: end dates do not follow start dates.
    if (target === 'SUCCESS' || target === 'FAILED') state = transition(state, target, new Date(at.getTime() + ((i * 37) % 91) * 60_000));
    // Of two triggers, or none (made by the API).
    const triggerId = [undefined, 'hourly', 'daily'][i % 3];
    const trigger = triggerId ? { id: triggerId, type: 'io.kestra.plugin.core.trigger.Schedule', variables: {} } : undefined;
    all.push({
      id: `ex${String(i).padStart(4, '0')}`,
      namespace,
      flowId,
      flowRevision: 1,
      labels,
      inputs: {},
      state,
      ...(trigger ? { trigger } : {}),
      taskRunList: [],
    });
  }
  // One with no labels at all (DynamoDB has no empty sets: the item carries no label attribute).
  all.push({
    id: 'ex-unlabelled',
    namespace: 'team.a',
    flowId: 'export',
    flowRevision: 1,
    labels: [],
    inputs: {},
    state: newState(new Date(t0)),
    taskRunList: [],
  });
  return all;
}

function expected(all: Execution[], q: ExecutionQuery): { ids: string[]; total: number } {
  const matching = all
    .filter((x) => (q.namespace === undefined || x.namespace === q.namespace) && (q.flowId === undefined || x.flowId === q.flowId))
    .filter((x) => !q.states?.length || q.states.includes(x.state.current))
    .filter((x) => (q.labels ?? []).every((want) => x.labels.some((l) => l.key === want.key && l.value === want.value)))
    // Kestra 2.x's filters, modelled independently of the adapter's key conditions and expressions.
    .filter((x) => matchesAll(x.namespace, q.flowConditions?.namespace) && matchesAll(x.flowId, q.flowConditions?.flowId))
    .filter((x) => !(q.excludedLabels ?? []).some((not) => x.labels.some((l) => l.key === not.key && l.value === not.value)))
    .filter((x) => q.startDate?.from === undefined || Date.parse(x.state.startDate) >= Date.parse(q.startDate.from))
    .filter((x) => q.startDate?.before === undefined || Date.parse(x.state.startDate) < Date.parse(q.startDate.before))
    .filter((x) => q.idContains === undefined || x.id.includes(q.idContains))
    .filter((x) => optionalMatchesAll(x.trigger?.id, q.triggerId))
    .filter(
      (x) =>
        q.endDate === undefined ||
        (x.state.endDate !== undefined &&
          (q.endDate.from === undefined || Date.parse(x.state.endDate) >= Date.parse(q.endDate.from)) &&
          (q.endDate.before === undefined || Date.parse(x.state.endDate) < Date.parse(q.endDate.before))),
    )
    .sort((a, b) => `${b.state.startDate}#${b.id}`.localeCompare(`${a.state.startDate}#${a.id}`));
  const from = (q.page - 1) * q.size;
  return { ids: matching.slice(from, from + q.size).map((x) => x.id), total: matching.length };
}

describe('executions search (DynamoDB store)', () => {
  let dynamo: LocalDynamo;
  let store: DynamoExecutionStore;
  const all = executionsFixture();

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    const tables = readSettings({}).tables;
    await ensureTables(dynamo.client, tables);
    store = new DynamoExecutionStore(dynamo.client, tables.executions);
    await store.createMany(all.map((execution) => ({ execution, origin: {} })));
  });
  afterAll(async () => dynamo?.close());

  const filters: Omit<ExecutionQuery, 'page' | 'size'>[] = [
    { namespace: 'team.a', flowId: 'export' },
    { namespace: 'team.a', flowId: 'export', labels: [{ key: 'reason', value: 'outage' }] },
    {
      namespace: 'team.a',
      flowId: 'export',
      labels: [
        { key: 'reason', value: 'outage' },
        { key: 'system.from', value: 'backfill' },
      ],
    },
    { namespace: 'team.a', flowId: 'import', labels: [{ key: 'team', value: 'data:eng' }] },
    { namespace: 'team.a', flowId: 'export', states: ['FAILED', 'RUNNING'] },
    { namespace: 'team.a', flowId: 'import', states: ['SUCCESS'], labels: [{ key: 'system.from', value: 'trigger' }] },
    { namespace: 'team.a' },
    { namespace: 'team.b', labels: [{ key: 'system.from', value: 'backfill' }], states: ['CREATED', 'SUCCESS'] },
    { flowId: 'export' },
    { flowId: 'export', labels: [{ key: 'reason', value: 'outage' }] },
    {},
    { states: ['FAILED'] },
    { namespace: 'team.a', flowId: 'export', labels: [{ key: 'reason', value: 'nothing' }] },
    { namespace: 'nobody' },
    // Kestra 2.x's filters.
    { flowConditions: { namespace: [{ operation: 'PREFIX', values: ['team'] }] }, startDate: { from: '2026-11-01T00:20:00.000Z' } },
    { namespace: 'team.a', flowId: 'export', startDate: { from: '2026-11-01T00:10:00.000Z', before: '2026-11-01T00:40:00.000Z' }, states: ['FAILED'] },
    { startDate: { before: '2026-11-01T00:30:00.000Z' }, excludedLabels: [{ key: 'system.from', value: 'backfill' }] },
    { flowConditions: { flowId: [{ operation: 'NOT_EQUALS', values: ['import'] }] }, excludedLabels: [{ key: 'reason', value: 'outage' }] },
    { namespace: 'team.a', idContains: '01', startDate: { from: '2026-11-01T00:05:00.000Z', before: '2026-11-01T01:05:00.000Z' } },
    { namespace: 'team.a', flowId: 'export', triggerId: [{ operation: 'EQUALS', values: ['hourly'] }] },
    { triggerId: [{ operation: 'NOT_IN', values: ['hourly', 'daily'] }], labels: [{ key: 'system.from', value: 'backfill' }] },
    { namespace: 'team.a', triggerId: [{ operation: 'NOT_EQUALS', values: ['daily'] }], states: ['FAILED', 'CREATED'] },
    {
      triggerId: [
        { operation: 'STARTS_WITH', values: ['d'] },
        { operation: 'CONTAINS', values: ['ail'] },
      ],
    },
    { endDate: { from: '2026-11-01T01:00:00.000Z' } },
    { namespace: 'team.a', flowId: 'import', endDate: { before: '2026-11-01T00:45:00.000Z' }, labels: [{ key: 'reason', value: 'outage' }] },
    {
      triggerId: [{ operation: 'IN', values: ['hourly'] }],
      endDate: { from: '2026-11-01T00:30:00.000Z', before: '2026-11-01T01:30:00.000Z' },
      startDate: { before: '2026-11-01T00:50:00.000Z' },
      states: ['SUCCESS'],
    },
    { namespace: 'team.b', endDate: { from: '2026-11-01T00:20:00.000Z' }, excludedLabels: [{ key: 'reason', value: 'outage' }], idContains: '5' },
  ];

  it.each(filters.map((f) => [JSON.stringify(f), f] as const))('pages %s exactly as in memory', async (_, filter) => {
    const size = 7;
    const { total } = expected(all, { ...filter, page: 1, size });
    // Every page, plus the one past the end.
    for (let page = 1; page <= Math.ceil(total / size) + 1; page++) {
      const got = await store.search({ ...filter, page, size });
      const want = expected(all, { ...filter, page, size });
      expect({ page, total: got.total, ids: got.results.map((x) => x.id) }).toEqual({ page, total: want.total, ids: want.ids });
    }
  });

  it('reads a bounded part of a big flow: exact totals up to the bound, "at least" past it, any page right', async () => {
    const t0 = Date.parse('2026-10-01T00:00:00Z');
    const padding = { key: 'note', value: 'x'.repeat(200) }; // ~0.3 kB index entries: 5,000 make 1.5 MB
    const many: Execution[] = Array.from({ length: 5000 }, (_, i) => ({
      id: `big${String(i).padStart(5, '0')}`,
      namespace: 'team.c',
      flowId: 'big',
      flowRevision: 1,
      labels: [padding, { key: 'parity', value: i % 2 ? 'odd' : 'even' }],
      inputs: {},
      state: newState(new Date(t0 + i * 1000)),
      taskRunList: [],
    }));
    await store.createMany(many.map((execution) => ({ execution, origin: {} })));
    const send = vi.spyOn(dynamo.client, 'send');
    onTestFinished(() => send.mockRestore());
    for (const query of [
      { namespace: 'team.c', flowId: 'big', page: 1, size: 25 },
      { namespace: 'team.c', flowId: 'big', page: 150, size: 25 },
      { namespace: 'team.c', flowId: 'big', page: 200, size: 25 },
      { namespace: 'team.c', flowId: 'big', labels: [{ key: 'parity', value: 'odd' }], page: 99, size: 25 },
      { namespace: 'team.c', labels: [{ key: 'parity', value: 'even' }], page: 3, size: 40 },
    ]) {
      send.mockClear();
      const got = await store.search(query);
      const want = expected(many, query);
      const target = countTarget(SEARCH_LIMITS, (query.page - 1) * query.size, query.size);
      expect({ query, total: got.total, lowerBound: got.totalIsLowerBound, ids: got.results.map((x) => x.id) }).toEqual({
        query,
        total: Math.min(want.total, target),
        lowerBound: want.total > target,
        ids: want.ids,
      });
      // What it read: about the entries the merge needed (each partition reads its share, a quarter more), whatever the flow's size.
      const outputs = await Promise.all(send.mock.results.map((r) => r.value as Promise<{ ScannedCount?: number }>));
      const examined = outputs.reduce((sum, out) => sum + (out.ScannedCount ?? 0), 0);
      const filtered = query.labels ? 2 : 1; // half the entries match a parity label
      expect(examined).toBeLessThanOrEqual(2 * (target + 1) * filtered + EXECUTION_SHARDS * 25);
    }
    send.mockRestore();

    // Kestra's clients count with size=1 and page until they hold `total` results: past the bound
    // the count says "at least", and paging still reaches every match, ending on an exact total.
    expect(await store.search({ namespace: 'team.c', flowId: 'big', page: 1, size: 1 })).toMatchObject({
      total: SEARCH_LIMITS.countUpTo,
      totalIsLowerBound: true,
    });
    for (const query of [
      { namespace: 'team.c', flowId: 'big', size: 500 },
      { namespace: 'team.c', flowId: 'big', labels: [{ key: 'parity', value: 'odd' }], size: 300 },
    ]) {
      const held: string[] = [];
      let last = { total: Number.POSITIVE_INFINITY, totalIsLowerBound: true };
      for (let page = 1; held.length < last.total; page++) {
        const found = await store.search({ ...query, page });
        if (!found.results.length) break;
        held.push(...found.results.map((x) => x.id));
        expect(found.total, 'a lower bound exceeds what the client holds').toBeGreaterThan(found.totalIsLowerBound ? held.length : held.length - 1);
        last = found;
      }
      const want = expected(many, { ...query, page: 1, size: many.length });
      expect({ held, total: last.total, lowerBound: last.totalIsLowerBound }).toEqual({ held: want.ids, total: want.total, lowerBound: false });
    }
  });

  it('reads only the start date range asked for: a range is a key condition, not a filter', async () => {
    // 3,000 executions a second apart; the range holds 100 of them, 2,000 newer ones above it.
    const t0 = Date.parse('2026-09-01T00:00:00Z');
    const many: Execution[] = Array.from({ length: 3000 }, (_, i) => ({
      id: `rng${String(i).padStart(5, '0')}`,
      namespace: 'team.d',
      flowId: 'ranged',
      flowRevision: 1,
      labels: [],
      inputs: {},
      state: newState(new Date(t0 + i * 1000)),
      taskRunList: [],
    }));
    await store.createMany(many.map((execution) => ({ execution, origin: {} })));
    const range = { from: new Date(t0 + 900_000).toISOString(), before: new Date(t0 + 1_000_000).toISOString() };
    const send = vi.spyOn(dynamo.client, 'send');
    onTestFinished(() => send.mockRestore());

    const held: string[] = [];
    let examined = 0;
    for (let page = 1; page <= 5; page++) {
      send.mockClear();
      const found = await store.search({ namespace: 'team.d', flowId: 'ranged', startDate: range, page, size: 25 });
      held.push(...found.results.map((x) => x.id));
      expect(found).toMatchObject({ total: 100, totalIsLowerBound: false });
      const outputs = await Promise.all(send.mock.results.map((r) => r.value as Promise<{ ScannedCount?: number }>));
      examined = Math.max(
        examined,
        outputs.reduce((sum, out) => sum + (out.ScannedCount ?? 0), 0),
      );
    }

    expect(held).toEqual(expected(many, { namespace: 'team.d', flowId: 'ranged', startDate: range, page: 1, size: 100 }).ids);
    // Each page reads the range's entries (the merge's share and the count), never the 2,000 newer ones.
    expect(examined).toBeLessThanOrEqual(2 * 100 + EXECUTION_SHARDS * 25);
  });

  it('filters trigger ids and end dates in the index: it reads documents only for the page', async () => {
    const send = vi.spyOn(dynamo.client, 'send');
    onTestFinished(() => send.mockRestore());
    const query: ExecutionQuery = {
      triggerId: [{ operation: 'EQUALS', values: ['daily'] }],
      endDate: { from: '2026-11-01T00:30:00.000Z' },
      page: 2,
      size: 3,
    };

    const found = await store.search(query);

    expect(found.results.map((x) => x.id)).toEqual(expected(all, query).ids);
    const commands = send.mock.calls.map(([command]) => command as { constructor: { name: string }; input: Record<string, any> });
    const documentReads = commands.filter((command) => command.constructor.name === 'BatchGetItemCommand');
    expect(documentReads.flatMap((command) => Object.values(command.input.RequestItems).flatMap((request: any) => request.Keys))).toHaveLength(3);
    // Everything else went to the indexes: the search index's partitions and the flow registry.
    const others = commands.filter((command) => command.constructor.name !== 'BatchGetItemCommand');
    expect(new Set(others.map((command) => `${command.constructor.name} ${command.input.IndexName}`))).toEqual(
      new Set([`QueryCommand ${EXECUTIONS_SEARCH}`, `ScanCommand ${EXECUTION_FLOWS}`]),
    );
  });

  /** An executions table of `indexes`, holding `executions` as this version writes them but without `dropped` attributes. */
  async function tableOf(name: string, indexes: IndexDef[], executions: Execution[], dropped: string[]): Promise<void> {
    await createTable(dynamo.client, { ...EXECUTIONS_TABLE, indexes }, name);
    for (const execution of executions) {
      const item = toExecutionItem({ execution, origin: {} });
      for (const attribute of dropped) delete item[attribute];
      await dynamo.client.send(new PutItemCommand({ TableName: name, Item: item }));
    }
    await dynamo.client.send(new PutItemCommand({ TableName: name, Item: flowRegistryItem('team.a', 'export') }));
  }
  const searchIndexAs = (name: string, nonKeyAttributes: string[]): IndexDef[] =>
    EXECUTIONS_TABLE.indexes.map((index) => (index.name === EXECUTIONS_SEARCH ? { ...index, name, nonKeyAttributes } : index));

  it.each([
    ['the previous version (searchByFlow, projecting state and labels; items without trigger ids and end dates)', 'searchByFlow'],
    ['an index named as the current one but projecting less', EXECUTIONS_SEARCH],
  ])('rebuilds a table of %s, after which the trigger and end date filters find its executions', async (_, indexName) => {
    const table = `executions-old-${indexName}`;
    const old = all.filter((x) => x.namespace === 'team.a' && x.flowId === 'export');
    await tableOf(table, searchIndexAs(indexName, ['state', 'labelKeys']), old, ['triggerId', 'endMs']);
    const oldStore = new DynamoExecutionStore(dynamo.client, table);
    const queries: ExecutionQuery[] = [
      { namespace: 'team.a', flowId: 'export', triggerId: [{ operation: 'IN', values: ['hourly'] }], page: 1, size: 100 },
      { namespace: 'team.a', flowId: 'export', endDate: { from: '2026-11-01T00:40:00.000Z' }, page: 1, size: 100 },
    ];
    for (const query of queries) expect(expected(old, query).total).toBeGreaterThan(5);

    expect(await rebuildOutdatedExecutions(dynamo.client, table)).toBe(old.length);

    for (const query of queries) {
      const found = await oldStore.search(query);
      expect({ total: found.total, ids: found.results.map((x) => x.id) }).toEqual(expected(old, query));
    }
    expect(await rebuildOutdatedExecutions(dynamo.client, table)).toBe(0);
  });

  it('rebuilds an executions table from an older version with the current indexes, and resumes an interrupted rebuild', async () => {
    // The executions table as session-1 versions created it: search indexes projecting ALL, no
    // labelKeys, no tick index, no tickOwner on the items.
    const table = 'executions-v1';
    const gsi = (name: string, pk: string) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: pk, KeyType: 'HASH' as const },
        { AttributeName: 'sortKey', KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    });
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['id', 'flowKey', 'namespace', 'sortKey'].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [gsi('byFlow', 'flowKey'), gsi('byNamespace', 'namespace')],
      }),
    );
    await waitUntilTableExists({ client: dynamo.client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TableName: table });
    const tickMs = Date.parse('2026-11-01T00:00:00Z');
    const old = all
      .filter((x) => x.namespace === 'team.a' && x.flowId === 'export')
      .map((x, i) => (i === 0 ? { ...x, trigger: { id: 'schedule', type: 'io.kestra.plugin.core.trigger.Schedule', variables: {} } } : x));
    const leased = old.findIndex((x) => x.state.current === 'CREATED');
    for (const [i, x] of old.entries()) {
      await dynamo.client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            id: { S: x.id },
            namespace: { S: x.namespace },
            flowId: { S: x.flowId },
            flowKey: { S: flowKey(x.namespace, x.flowId) },
            sortKey: { S: `${x.state.startDate}#${x.id}` },
            state: { S: x.state.current },
            doc: { S: JSON.stringify(x) },
            ...(i === 0 ? { tickMs: { N: String(tickMs) } } : {}),
            // An unfinished execution of a backfill, leased: it must stay counted, and keep its lease.
            ...(i === leased ? { backfillId: { S: 'bf-old' }, leaseToken: { S: 'lease-old' }, leaseUntil: { N: '1' } } : {}),
          },
        }),
      );
    }
    const oldStore = new DynamoExecutionStore(dynamo.client, table);
    const query = { namespace: 'team.a', flowId: 'export', labels: [{ key: 'system.from', value: 'backfill' }], page: 1, size: 100 };
    expect(expected(old, query).total).toBeGreaterThan(10);
    await expect(oldStore.search(query)).rejects.toThrow(/index/);

    expect(await rebuildOutdatedExecutions(dynamo.client, table)).toBe(old.length);
    const found = await oldStore.search(query);
    expect({ total: found.total, ids: found.results.map((x) => x.id) }).toEqual(expected(old, query));
    const byTick = await oldStore.statesByTick({ namespace: 'team.a', flowId: 'export', triggerId: 'schedule' }, tickMs, tickMs);
    expect(byTick.get(tickMs)).toEqual([{ id: old[0]?.id, state: old[0]?.state.current }]);
    expect(await oldStore.countRunning('bf-old', 10)).toBe(old[leased]?.state.current === 'RUNNING' ? 1 : 0);
    const leasedItem = await dynamo.client.send(new GetItemCommand({ TableName: table, Key: { id: { S: old[leased]?.id ?? '' } } }));
    expect(leasedItem.Item?.leaseToken).toEqual({ S: 'lease-old' });
    expect(await rebuildOutdatedExecutions(dynamo.client, table)).toBe(0);
    expect(await rebuildOutdatedExecutions(dynamo.client, readSettings({}).tables.executions)).toBe(0);

    // Interrupted after the original was dropped: the spare holds everything, the table is missing.
    await createTable(dynamo.client, EXECUTIONS_TABLE, `${table}-rebuild`);
    await new DynamoExecutionStore(dynamo.client, `${table}-rebuild`).createMany(old.map((execution) => ({ execution, origin: {} })));
    await dynamo.client.send(new DeleteTableCommand({ TableName: table }));
    expect(await rebuildOutdatedExecutions(dynamo.client, table)).toBe(old.length);
    expect((await oldStore.search({ ...query, labels: [] })).total).toBe(old.length);
    expect(await rebuildOutdatedExecutions(dynamo.client, table)).toBe(0);
  });

  it('returns whole documents, labels and state as stored', async () => {
    const { results } = await store.search({ namespace: 'team.a', flowId: 'import', labels: [{ key: 'team', value: 'data:eng' }], page: 1, size: 1 });
    const stored = all.find((x) => x.id === results[0]?.id);
    expect(results[0]).toEqual(stored);
  });

  it('follows state changes made after creation', async () => {
    const [first] = (await store.search({ namespace: 'team.b', flowId: 'export', states: ['CREATED'], page: 1, size: 1 })).results;
    if (!first) throw new Error('the fixture has CREATED executions of team.b/export');
    const claimed = await store.claim(first.id, 'lease-1', Date.now() + 60_000, new Date());
    expect(claimed.outcome).toBe('CLAIMED');
    const running = await store.search({ namespace: 'team.b', flowId: 'export', states: ['RUNNING'], page: 1, size: 100 });
    expect(running.results.map((x) => x.id)).toContain(first.id);
    const created = await store.search({ namespace: 'team.b', flowId: 'export', states: ['CREATED'], page: 1, size: 100 });
    expect(created.results.map((x) => x.id)).not.toContain(first.id);
  });
});
