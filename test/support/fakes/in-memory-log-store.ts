import type { LogEntry, LogLine, LogRange, LogStore } from '../../../lib/ports';

/**
 * LogStore in memory, with DynamoLogStore's semantics: lines keyed by (executionId, seq), listed in
 * `seq` order, a rewrite of the same `seq` replacing the line. test/contract/log-store.contract.ts
 * runs against both.
 */
export class InMemoryLogStore implements LogStore {
  private readonly lines = new Map<string, Map<number, string>>();

  async append(entries: LogLine[]): Promise<void> {
    // The adapter writes 25 lines per BatchWriteItem, which refuses one key twice in a request.
    for (let i = 0; i < entries.length; i += 25) {
      const keys = entries.slice(i, i + 25).map(({ seq, entry }) => `${entry.executionId}\u0000${seq}`);
      if (new Set(keys).size !== keys.length) throw new Error('BatchWriteItem: Provided list of item keys contains duplicates');
    }
    for (const { seq, entry } of entries) {
      const execution = this.lines.get(entry.executionId) ?? new Map<number, string>();
      this.lines.set(entry.executionId, execution);
      execution.set(seq, JSON.stringify(entry));
    }
  }

  async list(executionId: string, range: LogRange = {}): Promise<LogLine[]> {
    const execution = this.lines.get(executionId) ?? new Map<number, string>();
    return [...execution]
      .filter(([seq]) => range.afterSeq === undefined || seq > range.afterSeq)
      .sort(([a], [b]) => a - b)
      .slice(0, range.limit)
      .map(([seq, doc]) => ({ seq, entry: JSON.parse(doc) as LogEntry }));
  }
}
