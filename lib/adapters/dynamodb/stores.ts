import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoExecutionStore } from './execution-store';
import { DynamoFlowStore } from './flow-store';
import { DynamoLogStore } from './log-store';
import type { TableNames } from './tables';
import { DynamoTriggerStore } from './trigger-store';

/** The four stores over one client: the same code talks to DynamoDB on AWS and to dynalite locally. */
export function storesFor(client: DynamoDBClient, tables: TableNames) {
  return {
    flows: new DynamoFlowStore(client, tables.flows),
    triggers: new DynamoTriggerStore(client, tables.triggers),
    executions: new DynamoExecutionStore(client, tables.executions),
    logs: new DynamoLogStore(client, tables.logs),
  };
}
