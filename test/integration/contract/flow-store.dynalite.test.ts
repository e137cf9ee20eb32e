import { afterAll, beforeAll } from 'vitest';
import { describeFlowStoreContract } from '../../contract/flow-store.contract';
import { DynaliteStores } from './dynalite-stores';

const dynalite = new DynaliteStores();
beforeAll(() => dynalite.start());
afterAll(() => dynalite.stop());

describeFlowStoreContract('DynamoFlowStore on dynalite', async () => ({ store: (await dynalite.stores()).flows, close: async () => undefined }));
