import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { ShellResult, ShellRun, TaskRunner } from '../../ports';
import { RUNNER_ANSWER_GRACE_MS, TaskResultReader, noAnswerMessage, taskRequestOf } from '../process/task-runner-protocol';

/**
 * The only variables the runner process gets from the local runtime's environment: what running
 * `/bin/sh` and Node needs, nothing that could be a credential (AWS_*, tokens, the settings).
 */
const RUNNER_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** How long `close` waits for the runner process to exit on its own before killing it. */
const EXIT_WAIT_MS = 2000;

type RunnerProcess = ChildProcessByStdio<Writable, Readable, null>;

interface Pending {
  reader: TaskResultReader;
  settle: (reason: string) => void;
}

interface Runner {
  child: RunnerProcess;
  runs: Map<string, Pending>;
  exited: Promise<void>;
}

export interface LocalTaskRunnerOptions {
  /** The runner process's entry module (local/task-runner-process.ts), run by Node with tsx. */
  entry: string;
}

/**
 * The local default's TaskRunner: one long-lived child process (started at the first task, and again
 * if it dies) runs the task runner handler, the same as the task runner Lambda, with an environment
 * holding only RUNNER_ENV. The worker's process keeps its credentials (locally, if any: dynalite needs
 * none); a task's parents up to the runner hold none.
 *
 * What it does not do: a task runs as the same user as the local runtime, so it could still read that
 * process's environment by its pid. Locally the flow author is the person running the runtime; the
 * boundary that matters is on AWS, where the runner is another function with another role.
 */
export class LocalTaskRunner implements TaskRunner {
  private runner?: Runner;
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: LocalTaskRunnerOptions) {}

  run(run: ShellRun): Promise<ShellResult> {
    if (this.closed) return Promise.reject(new Error('The local task runner is closed'));
    const runner = this.runner ?? this.start();
    const id = String(++this.nextId);
    return new Promise<ShellResult>((resolve) => {
      const reader = new TaskResultReader(run);
      // The runner enforces the timeout; this only stops waiting for a runner that no longer answers.
      const guard = setTimeout(() => settle(noAnswerMessage(run.timeoutMs)), run.timeoutMs + RUNNER_ANSWER_GRACE_MS);
      const settle = (reason: string) => {
        if (!runner.runs.delete(id)) return;
        clearTimeout(guard);
        resolve(reader.finish(reason));
      };
      runner.runs.set(id, { reader, settle });
      runner.child.stdin.write(`${id}\t${JSON.stringify(taskRequestOf(run))}\n`);
    });
  }

  /** Stops the runner process (its tasks die with it) and refuses later runs. */
  async close(): Promise<void> {
    this.closed = true;
    const runner = this.runner;
    if (!runner) return;
    runner.child.stdin.end();
    const timer = setTimeout(() => runner.child.kill('SIGKILL'), EXIT_WAIT_MS);
    await runner.exited;
    clearTimeout(timer);
  }

  private start(): Runner {
    const env: Record<string, string> = {};
    for (const name of RUNNER_ENV) if (process.env[name]) env[name] = process.env[name] as string;
    // tsx by its file URL, so the runner starts whatever the current directory.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = spawn(process.execPath, ['--import', tsx, this.options.entry], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const runs = new Map<string, Pending>();
    const exited = new Promise<void>((resolve) => {
      const gone = (how: string) => {
        if (this.runner?.child === child) this.runner = undefined;
        for (const pending of [...runs.values()]) pending.settle(`The task runner process ${how} before the task ended`);
        resolve();
      };
      child.once('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
      // Not started at all (no 'exit' follows then).
      child.once('error', (error) => gone(`could not be started (${error.message})`));
    });
    // A runner gone before it read its input: the write fails, and `exit` settles the runs.
    child.stdin.on('error', () => undefined);
    createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      const tab = line.indexOf('\t');
      const pending = runs.get(line.slice(0, tab));
      if (!pending) return;
      pending.reader.line(line.slice(tab + 1));
      if (pending.reader.ended) pending.settle('');
    });
    this.runner = { child, runs, exited };
    return this.runner;
  }
}
