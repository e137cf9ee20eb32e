import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLevel, ShellResult, ShellRun, ShellRunner } from '../../ports';
import { LineSplitter } from './line-splitter';

/** Only what a command needs from the host: never the worker's own credentials or configuration. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];

/**
 * Runs `io.kestra.plugin.scripts.shell.Commands` with Kestra's PROCESS runner: `/bin/sh -c` in a
 * fresh working directory, `set -e` as Kestra's `failFast` default, stdout at INFO and stderr at
 * WARN. The commands run in their own process group, which is killed on timeout and when the task
 * ends, so nothing a command started in the background outlives the task.
 */
export const runShellCommands: ShellRunner = async (run: ShellRun): Promise<ShellResult> => {
  const workDir = await mkdtemp(join(tmpdir(), 'task-'));
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name]) env[name] = process.env[name] as string;
  Object.assign(env, run.task.env, { WORKING_DIR: workDir });
  const script = ['set -e', ...run.task.beforeCommands, ...run.task.commands].join('\n');
  const child = spawn('/bin/sh', ['-c', script], { cwd: workDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, run.timeoutMs);
  // Lines are cut while the stream is read: one endless line holds at most MAX_LINE_BYTES.
  const lines = (stream: NodeJS.ReadableStream, level: LogLevel) =>
    new Promise<void>((resolve) => {
      const splitter = new LineSplitter((line) => run.log(level, line));
      const done = () => {
        splitter.end();
        resolve();
      };
      stream.on('data', (chunk: Buffer) => splitter.push(chunk));
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
  try {
    const [exitCode] = await Promise.all([
      new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) => {
          // Background children keep the pipes open: end them with the task.
          killGroup();
          resolve(code);
        });
      }),
      lines(child.stdout, 'INFO'),
      lines(child.stderr, 'WARN'),
    ]);
    if (timedOut) run.log('ERROR', `Command timed out after ${run.timeoutMs / 1000} s and was killed`);
    else if (exitCode !== 0) run.log('ERROR', `Command failed with exit code ${exitCode}`);
    return { ok: !timedOut && exitCode === 0, exitCode, timedOut };
  } finally {
    clearTimeout(timer);
    killGroup();
    await rm(workDir, { recursive: true, force: true });
  }
};
