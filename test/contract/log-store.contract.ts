import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry, LogStore } from '../../lib/ports';

/** A store under test and how to dispose of it. */
export interface LogStoreUnderTest {
  store: LogStore;
  close(): Promise<void>;
}

const line = (executionId: string, message: string): LogEntry => ({
  namespace: 'dev',
  flowId: 'reports',
  executionId,
  taskId: 'hello',
  timestamp: '2026-03-01T12:00:00.000Z',
  level: 'INFO',
  message,
});

/**
 * What every LogStore guarantees, asserted through the port only: lines ordered by `seq`, and a
 * line written again (a retried flush) replacing itself instead of appearing twice. Run against
 * the in-memory fake and DynamoLogStore on dynalite.
 */
export function describeLogStoreContract(name: string, makeStore: () => Promise<LogStoreUnderTest>): void {
  describe(`LogStore contract: ${name}`, () => {
    let subject: LogStoreUnderTest;
    let store: LogStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.close();
    });

    describe('list', () => {
      it('returns no lines for an execution without logs', async () => {
        expect(await store.list('nope')).toEqual([]);
      });

      it('returns the lines in seq order, whatever the order they were written in', async () => {
        await store.append([
          { seq: 1_000_000, entry: line('e1', 'second attempt') },
          { seq: 10, entry: line('e1', 'ten') },
        ]);
        await store.append([{ seq: 2, entry: line('e1', 'two') }]);

        const lines = await store.list('e1');

        expect(lines.map((l) => [l.seq, l.entry.message])).toEqual([
          [2, 'two'],
          [10, 'ten'],
          [1_000_000, 'second attempt'],
        ]);
      });

      it('returns only the lines of the execution asked for', async () => {
        await store.append([
          { seq: 0, entry: line('e1', 'mine') },
          { seq: 0, entry: line('e2', 'theirs') },
        ]);

        expect(await store.list('e1')).toEqual([{ seq: 0, entry: line('e1', 'mine') }]);
      });
    });

    describe('list a range', () => {
      beforeEach(async () => {
        await store.append(Array.from({ length: 30 }, (_, i) => ({ seq: i * 10, entry: line('e1', `line ${i * 10}`) })));
        await store.append([{ seq: 1_000_000, entry: line('e1', 'second attempt') }]);
      });

      it('returns at most `limit` lines, from the first', async () => {
        expect((await store.list('e1', { limit: 3 })).map((l) => l.seq)).toEqual([0, 10, 20]);
      });

      it('returns the lines after `afterSeq`, which need not be a stored seq', async () => {
        expect((await store.list('e1', { afterSeq: 285 })).map((l) => l.seq)).toEqual([290, 1_000_000]);
        expect((await store.list('e1', { afterSeq: 290, limit: 5 })).map((l) => l.seq)).toEqual([1_000_000]);
      });

      it('pages through the whole log, each line once', async () => {
        const seen: number[] = [];
        for (let afterSeq: number | undefined; ; ) {
          const page = await store.list('e1', { afterSeq, limit: 7 });
          seen.push(...page.map((l) => l.seq));
          if (page.length < 7) break;
          afterSeq = page.at(-1)?.seq;
        }
        expect(seen).toEqual((await store.list('e1')).map((l) => l.seq));
        expect(seen).toHaveLength(31);
      });

      it('returns nothing past the last line', async () => {
        expect(await store.list('e1', { afterSeq: 1_000_000 })).toEqual([]);
      });
    });

    describe('append', () => {
      it('stores each line as given', async () => {
        const entry: LogEntry = { ...line('e1', 'hello'), taskRunId: 'tr1', attemptNumber: 1, triggerId: 'hourly', level: 'WARN' };

        await store.append([{ seq: 0, entry }]);

        expect(await store.list('e1')).toEqual([{ seq: 0, entry }]);
      });

      it('replaces a line written again under the same seq', async () => {
        await store.append([{ seq: 5, entry: line('e1', 'first write') }]);

        await store.append([{ seq: 5, entry: line('e1', 'rewrite') }]);

        expect((await store.list('e1')).map((l) => l.entry.message)).toEqual(['rewrite']);
      });

      it('writes more lines than one batch holds', async () => {
        const entries = Array.from({ length: 60 }, (_, seq) => ({ seq, entry: line('e1', `line ${seq}`) }));

        await store.append(entries);

        const lines = await store.list('e1');
        expect(lines).toHaveLength(60);
        expect(lines[59]?.entry.message).toBe('line 59');
      });

      it('rejects one seq twice in a batch (DynamoDB refuses duplicate keys in a batch)', async () => {
        await expect(
          store.append([
            { seq: 1, entry: line('e1', 'a') },
            { seq: 1, entry: line('e1', 'b') },
          ]),
        ).rejects.toThrow(/duplicates/);
      });

      it('accepts an empty batch', async () => {
        await expect(store.append([])).resolves.toBeUndefined();
      });
    });
  });
}
