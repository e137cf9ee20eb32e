import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Api, waitFor } from '../support/local';
import { type NpmStart, freePort, npmStart } from '../support/npm-start';

type Started = NpmStart;

/** `npm start` as the README says, with the port and data folder set through the environment. */
const start = (env: Record<string, string>): Started => npmStart({ ...process.env, ...env });

const kill = (s: Started, signal: NodeJS.Signals) => {
  try {
    process.kill(-(s.child.pid as number), signal);
  } catch {
    // already gone
  }
};

async function ready(api: Api, s: Started) {
  const up = await waitFor(async () => (await api.call('GET', '/api/v1/flows/search').catch(() => ({ status: 0 }))).status === 200, 60_000, 200);
  if (!up) throw new Error(`the local default did not start: ${s.output()}`);
}

describe('the local default as a real process (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'local-data-'));
  const running: Started[] = [];
  afterAll(async () => {
    for (const s of running) kill(s, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the API on 127.0.0.1, loads ./flows, refuses a second instance on the same data folder, and survives a crash', async () => {
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir, BACKFILL_BATCH_SIZE: '20', BACKFILL_MAX_IN_FLIGHT: '40' };
    const first = start(env);
    running.push(first);
    const api = new Api(`http://127.0.0.1:${port}`);
    await ready(api, first);

    const seed = await api.call('GET', '/api/v1/flows/dev/scheduled_flow');
    expect(seed.status).toBe(200);
    expect(first.output()).toContain(`http://localhost:${port}`);

    const second = start({ ...env, PORT: String(await freePort()) });
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('in use by another running instance');

    // A backfill, then a crash in the middle of it.
    // Each run of a task writes its start and its end, with its shell's pid, to one file.
    const marks = join(dataDir, 'marks.log');
    const flow = [
      'id: crash',
      'namespace: local',
      'tasks:',
      '  - id: work',
      '    type: io.kestra.plugin.scripts.shell.Commands',
      '    commands:',
      `      - echo "start {{ execution.id }} $$" >> ${marks}`,
      '      - sleep 0.2',
      `      - echo "end {{ execution.id }} $$" >> ${marks}`,
      'triggers:',
      '  - id: minute',
      '    type: io.kestra.plugin.core.trigger.Schedule',
      '    cron: "* * * * *"',
      '',
    ].join('\n');
    expect((await api.createFlow(flow)).status).toBe(200);
    const begin = new Date(Date.now() - 2 * 86_400_000);
    begin.setUTCSeconds(0, 0);
    const put = await api.call('PUT', '/api/v1/triggers', {
      namespace: 'local',
      flowId: 'crash',
      triggerId: 'minute',
      backfill: { start: begin.toISOString(), end: new Date(begin.getTime() + 149 * 60_000).toISOString() },
    });
    expect(put.status).toBe(200);
    // Tasks are running (the task runner process starts with the first task): kill it mid-stream.
    const ends = () =>
      existsSync(marks)
        ? readFileSync(marks, 'utf8')
            .split('\n')
            .filter((l) => l.startsWith('end ')).length
        : 0;
    expect(await waitFor(async () => ends() >= 20, 60_000, 50), 'tasks ran before the crash').toBe(true);
    kill(first, 'SIGKILL');
    await first.exited;

    const third = start(env);
    running.push(third);
    await ready(api, third);
    expect(third.output()).toContain('resumed backfill');
    expect(third.output()).toContain('did not stop cleanly');
    // The queue lived in memory: the sweep at start queues the unfinished executions again, and sends
    // again those of the open ledger pages that had not started.
    expect(third.output()).toMatch(/queued again \d+ unfinished executions and sent again \d+ that had not started/);
    const finished = await waitFor(async () => !(await api.call('GET', '/api/v1/triggers/local/crash')).body.results[0].backfill, 90_000, 300);
    expect(finished).toBe(true);
    const done = await waitFor(async () => {
      const ex = await api.executions('local', 'crash');
      return ex.every((e) => e.state.current === 'SUCCESS') ? ex : undefined;
    }, 30_000);
    expect(done).toBeTruthy();
    const executions = done as any[];
    expect(executions).toHaveLength(150);
    expect(new Set(executions.map((e) => e.trigger.variables.date)).size).toBe(150);
    // The runs the crash cut short died with the process: no run of an execution ends after its
    // next run started (that would be two overlapping runs of one execution's task).
    const latestRun = new Map<string, string>();
    let cutShort = 0;
    for (const line of readFileSync(marks, 'utf8').trim().split('\n')) {
      const [what, id = '', pid = ''] = line.split(' ');
      if (what === 'start') {
        if (latestRun.has(id)) cutShort++;
        latestRun.set(id, pid);
      } else {
        expect(pid, `a run of ${id} ended after its next run started`).toBe(latestRun.get(id));
      }
    }
    expect(latestRun.size).toBe(150);
    expect(cutShort).toBeGreaterThan(0);

    // A clean stop releases the data folder (npm itself just dies of the signal).
    kill(third, 'SIGTERM');
    await third.exited;
    expect(await waitFor(async () => !existsSync(join(dataDir, 'instance.lock')), 10_000)).toBe(true);
  }, 240_000);
});
