import { describeTriggerStoreContract } from '../../contract/trigger-store.contract';
import { InMemoryTriggerStore } from '../../support/fakes/in-memory-trigger-store';

describeTriggerStoreContract('InMemoryTriggerStore', async () => {
  const store = new InMemoryTriggerStore();
  return {
    store,
    crashBeforeNextBackfillRow: () => store.crashBeforeNextBackfillRow(),
    storedBackfillIds: async (ref) => store.storedBackfillIds(ref),
    close: async () => undefined,
  };
});
