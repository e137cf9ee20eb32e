import { afterAll, beforeAll } from 'vitest';
import { describeOperationStoreContract } from '../../contract/operation-store.contract';
import { DynaliteStores } from './dynalite-stores';

const dynalite = new DynaliteStores();
beforeAll(() => dynalite.start());
afterAll(() => dynalite.stop());

describeOperationStoreContract('DynamoOperationStore on dynalite', async () => ({ store: (await dynalite.stores()).operations, close: async () => undefined }));
