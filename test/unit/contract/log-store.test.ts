import { describeLogStoreContract } from '../../contract/log-store.contract';
import { InMemoryLogStore } from '../../support/fakes/in-memory-log-store';

describeLogStoreContract('InMemoryLogStore', async () => ({ store: new InMemoryLogStore(), close: async () => undefined }));
