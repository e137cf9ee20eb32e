import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTables } from '../../../lib/adapters/dynamodb/create-tables';
import type { ExecutionStoreOptions } from '../../../lib/adapters/dynamodb/execution-store';
import { storesFor } from '../../../lib/adapters/dynamodb/stores';
import type { TableNames } from '../../../lib/adapters/dynamodb/tables';
import { type LocalDynamo, startLocalDynamo } from '../../../lib/adapters/local/local-dynamo';
import { readSettings } from '../../../lib/config';

type Stores = ReturnType<typeof storesFor>;

/**
 * One dynalite server for a test file, and a fresh set of tables per `stores()` call (the default
 * table names with a numbered suffix), so every contract test starts from empty tables.
 */
export class DynaliteStores {
  private dynamo: LocalDynamo | undefined;
  private count = 0;

  async start(): Promise<void> {
    this.dynamo = await startLocalDynamo();
  }

  async stop(): Promise<void> {
    await this.dynamo?.close();
  }

  /** The DynamoDB adapters over new, empty tables. */
  async stores(options: ExecutionStoreOptions = {}): Promise<Stores> {
    const { client, names } = await this.tables();
    return storesFor(client, names, options);
  }

  /** New, empty tables, and the client to reach them (for an adapter built by hand). */
  async tables(): Promise<{ client: DynamoDBClient; names: TableNames }> {
    if (!this.dynamo) throw new Error('DynaliteStores.start() was not awaited');
    const suffix = `-${++this.count}`;
    const base = readSettings({}).tables;
    const names: TableNames = {
      flows: base.flows + suffix,
      flowRevisions: base.flowRevisions + suffix,
      triggers: base.triggers + suffix,
      executions: base.executions + suffix,
      logs: base.logs + suffix,
      operations: base.operations + suffix,
    };
    await ensureTables(this.dynamo.client, names);
    return { client: this.dynamo.client, names };
  }
}
