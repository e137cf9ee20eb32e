import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runShellCommands } from '../../lib/adapters/process/shell-commands';
import type { LogLevel } from '../../lib/ports';

async function run(commands: string[], options: { env?: Record<string, string>; before?: string[]; timeoutMs?: number } = {}) {
  const lines: { level: LogLevel; message: string }[] = [];
  const result = await runShellCommands({
    task: { commands, beforeCommands: options.before ?? [], env: options.env ?? {} },
    timeoutMs: options.timeoutMs ?? 10_000,
    log: (level, message) => lines.push({ level, message }),
  });
  return { result, lines };
}

describe('shell Commands task (PROCESS runner), with real processes', () => {
  it('logs stdout at INFO and stderr at WARN, line by line', async () => {
    const { result, lines } = await run(['echo one', 'echo two >&2', 'printf "a\\nb\\n"']);
    expect(result).toEqual({ ok: true, exitCode: 0, timedOut: false });
    expect(lines.filter((l) => l.level === 'INFO').map((l) => l.message)).toEqual(['one', 'a', 'b']);
    expect(lines.filter((l) => l.level === 'WARN').map((l) => l.message)).toEqual(['two']);
  });

  it('runs beforeCommands first, passes env, and nothing of the worker environment', async () => {
    process.env.WORKER_SECRET = 'do-not-leak';
    const { lines } = await run(['echo "$GREETING $STEP"', 'echo "secret=${WORKER_SECRET:-none}"'], {
      before: ['STEP=prepared'],
      env: { GREETING: 'hello' },
    });
    delete process.env.WORKER_SECRET;
    expect(lines.map((l) => l.message)).toEqual(['hello prepared', 'secret=none']);
  });

  it('fails fast on the first failing command, with the exit code in the logs', async () => {
    const { result, lines } = await run(['echo before', 'exit 3', 'echo never']);
    expect(result).toMatchObject({ ok: false, exitCode: 3 });
    expect(lines.map((l) => l.message)).toEqual(['before', 'Command failed with exit code 3']);
  });

  it('kills the whole process group on timeout, background children included', async () => {
    const marker = `/tmp/shell-test-${process.pid}-${Date.now()}`;
    const started = Date.now();
    const { result, lines } = await run([`(sleep 2; touch ${marker}) &`, 'sleep 30'], { timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines.at(-1)?.message).toContain('timed out');
    await new Promise((r) => setTimeout(r, 2500));
    expect(existsSync(marker)).toBe(false);
  });

  it('ends background processes left behind when the task ends', async () => {
    const marker = `/tmp/shell-test-bg-${process.pid}-${Date.now()}`;
    const { result } = await run([`(sleep 1; touch ${marker}) &`, 'echo done']);
    expect(result.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(marker)).toBe(false);
  });
});
