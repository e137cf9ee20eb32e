import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { flowKey } from '../../../lib/adapters/dynamodb/tables';
import { DynamoTriggerStore } from '../../../lib/adapters/dynamodb/trigger-store';
import { describeTriggerStoreContract } from '../../contract/trigger-store.contract';
import { DynaliteStores } from './dynalite-stores';

const dynalite = new DynaliteStores();
beforeAll(() => dynalite.start());
afterAll(() => dynalite.stop());

describeTriggerStoreContract('DynamoTriggerStore on dynalite', async () => {
  const { client, names } = await dynalite.tables();
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  let crashNext = false;
  // The store's client, failing the next put of a backfill's own row as a process dying just before it would.
  const crashing = {
    send: (command: unknown) => {
      if (crashNext && command instanceof PutCommand && command.input.Item?.backfillId !== undefined) {
        crashNext = false;
        return Promise.reject(new Error('crashed before writing the backfill (a test fault)'));
      }
      return documents.send(command as PutCommand);
    },
  } as unknown as DynamoDBDocumentClient;
  return {
    store: new DynamoTriggerStore(crashing, names.triggers),
    crashBeforeNextBackfillRow: () => {
      crashNext = true;
    },
    storedBackfillIds: async (ref) => {
      const out = await documents.send(
        new QueryCommand({
          TableName: names.triggers,
          KeyConditionExpression: 'flowKey = :fk AND begins_with(triggerId, :t)',
          ExpressionAttributeValues: { ':fk': flowKey(ref.namespace, ref.flowId), ':t': `${ref.triggerId}|` },
          ConsistentRead: true,
        }),
      );
      return (out.Items ?? []).map((item) => String(item.triggerId).slice(ref.triggerId.length + 1)).sort();
    },
    close: async () => undefined,
  };
});
