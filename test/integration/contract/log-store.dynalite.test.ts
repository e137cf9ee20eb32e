import { afterAll, beforeAll } from 'vitest';
import { describeLogStoreContract } from '../../contract/log-store.contract';
import { DynaliteStores } from './dynalite-stores';

const dynalite = new DynaliteStores();
beforeAll(() => dynalite.start());
afterAll(() => dynalite.stop());

describeLogStoreContract('DynamoLogStore on dynalite', async () => ({ store: (await dynalite.stores()).logs, close: async () => undefined }));
