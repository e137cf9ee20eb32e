import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Api, waitFor } from '../support/local';
import { type NpmStart, freePort, npmStart } from '../support/npm-start';

/**
 * A task prints everything it can reach of its own process tree: its environment, its parent's
 * (the supervisor) and its grandparent's (the process that runs tasks). Before the task runner, the
 * grandparent was the worker itself, holding the credentials the runtime was started with.
 */
const FLOW = `id: snoop
namespace: security
tasks:
  - id: look
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - |
        echo "== env"
        env
        echo "== parent $PPID"
        tr '\\0' '\\n' < /proc/$PPID/environ
        runner=$(awk '/^PPid:/ { print $2 }' /proc/$PPID/status)
        echo "== runner $runner: $(tr '\\0' ' ' < /proc/$runner/cmdline)"
        tr '\\0' '\\n' < /proc/$runner/environ
        echo "== done"
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 * * *"
`;

// The task reads its parents' environments in /proc (Linux).
describe.runIf(existsSync('/proc/self/stat'))("shell tasks run without the runtime's credentials (locally: the task runner process)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'task-credentials-'));
  let started: NpmStart | undefined;
  afterAll(async () => {
    if (started) {
      try {
        process.kill(-(started.child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      await started.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("finds no AWS secret in a task's environment, its parent's, nor the runner's", { timeout: 120_000 }, async () => {
    // Fake credentials in the runtime's own environment from its start (what /proc/<pid>/environ shows),
    // so a task that could read them would print them.
    const unique = randomBytes(6).toString('hex').toUpperCase();
    const secrets = {
      AWS_ACCESS_KEY_ID: `AKIAFAKE${unique}`,
      AWS_SECRET_ACCESS_KEY: `fake-secret-${unique}`,
      AWS_SESSION_TOKEN: `fake-session-token-${unique}`,
    };
    const port = await freePort();
    started = npmStart({ ...process.env, ...secrets, PORT: String(port), DATA_DIR: dataDir });
    const api = new Api(`http://127.0.0.1:${port}`);
    const up = await waitFor(async () => (await api.call('GET', '/api/v1/flows/search').catch(() => ({ status: 0 }))).status === 200, 60_000, 200);
    expect(up, `the local default did not start: ${started.output()}`).toBe(true);

    expect((await api.createFlow(FLOW)).status).toBe(200);
    const day = new Date(Date.now() - 2 * 86_400_000);
    day.setUTCHours(0, 0, 0, 0);
    const put = await api.call('PUT', '/api/v1/triggers', {
      namespace: 'security',
      flowId: 'snoop',
      triggerId: 'daily',
      backfill: { start: day.toISOString(), end: day.toISOString() },
    });
    expect(put.status).toBe(200);
    const execution = await waitFor(async () => {
      const [found] = await api.executions('security', 'snoop');
      return found && ['SUCCESS', 'FAILED'].includes(found.state.current) ? found : undefined;
    }, 60_000);
    expect(execution?.state.current).toBe('SUCCESS');

    const logs = (await api.call('GET', `/api/v1/logs/${execution.id}`)).body as { message: string }[];
    const messages = logs.map((line) => line.message);
    const printed = messages.join('\n');
    for (const [name, value] of Object.entries(secrets)) {
      expect(printed, `${name}'s value`).not.toContain(value);
      expect(printed, name).not.toContain(`${name}=`);
    }
    // It did print the three environments, and the grandparent it read is the task runner process.
    expect(messages).toContain('== env');
    expect(messages).toContain('== done');
    expect(messages.filter((m) => m.startsWith('PATH=')).length).toBe(3);
    expect(messages.find((m) => m.startsWith('== runner '))).toMatch(/task-runner-process\.ts/);
  });
});
