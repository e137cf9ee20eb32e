import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { type TaskRunnerHandler, createTaskRunnerHandler, handler } from '../../../functions/task-runner';
import { TaskResultReader } from '../../../lib/adapters/process/task-runner-protocol';
import type { LogLevel, ShellResult, ShellRun, ShellRunner } from '../../../lib/ports';

const REQUEST = {
  task: { commands: ['echo hi'], beforeCommands: [], env: { DAY: '2026-02-01' } },
  timeoutMs: 60_000,
  logLimits: { maxLines: 100, maxBytes: 10_000 },
};

/** Runs the handler on `request` and reads its answer back as the worker does; the runs it made too. */
async function answer(handler: TaskRunnerHandler, request: unknown) {
  const events: string[] = [];
  await handler(request, (line) => events.push(line));
  const lines: [LogLevel, string][] = [];
  const reader = new TaskResultReader({ log: (level, message) => lines.push([level, message]) });
  // As a stream would cut it: one chunk, split in the middle of an event.
  const bytes = new TextEncoder().encode(events.map((e) => `${e}\n`).join(''));
  reader.chunk(bytes.subarray(0, 7));
  reader.chunk(bytes.subarray(7));
  return { events, lines, result: reader.finish('no result') };
}

function scripted(behaviour: (run: ShellRun) => ShellResult | Promise<ShellResult>): { runShell: ShellRunner; runs: ShellRun[] } {
  const runs: ShellRun[] = [];
  return {
    runs,
    runShell: async (run) => {
      runs.push(run);
      return behaviour(run);
    },
  };
}

describe('createTaskRunnerHandler (the task runner function)', () => {
  it('runs the requested script with its timeout, streams each line as it comes, and ends with the result', async () => {
    const shell = scripted((run) => {
      run.log('INFO', 'hi');
      run.log('WARN', 'careful');
      return { ok: true, exitCode: 0, timedOut: false };
    });

    const { events, lines, result } = await answer(createTaskRunnerHandler(shell), REQUEST);

    expect(shell.runs.map((r) => [r.task, r.timeoutMs])).toEqual([[REQUEST.task, 60_000]]);
    expect(events).toHaveLength(3);
    expect(lines).toEqual([
      ['INFO', 'hi'],
      ['WARN', 'careful'],
    ]);
    expect(result).toEqual({ ok: true, exitCode: 0, timedOut: false });
  });

  it("counts the lines past the request's caps instead of sending them, but always sends ERROR lines", async () => {
    const shell = scripted((run) => {
      for (let i = 0; i < 5; i++) run.log('INFO', `line ${i}`);
      run.log('ERROR', 'Command failed with exit code 1');
      return { ok: false, exitCode: 1, timedOut: false };
    });

    const { lines, result } = await answer(createTaskRunnerHandler(shell), { ...REQUEST, logLimits: { maxLines: 2, maxBytes: 10_000 } });

    expect(lines).toEqual([
      ['INFO', 'line 0'],
      ['INFO', 'line 1'],
      ['ERROR', 'Command failed with exit code 1'],
    ]);
    expect(result).toEqual({ ok: false, exitCode: 1, timedOut: false, unsent: { lines: 3, bytes: 18 } });
  });

  it('caps by bytes too', async () => {
    const shell = scripted((run) => {
      run.log('INFO', 'x'.repeat(6));
      run.log('INFO', 'y'.repeat(6));
      return { ok: true, exitCode: 0, timedOut: false };
    });

    const { lines, result } = await answer(createTaskRunnerHandler(shell), { ...REQUEST, logLimits: { maxLines: 100, maxBytes: 10 } });

    expect(lines).toEqual([['INFO', 'xxxxxx']]);
    expect(result.unsent).toEqual({ lines: 1, bytes: 6 });
  });

  it('answers a request that is not one with a failed result naming what is wrong, running nothing', async () => {
    const shell = scripted(() => ({ ok: true, exitCode: 0, timedOut: false }));

    const { lines, result } = await answer(createTaskRunnerHandler(shell), { task: { commands: 'rm -rf /' }, timeoutMs: -1 });

    expect(shell.runs).toEqual([]);
    expect(result).toEqual({ ok: false, exitCode: null, timedOut: false });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.[0]).toBe('ERROR');
    expect(lines[0]?.[1]).toMatch(/^Task runner: not a task request \(.*task\.commands: .*timeoutMs: /);
  });

  it('answers a task whose process could not start with a failed result and the reason', async () => {
    const shell = scripted(() => {
      throw new Error('spawn /bin/sh ENOENT');
    });

    const { lines, result } = await answer(createTaskRunnerHandler(shell), REQUEST);

    expect(result).toEqual({ ok: false, exitCode: null, timedOut: false });
    expect(lines).toEqual([['ERROR', 'spawn /bin/sh ENOENT']]);
  });

  it('as the Lambda handler, writes the answer to the response stream, one event a line, and ends the stream', async () => {
    const chunks: string[] = [];
    const responseStream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });

    // A request that is not one: answered without starting a process.
    await (handler as (event: unknown, stream: Writable) => Promise<void>)({ not: 'a request' }, responseStream);

    expect(responseStream.writableFinished).toBe(true);
    const events = chunks.join('').split('\n');
    expect(events.pop()).toBe('');
    expect(JSON.parse(events.at(-1) as string)).toEqual({ end: { ok: false, exitCode: null, timedOut: false } });
    expect(JSON.parse(events[0] as string)).toMatchObject({ log: 'ERROR', message: expect.stringMatching(/^Task runner: not a task request/) });
  });
});
