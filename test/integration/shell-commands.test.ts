import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runShellCommands } from '../../lib/adapters/process/shell-commands';
import { TASK_COOKIE_VAR, killOrphanedTasks, ownerTasksRoot } from '../../lib/adapters/process/task-processes';
import { KEPT_LINE_BYTES, cutMarker } from '../../lib/domain/log-limits';
import type { LogLevel } from '../../lib/ports';
import { waitFor } from '../support/local';
import { isRunning } from '../support/processes';

async function run(commands: string[], options: { env?: Record<string, string>; before?: string[]; timeoutMs?: number } = {}) {
  const lines: { level: LogLevel; message: string }[] = [];
  const result = await runShellCommands({
    task: { commands, beforeCommands: options.before ?? [], env: options.env ?? {} },
    timeoutMs: options.timeoutMs ?? 10_000,
    log: (level, message) => lines.push({ level, message }),
  });
  return { result, lines };
}

/** The pid a command printed (`echo $!` after starting something in the background). */
function printedPid(lines: { message: string }[]): number {
  const pid = Number(lines.find((l) => /^pid \d+$/.test(l.message))?.message.slice(4));
  expect(pid, 'the background process was started and printed its pid').toBeGreaterThan(0);
  return pid;
}

/** Every pid the commands printed. */
function printedPids(lines: { message: string }[]): number[] {
  return lines.filter((l) => /^pid \d+$/.test(l.message)).map((l) => Number(l.message.slice(4)));
}

const gone = (pids: number[]) => waitFor(async () => pids.every((pid) => !isRunning(pid)), 10_000, 20);

/** A process that has exited: its pid names no process (until reused), as a crashed worker's would. */
async function exitedPid(): Promise<number> {
  const child = spawn('/bin/true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
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
    expect(await waitFor(async () => !isRunning(pid), 10_000, 20), 'the background child is gone').toBe(true);
  });

  it('ends background processes left behind when the task ends', async () => {
    const { result, lines } = await run(['(sleep 600; echo never) &', 'echo "pid $!"', 'echo done']);
    expect(result.ok).toBe(true);
    const pid = printedPid(lines);
    expect(await waitFor(async () => !isRunning(pid), 10_000, 20), 'the background child is gone').toBe(true);
  });

  it('cuts a 5 MB line without a newline while reading it, and logs the lines after it', async () => {
    const { result, lines } = await run(["head -c 5000000 /dev/zero | tr '\\0' a", 'echo', 'echo after', "printf 'crlf\\r\\n'"]);

    expect(result.ok).toBe(true);
    expect(lines.map((l) => l.message)).toEqual([`${'a'.repeat(KEPT_LINE_BYTES)}${cutMarker(5_000_000 - KEPT_LINE_BYTES)}`, 'after', 'crlf']);
  });
});

/**
 * What a task starts never outlives it, nor the worker process running it: not background jobs,
 * not `setsid` escapees and double-forked daemons. Each test is bounded by a short task timeout or
 * by its own: without the kills, a `sleep 600` would hold it for ten minutes.
 */
describe('shell Commands task: no process outlives its task or its worker', () => {
  // A command in a new session, printing its pid, holding the task's stdout open.
  const SETSID_HOLDING_STDOUT = `setsid sh -c 'echo "pid $$"; exec sleep 600' &`;
  // A daemon: a new session, its parent gone (re-parented to init), stdout still the task's.
  const DAEMON = `setsid sh -c 'sleep 600 & echo "pid $!"'`;

  it('the timeout holds when a setsid child keeps stdout open, and that child is killed', { timeout: 20_000 }, async () => {
    const { result, lines } = await run([SETSID_HOLDING_STDOUT, 'sleep 600'], { timeoutMs: 1500 });
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(lines.at(-1)).toMatchObject({ level: 'ERROR', message: 'Command timed out after 1.5 s and was killed' });
    expect(await gone([printedPid(lines)]), 'the setsid child is gone').toBe(true);
  });

  it('a daemon the task started ends with the task, and the result does not wait for its stdout', { timeout: 20_000 }, async () => {
    const { result, lines } = await run([DAEMON, 'echo done']);
    expect(result).toEqual({ ok: true, exitCode: 0, timedOut: false });
    expect(lines.map((l) => l.message)).toContain('done');
    expect(await gone([printedPid(lines)]), 'the daemon is gone').toBe(true);
  });

  it('every process of a task dies with the worker process when it is SIGKILLed', { timeout: 30_000 }, async () => {
    // A worker process (Node, as the local default and the Lambda run it) running one task that
    // starts a background job, a setsid child and a daemon, then waits.
    const source = `import { runShellCommands } from ${JSON.stringify(join(import.meta.dirname, '../../lib/adapters/process/shell-commands.ts'))};
await runShellCommands({
  task: { commands: ${JSON.stringify(['sleep 600 & echo "pid $!"', SETSID_HOLDING_STDOUT, DAEMON, 'sleep 0.2', 'echo ready', 'sleep 600'])}, beforeCommands: [], env: {} },
  timeoutMs: 600000,
  log: (_level, message) => console.log(message),
});`;
    const worker = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    worker.stdout.on('data', (d) => (output += d));
    const ready = await waitFor(async () => output.includes('ready\n'), 20_000, 20);
    expect(ready, `the task started: ${output}`).toBe(true);
    const pids = printedPids(output.split('\n').map((message) => ({ message })));
    expect(pids).toHaveLength(3);
    expect(pids.every(isRunning)).toBe(true);

    worker.kill('SIGKILL');
    expect(await gone(pids), 'the task processes died with the worker').toBe(true);
  });

  it('a new worker process kills what a dead one left running and removes its working directories', { timeout: 20_000 }, async () => {
    // What a worker killed together with its supervisor leaves: task processes carrying its cookie,
    // and its working directories. The owner is a process that has exited.
    const deadOwner = `${await exitedPid()}.1`;
    const orphan = spawn('sleep', ['600'], { detached: true, stdio: 'ignore', env: { ...process.env, [TASK_COOKIE_VAR]: `${deadOwner}/run` } });
    const live = spawn('sleep', ['600'], { detached: true, stdio: 'ignore', env: { ...process.env, [TASK_COOKIE_VAR]: `${process.pid}.0/run` } });
    const leftDir = join(ownerTasksRoot(deadOwner), 'task-left');
    mkdirSync(leftDir, { recursive: true });
    writeFileSync(join(leftDir, 'output.csv'), 'a,b\n');
    try {
      await waitFor(async () => isRunning(orphan.pid as number) && isRunning(live.pid as number), 5000, 10);
      await killOrphanedTasks();
      expect(isRunning(orphan.pid as number), "the dead worker's task is killed").toBe(false);
      expect(existsSync(ownerTasksRoot(deadOwner)), "the dead worker's working directories are removed").toBe(false);
      expect(isRunning(live.pid as number), "a live worker's task is left alone").toBe(true);
    } finally {
      orphan.kill('SIGKILL');
      live.kill('SIGKILL');
    }
  });
});
