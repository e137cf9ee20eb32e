import { afterAll, beforeAll } from 'vitest';
import { describeExecutionStoreContract } from '../../contract/execution-store.contract';
import { DynaliteStores } from './dynalite-stores';

const dynalite = new DynaliteStores();
beforeAll(() => dynalite.start());
afterAll(() => dynalite.stop());

describeExecutionStoreContract('DynamoExecutionStore on dynalite', async (options) => ({
  store: (await dynalite.stores(options)).executions,
  close: async () => undefined,
}));
