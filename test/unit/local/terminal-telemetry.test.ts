import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeadLetterHandler } from '../../../functions/dead-letter';
import { terminalTelemetry } from '../../../lib/adapters/local/terminal-telemetry';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aStoredExecution, sqsEvent, sqsRecord } from '../../support/factories';

/** The JSON lines Powertools' Logger wrote to stdout and stderr while `act` ran. */
async function linesWrittenBy(act: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await act();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the local default’s telemetry (terminalTelemetry)', () => {
  beforeEach(() => {
    // Powertools reads these when a Logger is built; a developer's shell may have set them.
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', '');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("writes a handler's lines as one short JSON object each, with the execution's and backfill's ids", async () => {
    const deps = inMemoryDependencies();
    const { execution, origin } = aStoredExecution({ id: 'e1', backfillId: 'bf1' });
    const handler = createDeadLetterHandler({ ...deps, telemetry: terminalTelemetry('dead-letter') });

    const lines = await linesWrittenBy(() => handler(sqsEvent([sqsRecord({ executionId: 'e1', created: { execution, origin } })])));

    expect(lines).toEqual([
      {
        time: expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3}$/),
        level: 'INFO',
        message: 'dead letter',
        fn: 'dead-letter',
        executionId: 'e1',
        backfillId: 'bf1',
        messageId: expect.any(String),
        outcome: 'FAILED',
      },
    ]);
  });

  it('writes an error as one line naming it, and writes no metrics', async () => {
    const telemetry = terminalTelemetry('worker');

    const lines = await linesWrittenBy(async () => {
      telemetry.error('Execution message failed; it will be retried', { executionId: 'e1', error: new TypeError('boom') });
      telemetry.metric('RunsRejected', 'Count', 1);
      telemetry.publish();
    });

    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', executionId: 'e1', error: expect.stringMatching(/^TypeError: boom \(.+terminal-telemetry\.test\.ts:\d+\)$/) }),
    ]);
  });
});
