import { describeTriggerStoreContract } from '../../contract/trigger-store.contract';
import { InMemoryTriggerStore } from '../../support/fakes/in-memory-trigger-store';

describeTriggerStoreContract('InMemoryTriggerStore', async () => ({ store: new InMemoryTriggerStore(), close: async () => undefined }));
