import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type LogFields, LogWriter } from '../../../lib/app/log-writer';
import type { LogEntry, LogStore } from '../../../lib/ports';
import { ManualClock } from '../../support/clock';
import { InMemoryLogStore } from '../../support/fakes/in-memory-log-store';

const BASE: LogFields = { namespace: 'dev', flowId: 'reports', executionId: 'e1', triggerId: 'hourly' };

describe('LogWriter', () => {
  let clock: ManualClock;
  let store: InMemoryLogStore;

  beforeEach(() => {
    clock = new ManualClock();
    store = new InMemoryLogStore();
  });

  describe('log', () => {
    it("stamps each line with the clock's time, its level and the execution's fields", async () => {
      const writer = new LogWriter(store, BASE, 1, clock);

      writer.log('INFO', 'first');
      clock.advance(1500);
      writer.log('WARN', 'second', { taskId: 'build', taskRunId: 'tr1', attemptNumber: 1 });
      await writer.flush();

      expect((await store.list('e1')).map((line) => line.entry)).toEqual<LogEntry[]>([
        { ...BASE, timestamp: '2026-03-01T12:00:00.000Z', level: 'INFO', message: 'first' },
        { ...BASE, taskId: 'build', taskRunId: 'tr1', attemptNumber: 1, timestamp: '2026-03-01T12:00:01.500Z', level: 'WARN', message: 'second' },
      ]);
    });

    it("numbers an attempt's lines from attempt × 1,000,000", async () => {
      const append = vi.spyOn(store, 'append');
      const writer = new LogWriter(store, BASE, 3, clock);

      writer.log('INFO', 'a');
      writer.log('INFO', 'b');
      await writer.flush();

      expect(append.mock.calls[0]?.[0].map((line) => line.seq)).toEqual([3_000_000, 3_000_001]);
    });

    it('writes every 25 lines without waiting for a flush', async () => {
      const append = vi.spyOn(store, 'append');
      const writer = new LogWriter(store, BASE, 1, clock);

      for (let i = 0; i < 26; i++) writer.log('INFO', `line ${i}`);
      // Let the pending write run: it is queued as a microtask, no timer involved.
      await new Promise((resolve) => setImmediate(resolve));

      expect(append).toHaveBeenCalledTimes(1);
      expect(append.mock.calls[0]?.[0]).toHaveLength(25);
      await writer.flush();
      expect(await store.list('e1')).toHaveLength(26);
    });
  });

  describe('takeSmallLog', () => {
    it('hands over the whole log when nothing was written and it fits, leaving nothing to flush', async () => {
      const append = vi.spyOn(store, 'append');
      const writer = new LogWriter(store, BASE, 1, clock);
      writer.log('INFO', 'hello');

      const lines = writer.takeSmallLog(600);
      await writer.flush();

      expect(lines?.map((line) => [line.seq, line.entry.message])).toEqual([[1_000_000, 'hello']]);
      expect(append).not.toHaveBeenCalledWith(expect.arrayContaining([expect.anything()]));
    });

    it('keeps a log larger than asked for in the table', async () => {
      const writer = new LogWriter(store, BASE, 1, clock);
      writer.log('INFO', 'x'.repeat(700));

      expect(writer.takeSmallLog(600)).toBeUndefined();
      await writer.flush();
      expect(await store.list('e1')).toHaveLength(1);
    });

    it('keeps the rest in the table once part of the log was written there, so the log is never split', async () => {
      const writer = new LogWriter(store, BASE, 1, clock);
      for (let i = 0; i < 25; i++) writer.log('INFO', `line ${i}`); // 25 lines: written at once
      writer.log('INFO', 'last');

      expect(writer.takeSmallLog(100_000)).toBeUndefined();
      await writer.flush();
      expect(await store.list('e1')).toHaveLength(26);
    });

    it('has nothing to hand over for an empty log', () => {
      expect(new LogWriter(store, BASE, 1, clock).takeSmallLog(600)).toBeUndefined();
    });
  });

  describe('flush', () => {
    it('writes nothing when nothing is buffered', async () => {
      const append = vi.spyOn(store, 'append');

      await new LogWriter(store, BASE, 1, clock).flush();

      expect(append.mock.calls.every(([entries]) => entries.length === 0)).toBe(true);
      expect(await store.list('e1')).toEqual([]);
    });

    it('rejects when an earlier batch failed to write', async () => {
      const failing: Pick<LogStore, 'append'> = { append: vi.fn().mockRejectedValueOnce(new Error('throttled')).mockResolvedValue(undefined) };
      const writer = new LogWriter(failing, BASE, 1, clock);

      for (let i = 0; i < 25; i++) writer.log('INFO', `line ${i}`);
      writer.log('INFO', 'last');

      await expect(writer.flush()).rejects.toThrow('throttled');
    });
  });
});
