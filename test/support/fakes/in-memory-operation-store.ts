import { MAX_OPERATION_ERRORS, type Operation, type PartOutcome } from '../../../lib/domain/operation';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import type { OperationStore } from '../../../lib/ports';

/**
 * OperationStore in memory, answering as DynamoOperationStore does: a part is recorded once, and
 * errors are kept up to MAX_OPERATION_ERRORS, the rest counted. test/contract/operation-store.contract.ts
 * runs against both.
 */
export class InMemoryOperationStore implements OperationStore {
  private readonly heads = new Map<string, Operation>();
  private readonly parts = new Map<string, TriggerRef[]>();
  /** When set, the next `recordPart` throws it once (an outage after the part was applied). */
  failNextRecordWith: Error | undefined;

  async create(operation: Operation, parts: TriggerRef[][]): Promise<void> {
    if (this.heads.has(operation.id)) throw new Error(`Operation ${operation.id} exists`);
    for (const [i, triggers] of parts.entries()) this.parts.set(`${operation.id}/${i}`, structuredClone(triggers));
    this.heads.set(operation.id, structuredClone(operation));
  }

  async get(id: string): Promise<Operation | undefined> {
    const head = this.heads.get(id);
    return head && structuredClone(head);
  }

  async part(id: string, part: number): Promise<TriggerRef[] | undefined> {
    const triggers = this.parts.get(`${id}/${part}`);
    return triggers && structuredClone(triggers);
  }

  async recordPart(id: string, outcome: PartOutcome, at: string): Promise<boolean> {
    const failure = this.failNextRecordWith;
    this.failNextRecordWith = undefined;
    if (failure) throw failure;
    const head = this.heads.get(id);
    if (!head || head.recordedParts.includes(outcome.part)) return false;
    const room = Math.max(0, MAX_OPERATION_ERRORS - head.errors.length);
    const kept = outcome.errors.slice(0, room);
    head.recordedParts = [...head.recordedParts, outcome.part].sort((a, b) => a - b);
    head.done += outcome.done;
    head.failed += outcome.failed;
    head.errors.push(...structuredClone(kept));
    head.errorsOmitted += outcome.errors.length - kept.length;
    head.updatedAt = at;
    return true;
  }
}
