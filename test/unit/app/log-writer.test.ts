import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type LogFields, LogWriter } from '../../../lib/app/log-writer';
import { KEPT_LINE_BYTES, MAX_LINE_BYTES, cutMarker } from '../../../lib/domain/log-limits';
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

  describe('caps', () => {
    it('cuts a message longer than MAX_LINE_BYTES, on a character boundary, with a marker saying how much was cut', async () => {
      const writer = new LogWriter(store, BASE, 1, clock);
      const message = `${'é'.repeat(KEPT_LINE_BYTES / 2 - 1)}x${'€'.repeat(50_000)}`;

      writer.log('INFO', message);
      writer.log('INFO', 'short');
      await writer.flush();

      const [cut, short] = (await store.list('e1')).map((line) => line.entry.message);
      // The first € would end past KEPT_LINE_BYTES: the cut falls before it, not inside it.
      expect(cut).toBe(`${'é'.repeat(KEPT_LINE_BYTES / 2 - 1)}x${cutMarker(150_000)}`);
      expect(Buffer.byteLength(cut ?? '')).toBeLessThanOrEqual(MAX_LINE_BYTES);
      expect(short).toBe('short');
    });

    it("caps an attempt's lines, ends the log with a line saying how many were dropped, and keeps the worker's ERROR lines", async () => {
      const writer = new LogWriter(store, BASE, 1, clock, { maxLines: 30 });

      for (let i = 0; i < 100; i++) writer.log('INFO', `line ${i}`);
      writer.log('ERROR', 'Command failed with exit code 1');
      await writer.flush();

      const messages = (await store.list('e1')).map((line) => line.entry.message);
      expect(messages).toHaveLength(32);
      expect(messages.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i}`));
      expect(messages[30]).toBe('Log capped at 30 lines or 4194304 bytes per attempt: 70 more lines (490 bytes) were not logged');
      expect(messages[31]).toBe('Command failed with exit code 1');
    });

    it("caps an attempt's bytes, and drops everything after the first line over the cap so the log stays a prefix", async () => {
      const writer = new LogWriter(store, BASE, 1, clock, { maxBytes: 1000 });

      for (let i = 0; i < 9; i++) writer.log('INFO', 'x'.repeat(100));
      writer.log('INFO', 'y'.repeat(200));
      writer.log('INFO', 'small');
      await writer.flush();

      const messages = (await store.list('e1')).map((line) => line.entry.message);
      expect(messages.slice(0, 9)).toEqual(Array(9).fill('x'.repeat(100)));
      expect(messages.slice(9)).toEqual([expect.stringMatching(/: 2 more lines \(205 bytes\) were not logged$/)]);
    });

    it('hands the capped line over with a small log kept whole', () => {
      const writer = new LogWriter(store, BASE, 1, clock, { holdAll: true, maxLines: 1 });
      writer.log('INFO', 'kept');
      writer.log('INFO', 'dropped');

      expect(writer.takeSmallLog(10_000)?.map((line) => line.entry.message)).toEqual(['kept', expect.stringMatching(/1 more lines/)]);
    });
  });

  describe('flush', () => {
    it('writes nothing when nothing is buffered', async () => {
      const append = vi.spyOn(store, 'append');

      await new LogWriter(store, BASE, 1, clock).flush();

      expect(append.mock.calls.every(([entries]) => entries.length === 0)).toBe(true);
      expect(await store.list('e1')).toEqual([]);
    });

    it('retries a failed write a bounded number of times', async () => {
      const append = vi.fn<LogStore['append']>().mockRejectedValueOnce(new Error('throttled')).mockResolvedValue(undefined);
      const sleep = vi.fn(async () => undefined);
      const writer = new LogWriter({ append }, BASE, 1, clock, { retryDelaysMs: [200, 1000], sleep });

      writer.log('INFO', 'line');

      await expect(writer.flush()).resolves.toBeUndefined();
      expect(append).toHaveBeenCalledTimes(2);
      expect(sleep).toHaveBeenCalledWith(200);
    });

    it('never rejects: lines that cannot be written are given up on, reported, and a line saying so is handed back', async () => {
      const append = vi.fn<LogStore['append']>().mockRejectedValue(new Error('ValidationException: Item size has exceeded the maximum allowed size'));
      const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const writer = new LogWriter({ append }, BASE, 2, clock, { retryDelaysMs: [0, 0], sleep: async () => undefined });

      for (let i = 0; i < 30; i++) writer.log('INFO', `line ${i}`);
      const unwritten = await writer.flush();

      expect(append).toHaveBeenCalledTimes(4); // the first batch three times, the second once: the store is down
      expect(unwritten).toEqual([
        {
          seq: 2_000_030,
          entry: expect.objectContaining({
            ...BASE,
            level: 'ERROR',
            message: '30 log lines could not be written to the log store and are lost (ValidationException: Item size has exceeded the maximum allowed size)',
          }),
        },
      ]);
      expect(error).toHaveBeenCalledWith('Execution e1: 25 log lines could not be written and are lost', expect.any(Error));
      error.mockRestore();
    });

    it('stops trying once three batches in a row were lost, so a store that is down does not hold the worker', async () => {
      const append = vi.fn<LogStore['append']>().mockRejectedValue(new Error('unavailable'));
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const sleep = vi.fn(async () => undefined);
      const writer = new LogWriter({ append }, BASE, 1, clock, { retryDelaysMs: [200, 1000], sleep });

      for (let i = 0; i < 250; i++) writer.log('INFO', `line ${i}`);
      const unwritten = await writer.flush();

      expect(append).toHaveBeenCalledTimes(3 + 1 + 1);
      expect(sleep).toHaveBeenCalledTimes(2);
      expect(unwritten?.[0]?.entry.message).toBe('250 log lines could not be written to the log store and are lost (unavailable)');
      vi.mocked(console.error).mockRestore();
    });
  });
});
