import { describeDispatchLedgerContract } from '../../contract/dispatch-ledger.contract';
import { InMemoryDispatchLedger } from '../../support/fakes/in-memory-dispatch-ledger';

describeDispatchLedgerContract('InMemoryDispatchLedger', async () => ({ ledger: new InMemoryDispatchLedger(), close: async () => undefined }));
