import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ALL_TABLES, type KeyDef, type TableDef, type TableNames } from '../../lib/adapters/dynamodb/tables';
import { pascal } from '../names';

export type TableName = TableDef['logicalName'];

export interface BackfillTablesProps {
  /** Outside dev: RETAIN on stack deletion, and deletion protection on. */
  retain: boolean;
}

function attribute(key: KeyDef) {
  return { name: key.name, type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
}

/**
 * The DynamoDB tables, built from `lib/adapters/dynamodb/tables.ts`, the same definitions the local
 * default creates in dynalite: key names and indexes cannot drift between the two runtimes.
 */
export class BackfillTables extends Construct {
  readonly byName: Record<TableName, Table>;
  /** Each table's definition, for grants that need to know its indexes. */
  readonly definitions: Record<TableName, TableDef>;

  constructor(scope: Construct, id: string, props: BackfillTablesProps) {
    super(scope, id);
    const byName = {} as Record<TableName, Table>;
    const definitions = {} as Record<TableName, TableDef>;
    for (const def of ALL_TABLES) {
      const table = new Table(this, pascal(def.logicalName), {
        partitionKey: attribute(def.partitionKey),
        sortKey: def.sortKey && attribute(def.sortKey),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: props.retain,
        removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        timeToLiveAttribute: def.timeToLiveAttribute,
      });
      for (const index of def.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          sortKey: index.sortKey && attribute(index.sortKey),
          projectionType: ProjectionType[index.projection],
          nonKeyAttributes: index.nonKeyAttributes,
        });
      }
      byName[def.logicalName] = table;
      definitions[def.logicalName] = def;
    }
    this.byName = byName;
    this.definitions = definitions;
  }

  /** Physical names, in the shape `lib/config.ts` reads them. */
  get names(): TableNames {
    return {
      flows: this.byName.flows.tableName,
      flowRevisions: this.byName.flowRevisions.tableName,
      triggers: this.byName.triggers.tableName,
      executions: this.byName.executions.tableName,
      logs: this.byName.logs.tableName,
      operations: this.byName.operations.tableName,
    };
  }

  table(name: TableName): ITable {
    return this.byName[name];
  }
}
