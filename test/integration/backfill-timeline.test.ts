import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFlow, minuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';

/**
 * The running backfill's timeline over HTTP on the local default (2.x and 1.x routes): every poll's
 * cells add up to the window's ticks, single-tick cells name their executions, and a large window
 * comes in at most 200 cells however many ticks it has.
 */
const STATES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'killed', 'skipped', 'ended'] as const;
type Bucket = Record<(typeof STATES)[number] | 'ticks', number> & { from: string; to: string; executionId?: string };
const inStates = (b: Bucket) => STATES.reduce((sum, s) => sum + (b[s] ?? 0), 0);
const total = (buckets: Bucket[], key: (typeof STATES)[number] | 'ticks') => buckets.reduce((sum, b) => sum + (b[key] ?? 0), 0);

// Twelve hourly ticks a day ago. The last one waits for a gate file, so the backfill stays running
// (its timeline readable) until the test opens it; one execution per worker delivery,
// so it holds up no other (a worker marks a delivery's slots ended once all of its executions ended).
const gate = join(mkdtempSync(join(tmpdir(), 'timeline-')), 'open');
const t0 = Math.floor((Date.now() - 24 * 3600_000) / 3600_000) * 3600_000;
const iso = (i: number) => new Date(t0 + i * 3600_000).toISOString().replace('.000Z', 'Z');
const GATED_FLOW = `id: hourly
namespace: timeline
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    timeout: PT60S
    commands:
      - 'if [ "{{ trigger.date }}" = "${iso(11)}" ]; then while [ ! -f "${gate}" ]; do sleep 0.05; done; fi'
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
`;

describe("a running backfill's timeline, over HTTP", () => {
  let product: TestProduct;

  beforeAll(async () => {
    product = await startProduct({ workerBatchSize: 1, env: { BACKFILL_BATCH_SIZE: '4', BACKFILL_THROTTLE_WAIT_SECONDS: '1' } });
    expect((await product.api.createFlow(GATED_FLOW)).status).toBe(200);
    expect((await product.api.createFlow(logFlow('timeline', 'minutes', { id: 'schedule', cron: '* * * * *' }))).status).toBe(200);
  });
  afterAll(async () => {
    await product?.close();
    rmSync(join(gate, '..'), { recursive: true, force: true });
  });

  const timeline = (flowId: string, query = '', prefix = '/api/v1/main') =>
    product.api.call<{ backfillId: string; ticks: number; split: boolean; buckets: Bucket[] }>(
      'GET',
      `${prefix}/triggers/timeline/${flowId}/schedule/backfill/timeline${query}`,
    );

  it('shows a small backfill tick by tick, every tick counted once at every poll, each cell linking to its execution', async () => {
    const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', {
      namespace: 'timeline',
      flowId: 'hourly',
      triggerId: 'schedule',
      backfill: { start: iso(0), end: iso(11), maxConcurrency: 4 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const backfillId = created.body.backfill.id;

    const seen = new Set<string>();
    let polls = 0;
    const last = await waitFor(
      async () => {
        const { status, body } = await timeline('hourly');
        expect(status, JSON.stringify(body)).toBe(200);
        polls++;
        expect(body).toMatchObject({ backfillId, ticks: 12, split: true });
        expect(body.buckets).toHaveLength(12);
        body.buckets.forEach((b, i) => {
          expect(b).toMatchObject({ from: iso(i), to: iso(i), ticks: 1 });
          expect(inStates(b), JSON.stringify(b)).toBe(1);
        });
        for (const b of body.buckets) for (const s of STATES) if (b[s]) seen.add(s);
        // Done waiting once every tick but the gated one succeeded and that one runs.
        const settled = total(body.buckets, 'succeeded') === 11 && body.buckets[11]?.running === 1;
        return settled ? body : undefined;
      },
      60_000,
      50,
    );
    expect(last, 'the backfill did not get to its last tick').toBeDefined();
    expect(polls).toBeGreaterThan(1);
    expect(seen).toContain('running');
    // Every cell names its tick's execution, and that execution is the one the API serves.
    for (const [i, b] of last!.buckets.entries()) {
      expect(b.executionId).toBeDefined();
      const { status, body } = await product.api.call('GET', `/api/v1/main/executions/${b.executionId}`);
      expect(status).toBe(200);
      expect(body.state.current).toBe(i === 11 ? 'RUNNING' : 'SUCCESS');
      expect(body.labels).toContainEqual({ key: 'system.backfill', value: backfillId });
    }
    // The 1.x form answers the same cells; fewer asked for, fewer merged ones.
    const v1 = await timeline('hourly', '?buckets=5', '/api/v1');
    expect(v1.status).toBe(200);
    expect(v1.body.buckets).toHaveLength(5);
    expect(total(v1.body.buckets, 'ticks')).toBe(12);

    writeFileSync(gate, '');
    const gone = await waitFor(async () => ((await timeline('hourly')).status === 409 ? true : undefined), 30_000);
    expect(gone).toBe(true);
    const lastExecution = await product.api.call('GET', `/api/v1/main/executions/${last!.buckets[11]?.executionId}`);
    expect(lastExecution.body.state.current).toBe('SUCCESS');
    expect((await timeline('hourly', '', '/api/v1')).status).toBe(400);
  });

  it('cuts a window of thousands of ticks into at most 200 cells, however far dispatch got', async () => {
    const window = minuteWindow(5000, 10);
    const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', {
      namespace: 'timeline',
      flowId: 'minutes',
      triggerId: 'schedule',
      backfill: { ...window, maxConcurrency: 8 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    await product.api.call('PUT', '/api/v1/main/triggers/backfill/pause', { namespace: 'timeline', flowId: 'minutes', triggerId: 'schedule' });

    for (let poll = 0; poll < 3; poll++) {
      const { status, body } = await timeline('minutes');
      expect(status).toBe(200);
      expect(body.ticks).toBe(5000);
      expect(body.buckets).toHaveLength(200);
      expect(total(body.buckets, 'ticks')).toBe(5000);
      expect(body.buckets.every((b) => b.ticks === 25 && inStates(b) === 25 && b.executionId === undefined)).toBe(true);
      expect(total(body.buckets, 'pending')).toBeGreaterThanOrEqual(5000 - 8 - 4);
      expect(Date.parse(body.buckets[0]!.from)).toBe(Date.parse(window.start));
      expect(Date.parse(body.buckets[199]!.to)).toBeGreaterThanOrEqual(Date.parse(window.end));
      for (let i = 1; i < 200; i++) expect(Date.parse(body.buckets[i]!.from)).toBe(Date.parse(body.buckets[i - 1]!.to) + 1);
    }
    const few = await timeline('minutes', '?buckets=40');
    expect(few.body.buckets).toHaveLength(40);
    expect(few.body.buckets.every((b) => b.ticks === 125)).toBe(true);

    await product.api.call('POST', '/api/v1/main/triggers/backfill/delete', { namespace: 'timeline', flowId: 'minutes', triggerId: 'schedule' });
  });

  it('refuses a bad bucket count naming the parameter, and names a trigger it does not know', async () => {
    const bad = await timeline('minutes', '?buckets=0');
    expect(bad.status).toBe(422);
    expect((bad.body as unknown as { message: string }).message).toContain('buckets');
    expect((await timeline('minutes', '?buckets=201', '/api/v1')).status).toBe(400);
    const missing = await product.api.call('GET', '/api/v1/main/triggers/timeline/minutes/nope/backfill/timeline');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('nope');
    expect(missing.body.message).toContain('timeline.minutes');
  });
});
