import type { BackfillRunInput, BackfillWorkflows, WorkflowStatus } from '../../../lib/ports';

/**
 * BackfillWorkflows that runs nothing and records every call: the state machine executions
 * started (once per name, as StartExecution is idempotent by name), stopped and resumed. Each
 * started execution counts as RUNNING until a test ends it with `end`.
 */
export class RecordingBackfillWorkflows implements BackfillWorkflows {
  readonly started: { name: string; input: BackfillRunInput }[] = [];
  readonly stopped: string[] = [];
  readonly resumed: { taskToken: string; output: unknown }[] = [];
  /** When set, `start` rejects with it (Step Functions refusing the execution). */
  failStartWith: Error | undefined;
  private readonly ended = new Map<string, WorkflowStatus>();

  async start(name: string, input: BackfillRunInput): Promise<boolean> {
    if (this.failStartWith) throw this.failStartWith;
    // Running: idempotent; ended: ExecutionAlreadyExists, as Step Functions never runs a name twice.
    if (this.started.some((s) => s.name === name)) return !this.ended.has(name);
    this.started.push({ name, input: structuredClone(input) });
    return true;
  }

  async status(name: string): Promise<WorkflowStatus | undefined> {
    if (!this.started.some((s) => s.name === name)) return undefined;
    return this.ended.get(name) ?? 'RUNNING';
  }

  /** Ends a started execution (it failed, was aborted, or succeeded). */
  end(name: string, status: Exclude<WorkflowStatus, 'RUNNING'>): void {
    if (!this.started.some((s) => s.name === name)) throw new Error(`no execution ${name} was started`);
    this.ended.set(name, status);
  }

  async stop(name: string): Promise<void> {
    this.stopped.push(name);
    if (this.started.some((s) => s.name === name) && !this.ended.has(name)) this.ended.set(name, 'ABORTED');
  }

  async resume(taskToken: string, output: unknown): Promise<void> {
    this.resumed.push({ taskToken, output });
  }
}
