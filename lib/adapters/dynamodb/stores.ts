import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDispatchLedger } from './dispatch-ledger';
import { DynamoExecutionStore, type ExecutionStoreOptions } from './execution-store';
import { DynamoFlowStore } from './flow-store';
import { DynamoLogStore } from './log-store';
import { DynamoOperationStore } from './operation-store';
import type { TableNames } from './tables';
import { DynamoTriggerStore } from './trigger-store';

/**
 * The stores over one client: the same code talks to DynamoDB on AWS and to dynalite locally.
 * Flows and triggers read and write plain values through the document client; executions and logs
 * keep attribute values, as they share client.ts's batch helpers with the executions migration,
 * which has to copy items exactly as stored.
 */
export function storesFor(
  client: DynamoDBClient,
  tables: TableNames,
  options: ExecutionStoreOptions = {},
): {
  flows: DynamoFlowStore;
  triggers: DynamoTriggerStore;
  executions: DynamoExecutionStore;
  logs: DynamoLogStore;
  ledger: DynamoDispatchLedger;
  operations: DynamoOperationStore;
} {
  // Optional attributes are left out of items rather than refused (the low-level stores leave them out by hand).
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    flows: new DynamoFlowStore(documents, tables.flows, tables.flowRevisions),
    triggers: new DynamoTriggerStore(documents, tables.triggers),
    executions: new DynamoExecutionStore(client, tables.executions, options),
    logs: new DynamoLogStore(client, tables.logs),
    // Pages live in the executions table: see DynamoDispatchLedger.
    ledger: new DynamoDispatchLedger(client, tables.executions),
    operations: new DynamoOperationStore(documents, tables.operations),
  };
}
