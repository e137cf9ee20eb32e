import type { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoKillFlags } from '../lib/adapters/dynamodb/kill-flags';
import { runShellCommands } from '../lib/adapters/process/shell-commands';
import { KILL_POLL_MS, NOT_RUN, parseTaskRequest, taskEventWriter, watchKillFlag } from '../lib/adapters/process/task-runner-protocol';
import type { KillFlags, ShellResult, ShellRunner } from '../lib/ports';

export interface TaskRunnerHandlerDeps {
  runShell: ShellRunner;
  /**
   * Where the runner looks whether the task's execution was killed, while the task runs (on AWS the
   * execution's kill flag, the one attribute its role may read). Without it only `signal` stops a
   * task (locally the runtime polls and sends the runner process a kill line).
   */
  killFlags?: KillFlags;
  killPollMs?: number;
}

/**
 * Runs one task request, sending its events (one JSON object per line, see task-runner-protocol.ts)
 * through `emit`; `signal` aborted kills the task (its execution was killed).
 */
export type TaskRunnerHandler = (request: unknown, emit: (line: string) => void, signal?: AbortSignal) => Promise<void>;

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
  return async (input, emit, signal) => {
    let events = taskEventWriter(emit, { maxLines: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER });
    let result: ShellResult;
    const kill = new AbortController();
    const onAbort = () => kill.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) kill.abort();
    let watch: { stop(): void } | undefined;
    try {
      const request = parseTaskRequest(input);
      events = taskEventWriter(emit, request.logLimits);
      if (deps.killFlags && request.executionId) {
        const flags = deps.killFlags;
        watch = watchKillFlag(
          (id) => flags.isKilled(id),
          request.executionId,
          () => kill.abort(),
          deps.killPollMs ?? KILL_POLL_MS,
        );
      }
      result = await deps.runShell({ task: request.task, timeoutMs: request.timeoutMs, log: events.log, signal: kill.signal });
    } catch (error) {
      events.log('ERROR', (error as Error).message);
      result = NOT_RUN;
    } finally {
      watch?.stop();
      signal?.removeEventListener('abort', onAbort);
    }
    events.end(result);
  };
}

/** What Lambda's Node.js runtime provides as the global `awslambda` (response streaming). */
interface LambdaStreaming {
  streamifyResponse(handler: (event: unknown, responseStream: Writable, context: unknown) => Promise<void>): unknown;
}

/**
 * On AWS the runner polls its execution's kill flag in the executions table its environment names
 * (EXECUTIONS_TABLE: the one name it gets), with its own role's narrow right; the client is built at
 * the first task, so the local runner process (which imports this module for its handler) builds none.
 */
let awsRunTask: TaskRunnerHandler | undefined;
function runTask(request: unknown, emit: (line: string) => void): Promise<void> {
  const table = process.env.EXECUTIONS_TABLE;
  awsRunTask ??= createTaskRunnerHandler({ runShell: runShellCommands, killFlags: table ? new DynamoKillFlags(new DynamoDBClient({}), table) : undefined });
  return awsRunTask(request, emit);
}

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
