import { describeExecutionStoreContract } from '../../contract/execution-store.contract';
import { InMemoryExecutionStore } from '../../support/fakes/in-memory-execution-store';

describeExecutionStoreContract('InMemoryExecutionStore', async (options) => ({
  store: new InMemoryExecutionStore(options?.searchLimits),
  close: async () => undefined,
}));
