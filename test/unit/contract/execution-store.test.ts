import { describeExecutionStoreContract } from '../../contract/execution-store.contract';
import { InMemoryExecutionStore } from '../../support/fakes/in-memory-execution-store';

describeExecutionStoreContract('InMemoryExecutionStore', async () => ({ store: new InMemoryExecutionStore(), close: async () => undefined }));
