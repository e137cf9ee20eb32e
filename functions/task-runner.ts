import type { Writable } from 'node:stream';
import { runShellCommands } from '../lib/adapters/process/shell-commands';
import { NOT_RUN, parseTaskRequest, taskEventWriter } from '../lib/adapters/process/task-runner-protocol';
import type { ShellResult, ShellRunner } from '../lib/ports';

export interface TaskRunnerHandlerDeps {
  runShell: ShellRunner;
}

/** Runs one task request, sending its events (one JSON object per line, see task-runner-protocol.ts) through `emit`. */
export type TaskRunnerHandler = (request: unknown, emit: (line: string) => void) => Promise<void>;

/**
 * The task runner: runs one shell task of the worker's (lib/adapters/process/shell-commands.ts:
 * its supervisor, its timeout, its leftovers killed) and streams its log lines and result back.
 *
 * It exists so that flow authors' code never runs beside the worker's credentials. On AWS it is a
 * function of its own, in its own execution environment, whose role may only write its own logs
 * (cdk/constructs/backfill-functions.ts), invoked by the worker alone; a task can read everything
 * this process holds (its environment, its memory), and that is nothing of value. Locally the same
 * handler runs in a child process started with no credentials in its environment
 * (local/task-runner-process.ts).
 *
 * Whatever happens, the answer ends with a result: a request that is not one, or a task that could
 * not be started, is a failed result with the reason logged, never an error the worker must retry.
 */
export function createTaskRunnerHandler(deps: TaskRunnerHandlerDeps): TaskRunnerHandler {
  return async (input, emit) => {
    let events = taskEventWriter(emit, { maxLines: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER });
    let result: ShellResult;
    try {
      const request = parseTaskRequest(input);
      events = taskEventWriter(emit, request.logLimits);
      result = await deps.runShell({ task: request.task, timeoutMs: request.timeoutMs, log: events.log });
    } catch (error) {
      events.log('ERROR', (error as Error).message);
      result = NOT_RUN;
    }
    events.end(result);
  };
}

/** What Lambda's Node.js runtime provides as the global `awslambda` (response streaming). */
interface LambdaStreaming {
  streamifyResponse(handler: (event: unknown, responseStream: Writable, context: unknown) => Promise<void>): unknown;
}

const runTask = createTaskRunnerHandler({ runShell: runShellCommands });

/** Writes the events to Lambda's response stream as they come, so the worker reads the log while the task runs. */
async function streamed(event: unknown, responseStream: Writable): Promise<void> {
  await runTask(event, (line) => responseStream.write(`${line}\n`));
  // From Node.js 24 Lambda does not wait for work left after the stream ends: end it last.
  await new Promise<void>((resolve) => responseStream.end(resolve));
}

// Other modules may create the global too (the AWS SDK's invoke store does): look for the method.
const awslambda = (globalThis as { awslambda?: Partial<LambdaStreaming> }).awslambda;

/**
 * Invoked with InvokeWithResponseStream by the worker (lib/adapters/aws/lambda-task-runner.ts).
 * Outside Lambda there is no `awslambda` global, and nothing calls this export (the local default
 * runs `createTaskRunnerHandler` in its own child process).
 */
export const handler = awslambda?.streamifyResponse ? awslambda.streamifyResponse(streamed) : streamed;
