import { describeFlowStoreContract } from '../../contract/flow-store.contract';
import { InMemoryFlowStore } from '../../support/fakes/in-memory-flow-store';

describeFlowStoreContract('InMemoryFlowStore', async () => ({ store: new InMemoryFlowStore(), close: async () => undefined }));
