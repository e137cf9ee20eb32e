import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { FlowAlreadyExistsError, FlowChangedConcurrentlyError } from '../../domain/errors';
import type { Flow } from '../../domain/flow/model';
import type { FlowStore } from '../../ports';
import { type NativeItem, eachPage, isConditionFailed } from './client';
import { flowKey } from './tables';

/** Attempts of a delete that finds the flow changed between its read and its conditional delete. */
const DELETE_ATTEMPTS = 3;

/**
 * Flows keyed by (namespace, id); the validated flow is stored as JSON so readers never re-parse YAML.
 *
 * Every revision a flow leaves behind (replaced or deleted) is kept in the revisions table, keyed
 * (`<namespace>|<id>`, revision), BEFORE the flow's item moves past it: a put that only creates (a
 * retry, or a concurrent writer, finds the very same copy: revision N only ever had one content, the
 * one the flow's item held at N), then the write conditional on the revision read. A crash in between
 * leaves a copy of a revision that is still current, which is harmless. So every revision below the
 * current one has its copy, and the current one is read from the flow's item: without a transaction,
 * and without a copy of a revision that never became current.
 */
export class DynamoFlowStore implements FlowStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly revisionsTable: string,
  ) {}

  async get(namespace: string, id: string): Promise<Flow | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { namespace, id }, ConsistentRead: true }));
    return out.Item ? toFlow(out.Item) : undefined;
  }

  async getRevision(namespace: string, id: string, revision: number): Promise<Flow | undefined> {
    // The flow first: a revision that is no longer current was kept before the flow moved past it,
    // so the kept copy is there by the time the flow's item shows a later revision.
    const current = await this.get(namespace, id);
    if (current?.revision === revision) return current;
    const out = await this.client.send(
      new GetCommand({ TableName: this.revisionsTable, Key: { flowKey: flowKey(namespace, id), revision }, ConsistentRead: true }),
    );
    return out.Item ? toFlow(out.Item) : undefined;
  }

  async listRevisions(namespace: string, id: string): Promise<Flow[]> {
    const current = await this.get(namespace, id);
    const kept: Flow[] = [];
    await eachPage<NativeItem>(
      (startKey) =>
        this.client.send(
          new QueryCommand({
            TableName: this.revisionsTable,
            KeyConditionExpression: 'flowKey = :key',
            ExpressionAttributeValues: { ':key': flowKey(namespace, id) },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      (page) => void kept.push(...(page.Items ?? []).map(toFlow)),
    );
    return withCurrent(kept, current);
  }

  async highestRevision(namespace: string, id: string): Promise<number> {
    const current = await this.get(namespace, id);
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.revisionsTable,
        KeyConditionExpression: 'flowKey = :key',
        ExpressionAttributeValues: { ':key': flowKey(namespace, id) },
        ProjectionExpression: 'revision',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const kept = (out.Items?.[0]?.revision as number | undefined) ?? 0;
    return Math.max(kept, current?.revision ?? 0);
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
    const current = await this.get(flow.namespace, flow.id);
    if (current?.revision !== expectedRevision) throw changedConcurrently(flow);
    await this.keep(current);
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
      if (isConditionFailed(error)) throw changedConcurrently(flow);
      throw error;
    }
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    for (let attempt = 0; attempt < DELETE_ATTEMPTS; attempt++) {
      const current = await this.get(namespace, id);
      if (!current) return false;
      await this.keep(current);
      try {
        await this.client.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { namespace, id },
            ConditionExpression: 'revision = :kept',
            ExpressionAttributeValues: { ':kept': current.revision },
          }),
        );
        return true;
      } catch (error) {
        // Changed (or deleted) since the read: keep what it is now, then try again.
        if (!isConditionFailed(error)) throw error;
      }
    }
    throw changedConcurrently({ namespace, id });
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

  /** Keeps a copy of the flow at its revision; a copy already there (a retry, another writer) is the same one. */
  private async keep(flow: Flow): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.revisionsTable,
          Item: { flowKey: flowKey(flow.namespace, flow.id), ...toItem(flow) },
          ConditionExpression: 'attribute_not_exists(revision)',
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}

/** The kept revisions before the current one, then the current one (kept too after a crash, read once), oldest first. */
function withCurrent(kept: Flow[], current: Flow | undefined): Flow[] {
  if (!current) return [];
  return [...kept.filter((flow) => flow.revision < current.revision).sort((a, b) => a.revision - b.revision), current];
}

function changedConcurrently(flow: { namespace: string; id: string }): FlowChangedConcurrentlyError {
  return new FlowChangedConcurrentlyError(`Flow '${flow.namespace}.${flow.id}' was changed concurrently; retry`);
}

function toItem(flow: Flow): NativeItem {
  return { namespace: flow.namespace, id: flow.id, revision: flow.revision, doc: JSON.stringify(flow) };
}

function toFlow(item: NativeItem): Flow {
  return JSON.parse(item.doc ?? '{}') as Flow;
}
