import { describeOperationStoreContract } from '../../contract/operation-store.contract';
import { InMemoryOperationStore } from '../../support/fakes/in-memory-operation-store';

describeOperationStoreContract('InMemoryOperationStore', async () => ({ store: new InMemoryOperationStore(), close: async () => undefined }));
