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

// As the local default builds it: the same contract with search checkpoints kept (every write reported to them).
describeExecutionStoreContract('DynamoExecutionStore on dynalite, keeping search checkpoints', async (options) => ({
  store: (await dynalite.stores({ ...options, soleWriter: true, checkpointSpacing: 2 })).executions,
  close: async () => undefined,
}));
