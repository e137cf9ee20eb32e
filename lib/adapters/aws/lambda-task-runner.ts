import { InvokeWithResponseStreamCommand, type InvokeWithResponseStreamCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ShellResult, ShellRun, TaskRunner } from '../../ports';
import { RUNNER_ANSWER_GRACE_MS, TaskResultReader, noAnswerMessage, taskRequestOf } from '../process/task-runner-protocol';

/**
 * The worker's TaskRunner on AWS: each shell task is one invocation of the task runner function
 * (functions/task-runner.ts), whose role holds nothing of value, with InvokeWithResponseStream, so
 * the task's lines arrive while it runs and are written to the logs table as they come.
 *
 * An invocation that fails before the function runs (throttled past the SDK's retries, not allowed,
 * the network) rejects: nothing ran, and the worker retries the execution later. Once the runner
 * answers, whatever happens resolves: its result, or a failed one saying why (the function failed or
 * timed out, the stream broke, no result within the task's timeout and RUNNER_ANSWER_GRACE_MS, when
 * the request is aborted). The task is not run again then: it may have done its work, or part of it.
 */
export class LambdaTaskRunner implements TaskRunner {
  constructor(
    private readonly client: Pick<LambdaClient, 'send'>,
    private readonly functionName: string,
  ) {}

  async run(run: ShellRun): Promise<ShellResult> {
    const abort = new AbortController();
    const guard = setTimeout(() => abort.abort(), run.timeoutMs + RUNNER_ANSWER_GRACE_MS);
    try {
      let response: InvokeWithResponseStreamCommandOutput;
      try {
        response = await this.client.send(
          new InvokeWithResponseStreamCommand({ FunctionName: this.functionName, Payload: Buffer.from(JSON.stringify(taskRequestOf(run))) }),
          { abortSignal: abort.signal },
        );
      } catch (error) {
        if (abort.signal.aborted) return new TaskResultReader(run).finish(noAnswerMessage(run.timeoutMs));
        throw new Error(`The task runner ${this.functionName} could not be invoked: ${(error as Error).message}`, { cause: error });
      }
      const reader = new TaskResultReader(run);
      let failure: string | undefined;
      try {
        for await (const event of response.EventStream ?? []) {
          if (event.PayloadChunk?.Payload) reader.chunk(event.PayloadChunk.Payload);
          const complete = event.InvokeComplete;
          if (complete?.ErrorCode) failure = `${complete.ErrorCode}${complete.ErrorDetails ? `: ${complete.ErrorDetails}` : ''}`;
        }
      } catch (error) {
        if (abort.signal.aborted) return reader.finish(noAnswerMessage(run.timeoutMs));
        failure = `the stream broke: ${(error as Error).message}`;
      }
      return reader.finish(`The task runner ended without a result (${failure ?? 'its answer stopped short'}); the task is counted as failed`);
    } finally {
      clearTimeout(guard);
    }
  }
}
