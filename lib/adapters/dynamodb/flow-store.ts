import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { FlowAlreadyExistsError, FlowChangedConcurrentlyError } from '../../domain/errors';
import type { Flow } from '../../domain/flow/model';
import type { FlowStore } from '../../ports';
import { type Item, eachPage, isConditionFailed, n, s, str } from './client';

/** Flows keyed by (namespace, id); the validated flow is stored as JSON so readers never re-parse YAML. */
export class DynamoFlowStore implements FlowStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(namespace: string, id: string): Promise<Flow | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { namespace: s(namespace), id: s(id) }, ConsistentRead: true }),
    );
    return out.Item ? toFlow(out.Item) : undefined;
  }

  async create(flow: Flow): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.table, Item: toItem(flow), ConditionExpression: 'attribute_not_exists(id)' }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new FlowAlreadyExistsError(`Flow id '${flow.id}' already exists in namespace '${flow.namespace}'`);
      throw error;
    }
  }

  async update(flow: Flow, expectedRevision: number): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: toItem(flow),
          ConditionExpression: 'revision = :expected',
          ExpressionAttributeValues: { ':expected': n(expectedRevision) },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new FlowChangedConcurrentlyError(`Flow '${flow.namespace}.${flow.id}' was changed concurrently; retry`);
      throw error;
    }
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    const out = await this.client.send(
      new DeleteItemCommand({ TableName: this.table, Key: { namespace: s(namespace), id: s(id) }, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }

  async list(namespace?: string): Promise<Flow[]> {
    const flows: Flow[] = [];
    await eachPage(
      (startKey) =>
        namespace
          ? this.client.send(
              new QueryCommand({
                TableName: this.table,
                KeyConditionExpression: '#ns = :ns',
                ExpressionAttributeNames: { '#ns': 'namespace' },
                ExpressionAttributeValues: { ':ns': s(namespace) },
                ExclusiveStartKey: startKey,
              }),
            )
          : this.client.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: startKey })),
      (page) => void flows.push(...(page.Items ?? []).map(toFlow)),
    );
    return flows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.id.localeCompare(b.id));
  }
}

function toItem(flow: Flow): Item {
  return { namespace: s(flow.namespace), id: s(flow.id), revision: n(flow.revision), doc: s(JSON.stringify(flow)) };
}

function toFlow(item: Item): Flow {
  return JSON.parse(str(item, 'doc') ?? '{}') as Flow;
}
