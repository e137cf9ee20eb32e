import { FlowAlreadyExistsError, FlowChangedConcurrentlyError } from '../../../lib/domain/errors';
import type { Flow } from '../../../lib/domain/flow/model';
import type { FlowStore } from '../../../lib/ports';

/**
 * FlowStore in memory, with DynamoFlowStore's semantics: conditional create and revision-checked
 * update, flows kept as JSON (so callers never share an object with the store), lists sorted by
 * namespace then id. test/contract/flow-store.contract.ts holds both to the same behaviour.
 */
export class InMemoryFlowStore implements FlowStore {
  private readonly rows = new Map<string, string>();

  async get(namespace: string, id: string): Promise<Flow | undefined> {
    const doc = this.rows.get(key(namespace, id));
    return doc === undefined ? undefined : (JSON.parse(doc) as Flow);
  }

  async create(flow: Flow): Promise<void> {
    const k = key(flow.namespace, flow.id);
    if (this.rows.has(k)) throw new FlowAlreadyExistsError(`Flow id '${flow.id}' already exists in namespace '${flow.namespace}'`);
    this.rows.set(k, JSON.stringify(flow));
  }

  async update(flow: Flow, expectedRevision: number): Promise<void> {
    const k = key(flow.namespace, flow.id);
    const current = this.rows.get(k);
    // As the DynamoDB condition `revision = :expected`: a missing flow fails it too.
    if (current === undefined || (JSON.parse(current) as Flow).revision !== expectedRevision) {
      throw new FlowChangedConcurrentlyError(`Flow '${flow.namespace}.${flow.id}' was changed concurrently; retry`);
    }
    this.rows.set(k, JSON.stringify(flow));
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    return this.rows.delete(key(namespace, id));
  }

  async list(namespace?: string): Promise<Flow[]> {
    // An empty namespace lists every flow, as the adapter scans the table when it is falsy.
    const flows = [...this.rows.values()].map((doc) => JSON.parse(doc) as Flow).filter((flow) => !namespace || flow.namespace === namespace);
    return flows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.id.localeCompare(b.id));
  }
}

function key(namespace: string, id: string): string {
  return JSON.stringify([namespace, id]);
}
