import type { InvokeWithResponseStreamCommand, InvokeWithResponseStreamResponseEvent, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LambdaTaskRunner } from '../../../lib/adapters/aws/lambda-task-runner';
import type { LogLevel, ShellRun } from '../../../lib/ports';

const encoder = new TextEncoder();
const chunk = (text: string): InvokeWithResponseStreamResponseEvent => ({ PayloadChunk: { Payload: encoder.encode(text) } });
const END = `${JSON.stringify({ end: { ok: true, exitCode: 0, timedOut: false } })}\n`;

/** A Lambda client whose InvokeWithResponseStream answers with `events` (or fails as `answer` says); it records what was sent. */
function fakeClient(answer: (signal: AbortSignal) => Promise<AsyncIterable<InvokeWithResponseStreamResponseEvent>>) {
  const sent: InvokeWithResponseStreamCommand[] = [];
  const client: Pick<LambdaClient, 'send'> = {
    send: (async (command: InvokeWithResponseStreamCommand, options?: { abortSignal?: AbortSignal }) => {
      sent.push(command);
      return { EventStream: await answer(options?.abortSignal as AbortSignal), $metadata: {} };
    }) as LambdaClient['send'],
  };
  return { client, sent };
}

async function* stream(...events: InvokeWithResponseStreamResponseEvent[]) {
  for (const event of events) yield event;
}

function aRun(overrides: Partial<ShellRun> = {}) {
  const lines: [LogLevel, string][] = [];
  const run: ShellRun = {
    task: { commands: ['echo hi'], beforeCommands: [], env: { DAY: '2026-02-01' } },
    timeoutMs: 30_000,
    log: (level, message) => lines.push([level, message]),
    logLimits: { maxLines: 10_000, maxBytes: 4_194_304 },
    ...overrides,
  };
  return { run, lines };
}

describe('LambdaTaskRunner', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('invokes the runner function with the request, hands over each line as it arrives, and returns the result', async () => {
    const { client, sent } = fakeClient(async () => stream(chunk('{"log":"INFO","mess'), chunk('age":"hi"}\n'), chunk(END), { InvokeComplete: {} }));
    const { run, lines } = aRun();

    const result = await new LambdaTaskRunner(client, 'kb-task-runner').run(run);

    expect(result).toEqual({ ok: true, exitCode: 0, timedOut: false });
    expect(lines).toEqual([['INFO', 'hi']]);
    expect(sent[0]?.input.FunctionName).toBe('kb-task-runner');
    expect(JSON.parse(Buffer.from(sent[0]?.input.Payload as Uint8Array).toString())).toEqual({
      task: run.task,
      timeoutMs: 30_000,
      logLimits: run.logLimits,
    });
  });

  it('rejects when the function cannot be invoked (nothing ran: the worker retries the execution)', async () => {
    const { client } = fakeClient(async () => {
      throw new Error('Rate exceeded');
    });

    await expect(new LambdaTaskRunner(client, 'kb-task-runner').run(aRun().run)).rejects.toThrow(
      'The task runner kb-task-runner could not be invoked: Rate exceeded',
    );
  });

  it('fails the task, saying why, when the function fails before its result (a timeout, out of memory)', async () => {
    const { client } = fakeClient(async () =>
      stream(chunk('{"log":"INFO","message":"working"}\n'), {
        InvokeComplete: { ErrorCode: 'Sandbox.Timedout', ErrorDetails: 'Task timed out after 900.00 seconds' },
      }),
    );
    const { run, lines } = aRun();

    const result = await new LambdaTaskRunner(client, 'kb-task-runner').run(run);

    expect(result).toEqual({ ok: false, exitCode: null, timedOut: false });
    expect(lines).toEqual([
      ['INFO', 'working'],
      ['ERROR', 'The task runner ended without a result (Sandbox.Timedout: Task timed out after 900.00 seconds); the task is counted as failed'],
    ]);
  });

  it('fails the task when the stream breaks, rather than running it again', async () => {
    const { client } = fakeClient(async () =>
      (async function* () {
        yield chunk('{"log":"INFO","message":"working"}\n');
        throw new Error('socket hang up');
      })(),
    );
    const { run, lines } = aRun();

    const result = await new LambdaTaskRunner(client, 'kb-task-runner').run(run);

    expect(result.ok).toBe(false);
    expect(lines.at(-1)).toEqual(['ERROR', 'The task runner ended without a result (the stream broke: socket hang up); the task is counted as failed']);
  });

  it("stops waiting for a runner that does not answer within the task's timeout and a grace", async () => {
    vi.useFakeTimers();
    const { client } = fakeClient(async (signal) =>
      (async function* () {
        yield chunk('{"log":"INFO","message":"started"}\n');
        // A runner that never answers again, until the request is aborted.
        await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      })(),
    );
    const { run, lines } = aRun({ timeoutMs: 1000 });

    const result = new LambdaTaskRunner(client, 'kb-task-runner').run(run);
    await vi.advanceTimersByTimeAsync(11_000);

    expect(await result).toEqual({ ok: false, exitCode: null, timedOut: false });
    expect(lines.at(-1)).toEqual(['ERROR', "The task runner did not answer within 11 s (the task's timeout and 10 s); the task is counted as failed"]);
  });
});
