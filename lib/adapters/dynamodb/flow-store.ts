import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { FlowAlreadyExistsError, FlowChangedConcurrentlyError } from '../../domain/errors';
import type { Flow } from '../../domain/flow/model';
import type { FlowStore } from '../../ports';
import { type NativeItem, eachPage, isConditionFailed } from './client';

/** Flows keyed by (namespace, id); the validated flow is stored as JSON so readers never re-parse YAML. */
export class DynamoFlowStore implements FlowStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(namespace: string, id: string): Promise<Flow | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { namespace, id }, ConsistentRead: true }));
    return out.Item ? toFlow(out.Item) : undefined;
  }

  async create(flow: Flow): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: toItem(flow), ConditionExpression: 'attribute_not_exists(id)' }));
    } catch (error) {
      if (isConditionFailed(error)) throw new FlowAlreadyExistsError(`Flow id '${flow.id}' already exists in namespace '${flow.namespace}'`);
      throw error;
    }
  }

  async update(flow: Flow, expectedRevision: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(flow),
          ConditionExpression: 'revision = :expected',
          ExpressionAttributeValues: { ':expected': expectedRevision },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new FlowChangedConcurrentlyError(`Flow '${flow.namespace}.${flow.id}' was changed concurrently; retry`);
      throw error;
    }
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    const out = await this.client.send(new DeleteCommand({ TableName: this.table, Key: { namespace, id }, ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  async list(namespace?: string): Promise<Flow[]> {
    const flows: Flow[] = [];
    await eachPage<NativeItem>(
      (startKey) =>
        namespace
          ? this.client.send(
              new QueryCommand({
                TableName: this.table,
                KeyConditionExpression: '#ns = :ns',
                ExpressionAttributeNames: { '#ns': 'namespace' },
                ExpressionAttributeValues: { ':ns': namespace },
                ExclusiveStartKey: startKey,
              }),
            )
          : this.client.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: startKey })),
      (page) => void flows.push(...(page.Items ?? []).map(toFlow)),
    );
    return flows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.id.localeCompare(b.id));
  }
}

function toItem(flow: Flow): NativeItem {
  return { namespace: flow.namespace, id: flow.id, revision: flow.revision, doc: JSON.stringify(flow) };
}

function toFlow(item: NativeItem): Flow {
  return JSON.parse(item.doc ?? '{}') as Flow;
}
