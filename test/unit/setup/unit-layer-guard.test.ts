import { describe, expect, it } from 'vitest';
import { startLocalDynamo } from '../../../lib/adapters/local/local-dynamo';

describe('unit layer guard', () => {
  describe('dynalite', () => {
    it("refuses to start, even through the product's own adapter", async () => {
      await expect(startLocalDynamo()).rejects.toThrow(/unit layer must not start dynalite/);
    });
  });

  describe('child processes', () => {
    it.each(['node:child_process', 'child_process'])('refuses to start one through %s', async (specifier) => {
      const childProcess = (await import(/* @vite-ignore */ specifier)) as typeof import('node:child_process') & {
        default: typeof import('node:child_process');
      };

      expect(() => childProcess.spawn('true')).toThrow(/unit layer must not start a process \(child_process\.spawn\)/);
      expect(() => childProcess.execFile('true')).toThrow(/child_process\.execFile/);
      expect(() => childProcess.default.exec('true')).toThrow(/child_process\.exec/);
    });
  });
});
