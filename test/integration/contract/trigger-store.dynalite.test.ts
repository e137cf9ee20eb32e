import { afterAll, beforeAll } from 'vitest';
import { describeTriggerStoreContract } from '../../contract/trigger-store.contract';
import { DynaliteStores } from './dynalite-stores';

const dynalite = new DynaliteStores();
beforeAll(() => dynalite.start());
afterAll(() => dynalite.stop());

describeTriggerStoreContract('DynamoTriggerStore on dynalite', async () => ({ store: (await dynalite.stores()).triggers, close: async () => undefined }));
