import type { BackfillRunInput, BackfillWorkflows } from '../../../lib/ports';

/**
 * BackfillWorkflows that runs nothing and records every call: the state machine executions
 * started (once per name, as StartExecution is idempotent by name), stopped and resumed.
 */
export class RecordingBackfillWorkflows implements BackfillWorkflows {
  readonly started: { name: string; input: BackfillRunInput }[] = [];
  readonly stopped: string[] = [];
  readonly resumed: { taskToken: string; output: unknown }[] = [];
  /** When set, `start` rejects with it (Step Functions refusing the execution). */
  failStartWith: Error | undefined;

  async start(name: string, input: BackfillRunInput): Promise<void> {
    if (this.failStartWith) throw this.failStartWith;
    if (this.started.some((s) => s.name === name)) return;
    this.started.push({ name, input: structuredClone(input) });
  }

  async stop(name: string): Promise<void> {
    this.stopped.push(name);
  }

  async resume(taskToken: string, output: unknown): Promise<void> {
    this.resumed.push({ taskToken, output });
  }
}
