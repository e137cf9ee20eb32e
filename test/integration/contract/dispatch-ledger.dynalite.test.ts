import { afterAll, beforeAll } from 'vitest';
import { describeDispatchLedgerContract } from '../../contract/dispatch-ledger.contract';
import { DynaliteStores } from './dynalite-stores';

const dynalite = new DynaliteStores();
beforeAll(() => dynalite.start());
afterAll(() => dynalite.stop());

describeDispatchLedgerContract('DynamoDispatchLedger on dynalite', async () => ({ ledger: (await dynalite.stores()).ledger, close: async () => undefined }));
