import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transition } from '../../lib/domain/execution';
import { ensureTables } from '../../lib/adapters/dynamodb/create-tables';
import { storesFor } from '../../lib/adapters/dynamodb/stores';
import { type LocalDynamo, connectDynamo, startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { readSettings } from '../../lib/config';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '../support/dynamo-fault-proxy';
import { aBackfill, aFlow, aStoredExecution, aTriggerState } from '../support/factories';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const LEASE_UNTIL = NOW.getTime() + 60_000;

/**
 * A write that DynamoDB applied but whose answer never came back: the SDK sends it again, and a
 * conditional write then fails on its own earlier success. Each store call below has its first
 * answer lost (the proxy applies the request, then drops the connection) and must still report
 * what happened: its write landed.
 */
const LIMITS = { maxActive: 10 };

describe('conditional writes whose answer was lost (a proxy in front of dynalite)', () => {
  let dynamo: LocalDynamo;
  let proxy: DynamoFaultProxy;
  let client: LocalDynamo;
  let stores: ReturnType<typeof storesFor>;
  const tables = readSettings({}).tables;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    proxy = await startDynamoFaultProxy(dynamo.endpoint, 1);
    client = connectDynamo(proxy.url);
    await ensureTables(client.client, tables);
    stores = storesFor(client.client, tables);
  });
  afterAll(async () => {
    await client.close();
    await proxy.close();
    await dynamo.close();
  });

  const running = (id: string) => {
    const stored = aStoredExecution({ id, state: 'CREATED' });
    stored.execution.state = transition(stored.execution.state, 'RUNNING', NOW);
    return stored;
  };

  it('createClaimed: the put landed, so the execution is ours', async () => {
    proxy.loseNextAnswers(1, 'PutItem');
    const lost = proxy.counts.lostAnswers;
    expect(await stores.executions.createClaimed(running('created-1'), 'w1', LEASE_UNTIL)).toBe(true);
    expect(proxy.counts.lostAnswers).toBe(lost + 1);
    // Someone else's token still loses.
    expect(await stores.executions.createClaimed(running('created-1'), 'w2', LEASE_UNTIL)).toBe(false);
  });

  it('claim: the update landed, so the claim is CLAIMED rather than BUSY (which would wait out its own lease)', async () => {
    await stores.executions.createIfAbsent(aStoredExecution({ id: 'claimed-1', state: 'CREATED' }));
    // The batched read goes through; the update's answer is the one lost.
    proxy.loseNextAnswers(1, 'UpdateItem');
    const result = await stores.executions.claim('claimed-1', 'w1', LEASE_UNTIL, NOW);
    expect(result.outcome).toBe('CLAIMED');
    expect(proxy.counts.lostAnswers).toBeGreaterThan(0);
    expect((await stores.executions.claim('claimed-1', 'w2', LEASE_UNTIL, NOW)).outcome).toBe('BUSY');
  });

  it('finish: the final write landed, so the run ended (and its ledger slot gets marked)', async () => {
    const stored = running('finished-1');
    expect(await stores.executions.createClaimed(stored, 'w1', LEASE_UNTIL)).toBe(true);
    stored.execution.state = transition(stored.execution.state, 'SUCCESS', new Date(NOW.getTime() + 1000));
    proxy.loseNextAnswers(1, 'UpdateItem');
    expect(await stores.executions.finish(stored, 'w1')).toBe(true);
    expect((await stores.executions.get('finished-1'))?.execution.state.current).toBe('SUCCESS');
    // A worker whose lease was taken over still learns it lost.
    const other = running('finished-2');
    await stores.executions.createClaimed(other, 'w1', LEASE_UNTIL);
    other.execution.state = transition(other.execution.state, 'SUCCESS', new Date(NOW.getTime() + 1000));
    expect(await stores.executions.finish(other, 'w2')).toBe(false);
  });

  it('flows.update: the copy of the replaced revision landed, its answer lost: the update goes on and the revision is kept once', async () => {
    await stores.flows.create(aFlow({ id: 'lost-keep', revision: 1, description: 'v1' }));
    proxy.loseNextAnswers(1, 'PutItem');
    const lost = proxy.counts.lostAnswers;

    await stores.flows.update(aFlow({ id: 'lost-keep', revision: 2, description: 'v2' }), 1);

    expect(proxy.counts.lostAnswers).toBe(lost + 1);
    expect((await stores.flows.listRevisions('dev', 'lost-keep')).map((f) => f.description)).toEqual(['v1', 'v2']);
  });

  it('flows.update after a crash between keeping the copy and replacing the flow: the copy of a still-current revision changes nothing, the next update goes through', async () => {
    const first = aFlow({ id: 'crashed-update', revision: 1, description: 'v1' });
    await stores.flows.create(first);
    // What the crashed update left: the copy of revision 1, written before the flow would have moved on.
    const documents = DynamoDBDocumentClient.from(client.client);
    await documents.send(
      new PutCommand({
        TableName: tables.flowRevisions,
        Item: { flowKey: 'dev|crashed-update', namespace: 'dev', id: 'crashed-update', revision: 1, doc: JSON.stringify(first) },
      }),
    );
    expect(await stores.flows.listRevisions('dev', 'crashed-update')).toEqual([first]);

    await stores.flows.update(aFlow({ id: 'crashed-update', revision: 2, description: 'v2' }), 1);

    expect((await stores.flows.listRevisions('dev', 'crashed-update')).map((f) => f.description)).toEqual(['v1', 'v2']);
    expect(await stores.flows.getRevision('dev', 'crashed-update', 1)).toEqual(first);
  });

  it("startBackfill: the window's reservation landed, so the request reserves it again and succeeds instead of answering 409", async () => {
    const ref = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
    await stores.triggers.createIfAbsent(aTriggerState());
    proxy.loseNextAnswers(1, 'UpdateItem');
    await expect(stores.triggers.startBackfill(ref, aBackfill({ id: 'bf-lost' }), NOW.toISOString(), LIMITS)).resolves.toBeUndefined();
    expect((await stores.triggers.get(ref))?.backfill?.id).toBe('bf-lost');
    await expect(stores.triggers.startBackfill(ref, aBackfill({ id: 'bf-other' }), NOW.toISOString(), LIMITS)).rejects.toThrow(/bf-lost is already active/);
  });

  it("startBackfill: the backfill's row landed, so the request succeeds instead of answering 409", async () => {
    const ref = { namespace: 'dev', flowId: 'reports', triggerId: 'daily' };
    await stores.triggers.createIfAbsent(aTriggerState({ triggerId: 'daily' }));
    proxy.loseNextAnswers(1, 'PutItem');
    const lost = proxy.counts.lostAnswers;
    await expect(stores.triggers.startBackfill(ref, aBackfill({ id: 'bf-put' }), NOW.toISOString(), LIMITS)).resolves.toBeUndefined();
    expect(proxy.counts.lostAnswers).toBe(lost + 1);
    expect((await stores.triggers.get(ref))?.backfills.map((b) => b.id)).toEqual(['bf-put']);
  });
});
