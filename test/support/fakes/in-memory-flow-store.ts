import { FlowAlreadyExistsError, FlowChangedConcurrentlyError } from '../../../lib/domain/errors';
import type { Flow } from '../../../lib/domain/flow/model';
import type { FlowStore } from '../../../lib/ports';

/**
 * FlowStore in memory, with DynamoFlowStore's semantics: conditional create and revision-checked
 * update, the revision a flow leaves (replaced or deleted) kept first and never changed, flows kept
 * as JSON (so callers never share an object with the store), lists sorted by namespace then id.
 * test/contract/flow-store.contract.ts holds both to the same behaviour.
 */
export class InMemoryFlowStore implements FlowStore {
  private readonly rows = new Map<string, string>();
  /** Kept revisions by flow, then by revision. */
  private readonly kept = new Map<string, Map<number, string>>();

  async get(namespace: string, id: string): Promise<Flow | undefined> {
    const doc = this.rows.get(key(namespace, id));
    return doc === undefined ? undefined : (JSON.parse(doc) as Flow);
  }

  async getRevision(namespace: string, id: string, revision: number): Promise<Flow | undefined> {
    const current = await this.get(namespace, id);
    if (current?.revision === revision) return current;
    const doc = this.kept.get(key(namespace, id))?.get(revision);
    return doc === undefined ? undefined : (JSON.parse(doc) as Flow);
  }

  async listRevisions(namespace: string, id: string): Promise<Flow[]> {
    const current = await this.get(namespace, id);
    if (!current) return [];
    const kept = [...(this.kept.get(key(namespace, id))?.values() ?? [])].map((doc) => JSON.parse(doc) as Flow);
    return [...kept.filter((flow) => flow.revision < current.revision).sort((a, b) => a.revision - b.revision), current];
  }

  async highestRevision(namespace: string, id: string): Promise<number> {
    const revisions = [...(this.kept.get(key(namespace, id))?.keys() ?? [])];
    return Math.max(0, ...revisions, (await this.get(namespace, id))?.revision ?? 0);
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
    this.keep(k, current);
    this.rows.set(k, JSON.stringify(flow));
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    const k = key(namespace, id);
    const current = this.rows.get(k);
    if (current === undefined) return false;
    this.keep(k, current);
    return this.rows.delete(k);
  }

  async list(namespace?: string): Promise<Flow[]> {
    // An empty namespace lists every flow, as the adapter scans the table when it is falsy.
    const flows = [...this.rows.values()].map((doc) => JSON.parse(doc) as Flow).filter((flow) => !namespace || flow.namespace === namespace);
    return flows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.id.localeCompare(b.id));
  }

  /** Keeps the flow's current document at its revision, unless a copy is there already (as the adapter's put that only creates). */
  private keep(k: string, doc: string): void {
    const revisions = this.kept.get(k) ?? new Map<number, string>();
    const { revision } = JSON.parse(doc) as Flow;
    if (!revisions.has(revision)) revisions.set(revision, doc);
    this.kept.set(k, revisions);
  }
}

function key(namespace: string, id: string): string {
  return JSON.stringify([namespace, id]);
}
