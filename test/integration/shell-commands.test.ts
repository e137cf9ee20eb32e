import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runShellCommands } from '../../lib/adapters/process/shell-commands';
import { KEPT_LINE_BYTES, cutMarker } from '../../lib/domain/log-limits';
import type { LogLevel } from '../../lib/ports';
import { waitFor } from '../support/local';

async function run(commands: string[], options: { env?: Record<string, string>; before?: string[]; timeoutMs?: number } = {}) {
  const lines: { level: LogLevel; message: string }[] = [];
  const result = await runShellCommands({
    task: { commands, beforeCommands: options.before ?? [], env: options.env ?? {} },
    timeoutMs: options.timeoutMs ?? 10_000,
    log: (level, message) => lines.push({ level, message }),
  });
  return { result, lines };
}

/** Whether a process still runs: a killed one nobody reaped yet (a zombie) does not. */
function running(pid: number): boolean {
  if (!existsSync('/proc/self/stat')) {
    // No /proc (macOS): signal 0 tells whether the pid exists, zombies included.
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** The pid a command printed (`echo $!` after starting something in the background). */
function printedPid(lines: { message: string }[]): number {
  const pid = Number(lines.find((l) => /^pid \d+$/.test(l.message))?.message.slice(4));
  expect(pid, 'the background process was started and printed its pid').toBeGreaterThan(0);
  return pid;
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
    // Were the timeout not enforced, `sleep 600` would outlast the test's own time limit. The
    // timeout leaves the shell time to start its background child first, even on a loaded machine.
    const { result, lines } = await run(['(sleep 600; echo never) &', 'echo "pid $!"', 'sleep 600'], { timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(lines.at(-1)?.message).toContain('timed out');
    const pid = printedPid(lines);
    expect(await waitFor(async () => !running(pid), 10_000, 20), 'the background child is gone').toBe(true);
  });

  it('ends background processes left behind when the task ends', async () => {
    const { result, lines } = await run(['(sleep 600; echo never) &', 'echo "pid $!"', 'echo done']);
    expect(result.ok).toBe(true);
    const pid = printedPid(lines);
    expect(await waitFor(async () => !running(pid), 10_000, 20), 'the background child is gone').toBe(true);
  });

  it('cuts a 5 MB line without a newline while reading it, and logs the lines after it', async () => {
    const { result, lines } = await run(["head -c 5000000 /dev/zero | tr '\\0' a", 'echo', 'echo after', "printf 'crlf\\r\\n'"]);

    expect(result.ok).toBe(true);
    expect(lines.map((l) => l.message)).toEqual([`${'a'.repeat(KEPT_LINE_BYTES)}${cutMarker(5_000_000 - KEPT_LINE_BYTES)}`, 'after', 'crlf']);
  });
});
