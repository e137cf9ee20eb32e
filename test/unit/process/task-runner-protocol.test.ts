import { describe, expect, it } from 'vitest';
import { TaskResultReader, taskEventWriter, taskRequestOf } from '../../../lib/adapters/process/task-runner-protocol';
import type { LogLevel } from '../../../lib/ports';

function reader() {
  const lines: [LogLevel, string][] = [];
  return { lines, reader: new TaskResultReader({ log: (level, message) => lines.push([level, message]) }) };
}

describe('task runner protocol', () => {
  it('carries the run without its log function, uncapped when the run names no caps', () => {
    const task = { commands: ['true'], beforeCommands: [], env: {} };
    expect(JSON.parse(JSON.stringify(taskRequestOf({ task, timeoutMs: 5000, log: () => undefined })))).toEqual({
      task,
      timeoutMs: 5000,
      logLimits: { maxLines: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER },
    });
  });

  it('reads events however the stream cuts them, characters split across chunks included', () => {
    const events: string[] = [];
    const writer = taskEventWriter((line) => events.push(line), { maxLines: 10, maxBytes: 1000 });
    writer.log('INFO', 'café ☕');
    writer.log('WARN', 'second');
    writer.end({ ok: true, exitCode: 0, timedOut: false });
    const bytes = new TextEncoder().encode(events.map((e) => `${e}\n`).join(''));
    const { lines, reader: r } = reader();

    for (let i = 0; i < bytes.length; i++) r.chunk(bytes.subarray(i, i + 1));

    expect(lines).toEqual([
      ['INFO', 'café ☕'],
      ['WARN', 'second'],
    ]);
    expect(r.ended).toBe(true);
    expect(r.finish('none')).toEqual({ ok: true, exitCode: 0, timedOut: false });
  });

  it('fails the run with the reason when the runner ends without a result, keeping the lines it sent', () => {
    const { lines, reader: r } = reader();
    r.line(JSON.stringify({ log: 'INFO', message: 'started' }));

    expect(r.finish('The task runner process exited (SIGKILL) before the task ended')).toEqual({ ok: false, exitCode: null, timedOut: false });
    expect(lines).toEqual([
      ['INFO', 'started'],
      ['ERROR', 'The task runner process exited (SIGKILL) before the task ended'],
    ]);
  });

  it.each([
    ['a line that is not JSON', 'not json'],
    ['an event of unknown shape', JSON.stringify({ end: { ok: 'yes' } })],
    ['an event of unknown shape', JSON.stringify({ log: 'SHOUT', message: 'x' })],
    ['an event line too long', JSON.stringify({ log: 'INFO', message: 'x'.repeat(300_000) })],
  ])('treats an answer with %s as unreadable: the run fails, whatever result follows', (problem, line) => {
    const { lines, reader: r } = reader();
    r.line(line);
    r.line(JSON.stringify({ end: { ok: true, exitCode: 0, timedOut: false } }));

    expect(r.finish('none')).toEqual({ ok: false, exitCode: null, timedOut: false });
    expect(lines).toEqual([['ERROR', `The task runner's answer was unreadable (${problem}); the task is counted as failed`]]);
  });

  it('cuts a forged over-long message as the log store would, without holding more than one event line', () => {
    const { lines, reader: r } = reader();
    r.chunk(new TextEncoder().encode(`${JSON.stringify({ log: 'INFO', message: 'y'.repeat(100_000) })}\n`));

    expect(lines[0]?.[1]).toMatch(/^y+ … \[line cut: \d+ more bytes not logged\]$/);
    expect(Buffer.byteLength(lines[0]?.[1] ?? '')).toBeLessThanOrEqual(32 * 1024);
  });

  it('gives up on a stream that never ends its line', () => {
    const { reader: r } = reader();
    for (let i = 0; i < 10; i++) r.chunk(new TextEncoder().encode('z'.repeat(64 * 1024)));

    expect(r.finish('none').ok).toBe(false);
  });
});
