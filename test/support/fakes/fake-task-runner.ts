import type { ShellResult, ShellRun, TaskRunner } from '../../../lib/ports';

/** What a scripted shell run does: its result, and optionally lines it logs or work it does meanwhile. */
export type ShellBehaviour = (run: ShellRun) => ShellResult | Promise<ShellResult>;

const SUCCEEDS: ShellBehaviour = (run) => {
  for (const command of run.task.commands) run.log('INFO', command);
  return { ok: true, exitCode: 0, timedOut: false };
};

/**
 * A TaskRunner that starts no process: it records each run (the rendered script, the timeout, the
 * log caps) and answers as scripted; by default it logs each command at INFO and succeeds.
 */
export class FakeTaskRunner implements TaskRunner {
  readonly runs: ShellRun[] = [];
  private behaviour: ShellBehaviour = SUCCEEDS;

  /** Scripts every later run. */
  respond(behaviour: ShellBehaviour): void {
    this.behaviour = behaviour;
  }

  /** Scripts every later run to exit with `exitCode`, logging `stderr` at WARN first. */
  failWith(exitCode: number, stderr = 'command failed'): void {
    this.respond((run) => {
      run.log('WARN', stderr);
      run.log('ERROR', `Command failed with exit code ${exitCode}`);
      return { ok: false, exitCode, timedOut: false };
    });
  }

  async run(run: ShellRun): Promise<ShellResult> {
    this.runs.push(run);
    return this.behaviour(run);
  }
}
