import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ShellResult, ShellRun, ShellRunner } from '../../ports';
import { LineSplitter } from './line-splitter';
import { killTaskProcesses, newTaskCookie, sweepOrphanedTasks, taskWorkDirRoot } from './task-processes';
import { SUPERVISOR_SCRIPT } from './task-supervisor';

/** Only what a command needs from the host: never the worker's own credentials or configuration. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];

/**
 * How long output is still read once the task's processes are gone. Whatever could still hold its
 * stdout or stderr open escaped every kill (it cleared its environment and left the group): the
 * task is over without it, so its pipes are closed instead of waited for.
 */
const OUTPUT_GRACE_MS = 500;

/**
 * Runs `io.kestra.plugin.scripts.shell.Commands` with Kestra's PROCESS runner: `/bin/sh -c` in a
 * fresh working directory, `set -e` as Kestra's `failFast` default, stdout at INFO and stderr at
 * WARN.
 *
 * Nothing a task starts outlives it, nor the worker running it: the task runs under a supervisor
 * (task-supervisor.ts) that kills all of its processes when the worker dies, and the worker kills
 * them all (its process group, and anything that left it, found by its cookie: task-processes.ts)
 * on timeout and when the task ends. The timeout holds whatever the children do: the result comes
 * once the processes are killed, not when their pipes close.
 */
export const runShellCommands: ShellRunner = async (run: ShellRun): Promise<ShellResult> => {
  // What a crashed worker left running is killed before this process runs any task of its own.
  await sweepOrphanedTasks();
  const workDir = await mkdtemp(join(await taskWorkDirRoot(), 'task-'));
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name]) env[name] = process.env[name] as string;
  Object.assign(env, run.task.env, { WORKING_DIR: workDir });
  const script = ['set -e', ...run.task.beforeCommands, ...run.task.commands].join('\n');
  const cookie = newTaskCookie();
  // Detached: the supervisor leads its own process group, which its lifeline watcher kills as a whole.
  const child = spawn('/bin/sh', ['-c', SUPERVISOR_SCRIPT, 'task-supervisor', script, cookie], {
    cwd: workDir,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // The lifeline is never written to; a supervisor already gone must not crash the worker.
  child.stdin.on('error', () => {});

  let killed: Promise<unknown> | undefined;
  const killAll = () => {
    killed ??= (async () => {
      child.stdin.destroy();
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      await killTaskProcesses(cookie);
    })();
    return killed;
  };

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void killAll();
  }, run.timeoutMs);
  // Its execution was killed: every process of the task dies now, as on a timeout.
  let executionKilled = false;
  const onKill = () => {
    executionKilled = true;
    void killAll();
  };
  if (run.signal?.aborted) onKill();
  else run.signal?.addEventListener('abort', onKill, { once: true });
  const stdout = readLines(child.stdout, (line) => run.log('INFO', line));
  const stderr = readLines(child.stderr, (line) => run.log('WARN', line));
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => resolve(code));
    });
    clearTimeout(timer);
    // Background processes the commands left behind end with the task.
    await killAll();
    await Promise.race([Promise.all([stdout.closed, stderr.closed]), delay(OUTPUT_GRACE_MS)]);
    stdout.stop();
    stderr.stop();
    if (executionKilled) {
      run.log('ERROR', 'Task killed: its execution was killed');
      return { ok: false, exitCode: null, timedOut: false, killed: true };
    }
    if (timedOut) run.log('ERROR', `Command timed out after ${run.timeoutMs / 1000} s and was killed`);
    else if (exitCode !== 0) run.log('ERROR', `Command failed with exit code ${exitCode}`);
    return { ok: !timedOut && exitCode === 0, exitCode: timedOut ? null : exitCode, timedOut };
  } finally {
    clearTimeout(timer);
    run.signal?.removeEventListener('abort', onKill);
    await killAll();
    await rm(workDir, { recursive: true, force: true });
  }
};

/** Reads `stream` line by line into `onLine`; `stop` closes it, whether or not its writers are done. */
/**
 * Reads a stream line by line; lines are cut while they are read, so one endless line holds at most
 * MAX_LINE_BYTES (see LineSplitter). `closed` settles when the stream ends; `stop` stops reading it.
 */
function readLines(stream: Readable, onLine: (line: string) => void): { closed: Promise<void>; stop: () => void } {
  const splitter = new LineSplitter(onLine);
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    splitter.end();
  };
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  const closed = new Promise<void>((resolve) => {
    const done = () => {
      finish();
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
  return {
    closed,
    stop: () => {
      finish();
      stream.destroy();
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
