import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalTaskRunner } from '../../lib/adapters/local/local-task-runner';
import type { LogLevel, ShellRun } from '../../lib/ports';
import { waitFor } from '../support/local';
import { isRunning } from '../support/processes';

const ENTRY = fileURLToPath(new URL('../../local/task-runner-process.ts', import.meta.url));

function aRun(commands: string[], overrides: Partial<ShellRun> = {}) {
  const lines: { level: LogLevel; message: string }[] = [];
  const run: ShellRun = {
    task: { commands, beforeCommands: [], env: {} },
    timeoutMs: 20_000,
    log: (level, message) => lines.push({ level, message }),
    ...overrides,
  };
  return { run, lines };
}

/** Prints the runner's pid (the parent of the task's supervisor) as `runner <pid>`, then the task's own background job as `pid <pid>`. */
const WHO_RUNS_ME = ['echo "runner $(awk \'/^PPid:/ { print $2 }\' /proc/$PPID/status)"', 'sleep 600 & echo "pid $!"'];
const pidAfter = (lines: { message: string }[], word: string) => Number(lines.find((l) => l.message.startsWith(`${word} `))?.message.split(' ')[1]);

describe.runIf(existsSync('/proc/self/stat'))('LocalTaskRunner (the task runner handler in a child process)', () => {
  let runner: LocalTaskRunner;
  afterEach(async () => runner?.close());

  it("kills a task once its execution's kill flag is set (a kill line): its processes gone, the others untouched", { timeout: 30_000 }, async () => {
    const killed = new Set<string>();
    runner = new LocalTaskRunner({ entry: ENTRY, killFlags: { isKilled: async (id) => killed.has(id) }, killPollMs: 50 });
    const doomed = aRun(['sleep 600 & echo "pid $!"; wait'], { executionId: 'doomed' });
    const spared = aRun(['sleep 600 & echo "pid $!"; wait'], { executionId: 'spared', timeoutMs: 3000 });
    const results = [runner.run(doomed.run), runner.run(spared.run)];
    // A task's lines stream as it runs: its background sleep's pid arrives before it ends.
    expect(await waitFor(async () => pidAfter(doomed.lines, 'pid') > 0 && pidAfter(spared.lines, 'pid') > 0, 10_000, 20)).toBe(true);

    killed.add('doomed');
    const [doomedResult, sparedResult] = await Promise.all(results);

    expect(doomedResult).toEqual({ ok: false, exitCode: null, timedOut: false, killed: true });
    expect(doomed.lines.at(-1)).toEqual({ level: 'ERROR', message: 'Task killed: its execution was killed' });
    expect(isRunning(pidAfter(doomed.lines, 'pid'))).toBe(false);
    // The other task ran on to its own timeout.
    expect(sparedResult).toEqual({ ok: false, exitCode: null, timedOut: true });
    expect(isRunning(pidAfter(spared.lines, 'pid'))).toBe(false);
  });

  it('runs tasks side by side in one long-lived process, streaming their lines, with their results and log caps', { timeout: 30_000 }, async () => {
    runner = new LocalTaskRunner({ entry: ENTRY });
    const a = aRun(['echo "a $PPID"', 'echo out; echo err >&2', 'exit 3']);
    const b = aRun(['for i in 1 2 3 4 5; do echo "line $i"; done'], { logLimits: { maxLines: 2, maxBytes: 1000 } });
    const c = aRun(['sleep 5'], { timeoutMs: 300 });

    const [ra, rb, rc] = await Promise.all([runner.run(a.run), runner.run(b.run), runner.run(c.run)]);

    expect(ra).toEqual({ ok: false, exitCode: 3, timedOut: false });
    expect(a.lines.slice(1)).toEqual([
      { level: 'INFO', message: 'out' },
      { level: 'WARN', message: 'err' },
      { level: 'ERROR', message: 'Command failed with exit code 3' },
    ]);
    expect(rb).toEqual({ ok: true, exitCode: 0, timedOut: false, unsent: { lines: 3, bytes: 18 } });
    expect(b.lines.map((l) => l.message)).toEqual(['line 1', 'line 2']);
    expect(rc).toEqual({ ok: false, exitCode: null, timedOut: true });
    expect(c.lines.at(-1)).toEqual({ level: 'ERROR', message: 'Command timed out after 0.3 s and was killed' });
    // `sleep` prints nothing; the task's shell may report its killed child ("Killed") if it outlives it by an instant.
    expect(c.lines.slice(0, -1).filter((line) => line.message !== 'Killed')).toEqual([]);

    const d = aRun(WHO_RUNS_ME.slice(0, 1));
    const e = aRun(WHO_RUNS_ME.slice(0, 1));
    await runner.run(d.run);
    await runner.run(e.run);
    expect(pidAfter(d.lines, 'runner')).toBeGreaterThan(0);
    expect(pidAfter(e.lines, 'runner'), 'one runner process for every task').toBe(pidAfter(d.lines, 'runner'));
    expect(pidAfter(d.lines, 'runner')).not.toBe(process.pid);
  });

  it('fails the runs of a runner that dies, kills their processes with it, and starts a new runner for the next task', { timeout: 30_000 }, async () => {
    runner = new LocalTaskRunner({ entry: ENTRY });
    const doomed = aRun([...WHO_RUNS_ME, 'echo ready', 'sleep 600']);
    const result = runner.run(doomed.run);
    expect(await waitFor(async () => doomed.lines.some((l) => l.message === 'ready'), 20_000, 20)).toBe(true);
    const runnerPid = pidAfter(doomed.lines, 'runner');
    const background = pidAfter(doomed.lines, 'pid');
    expect(isRunning(background)).toBe(true);

    process.kill(runnerPid, 'SIGKILL');

    expect(await result).toEqual({ ok: false, exitCode: null, timedOut: false });
    expect(doomed.lines.at(-1)).toEqual({ level: 'ERROR', message: 'The task runner process exited (SIGKILL) before the task ended' });
    expect(await waitFor(async () => !isRunning(background), 10_000, 20), "the task's processes died with their runner").toBe(true);

    const next = aRun(WHO_RUNS_ME.slice(0, 1));
    expect(await runner.run(next.run)).toEqual({ ok: true, exitCode: 0, timedOut: false });
    expect(pidAfter(next.lines, 'runner')).not.toBe(runnerPid);
  });

  it('stops its runner process, and the tasks running in it, on close, and refuses later runs', { timeout: 30_000 }, async () => {
    runner = new LocalTaskRunner({ entry: ENTRY });
    const long = aRun([...WHO_RUNS_ME, 'echo ready', 'sleep 600']);
    const result = runner.run(long.run);
    expect(await waitFor(async () => long.lines.some((l) => l.message === 'ready'), 20_000, 20)).toBe(true);

    await runner.close();

    expect((await result).ok).toBe(false);
    expect(isRunning(pidAfter(long.lines, 'runner'))).toBe(false);
    expect(await waitFor(async () => !isRunning(pidAfter(long.lines, 'pid')), 10_000, 20)).toBe(true);
    await expect(runner.run(aRun(['true']).run)).rejects.toThrow('The local task runner is closed');
  });
});
