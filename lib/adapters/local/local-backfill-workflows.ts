import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { BackfillRunInput, BackfillWorkflows, WorkflowStatus } from '../../ports';
import './promise-with-resolvers';

type JsonHandler = (payload: never) => Promise<unknown>;

export interface LocalWorkflowStats {
  executionsStarted: number;
  stateTransitions: number;
}

interface TaskState {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string; Payload?: unknown };
}

/** Ended executions remembered for `status` and `start` (names are per backfill and generation: a few per backfill). */
const ENDED_REMEMBERED = 10_000;

/**
 * Runs the repository's ASL file with aws-local-stepfunctions. Every Task state is bound to the
 * `functions/` handler its `${…FunctionArn}` placeholder names, and a `.waitForTaskToken` state
 * gets the local equivalent of a task token: the state waits on a promise that `resume` settles.
 */
export class LocalBackfillWorkflows implements BackfillWorkflows {
  private readonly machine: StateMachine;
  private readonly tasks: { stateName: string; handler: JsonHandler; callback: boolean }[] = [];
  private readonly running = new Map<string, { abort: () => void; done: Promise<void>; aborted: boolean }>();
  /**
   * How the executions of this process ended, by name: as on AWS, a name that ran is not run again
   * and `status` tells how it went. A restart forgets them, and that is what the restart wants: the
   * executions did not survive it, so starting their names again resumes their backfills.
   */
  private readonly ended = new Map<string, WorkflowStatus>();
  /** Parked `.waitForTaskToken` states by token, with the execution that parked. */
  private readonly parked = new Map<string, { execution: string; resolve: (output: unknown) => void }>();
  readonly stats: LocalWorkflowStats = { executionsStarted: 0, stateTransitions: 0 };

  constructor(definitionJson: string, handlers: Record<string, JsonHandler>) {
    const definition = JSON.parse(definitionJson) as { States: Record<string, TaskState> };
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') continue;
      const placeholder = /^\$\{(\w+)\}$/.exec(state.Parameters?.FunctionName ?? '')?.[1];
      const handler = placeholder ? handlers[placeholder] : undefined;
      if (!placeholder || !handler) throw new Error(`Task state "${stateName}" has no local handler (FunctionName ${state.Parameters?.FunctionName})`);
      // A fake ARN keeps the definition valid; the override means it is never called.
      state.Parameters = { ...state.Parameters, FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${placeholder}` };
      this.tasks.push({ stateName, handler, callback: state.Resource?.endsWith('.waitForTaskToken') ?? false });
    }
    this.machine = new StateMachine(definition as never);
  }

  async start(name: string, input: BackfillRunInput): Promise<boolean> {
    if (this.running.has(name)) return true; // same name while running: idempotent, as StartExecution is
    if (this.ended.has(name)) return false; // ExecutionAlreadyExists
    this.stats.executionsStarted++;
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.bindingsFor(name) as never },
      // `$$.Task.Token` must resolve; waitForToken swaps in a fresh token per parked state.
      context: { Execution: { Name: name, Input: input as never, StartTime: new Date().toISOString() }, Task: { Token: 'minted-locally' } },
      noThrowOnAbort: true,
    });
    const counting = (async () => {
      for await (const event of execution.eventLogs) if (event.type === 'StateEntered') this.stats.stateTransitions++;
    })();
    const done = (async () => {
      let status: WorkflowStatus = 'SUCCEEDED';
      try {
        await execution.result;
      } catch (error) {
        status = 'FAILED';
        console.error(`Backfill state machine execution ${name} failed:`, error);
      } finally {
        await counting.catch(() => undefined);
        this.remember(name, this.running.get(name)?.aborted ? 'ABORTED' : status);
        this.running.delete(name);
        // Stopped while parked (a paused backfill deleted, shutdown): nothing will resume its token.
        this.forgetParked(name);
      }
    })();
    this.running.set(name, { abort: execution.abort, done, aborted: false });
    return true;
  }

  async status(name: string): Promise<WorkflowStatus | undefined> {
    return this.running.has(name) ? 'RUNNING' : this.ended.get(name);
  }

  async stop(name: string): Promise<void> {
    const execution = this.running.get(name);
    if (!execution) return;
    execution.aborted = true;
    execution.abort();
    await execution.done;
  }

  async resume(taskToken: string, output: unknown): Promise<void> {
    const parked = this.parked.get(taskToken);
    if (!parked) return; // already resumed or never parked: like a used token, nothing to do
    this.parked.delete(taskToken);
    parked.resolve(output ?? {});
  }

  /** Resolves once every execution started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  get activeExecutions(): string[] {
    return [...this.running.keys()];
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
  }

  /** Tokens parked and not yet resumed (diagnostics: bounded by the executions running). */
  get parkedTokens(): number {
    return this.parked.size;
  }

  /** Task overrides for one execution: a parked state's token is recorded with the execution that parked it. */
  private bindingsFor(execution: string): Record<string, (input: unknown) => Promise<unknown>> {
    return Object.fromEntries(
      this.tasks.map(({ stateName, handler, callback }) => [
        stateName,
        callback
          ? (input: unknown) => this.waitForToken(execution, handler, input as { Payload: Record<string, unknown> })
          : async (input: unknown) => ({ StatusCode: 200, Payload: await handler((input as { Payload: unknown }).Payload as never) }),
      ]),
    );
  }

  private async waitForToken(execution: string, handler: JsonHandler, input: { Payload: Record<string, unknown> }): Promise<unknown> {
    // The ASL has one parked state and no Map or Parallel, so an execution parks once at a time: a
    // new park means its previous one ended without a resume (the park state's day-long timeout).
    this.forgetParked(execution);
    const token = `local-${randomUUID()}`;
    const resumed = new Promise<unknown>((resolve) => this.parked.set(token, { execution, resolve }));
    await handler({ ...input.Payload, taskToken: token } as never);
    return resumed;
  }

  private remember(name: string, status: WorkflowStatus): void {
    this.ended.set(name, status);
    const oldest = this.ended.keys().next().value;
    if (this.ended.size > ENDED_REMEMBERED && oldest !== undefined) this.ended.delete(oldest);
  }

  /** Drops an execution's parked token: its resolver would otherwise keep the whole stopped run reachable. */
  private forgetParked(execution: string): void {
    for (const [token, parked] of this.parked) if (parked.execution === execution) this.parked.delete(token);
  }
}
