import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logFlow } from '../support/flows';
import { type TestProduct, startProduct } from '../support/local';
import { ManualClock } from '../support/manual-clock';

const flow = (id: string, recover: string) =>
  logFlow('restart', id, { id: 'pulse', cron: '*/2 * * * * *', extra: `    withSeconds: true\n    recoverMissedSchedules: ${recover}\n` });

/**
 * Stop the local default, leave it down, start it again on the same data: what happens to the ticks
 * it missed. The clock is the test's, so "down for ten seconds" takes no time and every count is exact.
 */
describe('missed schedules across a restart of the local default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'restart-'));
  // Half a second past a tick of the every-two-seconds cron.
  const clock = new ManualClock('2026-03-02T10:00:00.500Z');
  const at = (seconds: number) => Date.parse('2026-03-02T10:00:00Z') + seconds * 1000;
  let product: TestProduct | undefined;
  afterAll(async () => {
    await product?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  // A tick more than a second late counts as missed.
  const options = { dataDir, clock, env: { ...process.env, LIVE_ON_TIME_SECONDS: '1' } };
  /** One pass of the live schedule, then every execution it queued has run. */
  const tick = async (p: TestProduct) => {
    await p.runtime.tick();
    await p.runtime.queue.idle();
  };
  const ticksOf = async (p: TestProduct, flowId: string) =>
    (await p.api.executions('restart', flowId)).map((e) => Date.parse(e.trigger.variables.date)).sort((a, b) => a - b);

  it('replays all (ALL), only the last (LAST), or none of the late ones (NONE)', async () => {
    product = await startProduct(options);
    for (const [id, recover] of [
      ['all', 'ALL'],
      ['last', 'LAST'],
      ['none', 'NONE'],
    ] as const) {
      expect((await product.api.createFlow(flow(id, recover))).status).toBe(200);
    }
    clock.set(at(2.5));
    await tick(product);
    for (const id of ['all', 'last', 'none']) expect(await ticksOf(product, id)).toEqual([at(2)]);
    await product.close();
    product = undefined;

    // Down until 10:00:13.5: the ticks of :04 … :12 were missed, and even :12 is 1.5 s late.
    clock.set(at(13.5));
    product = await startProduct(options);
    await tick(product);
    expect(await ticksOf(product, 'all')).toEqual([at(2), at(4), at(6), at(8), at(10), at(12)]);
    expect(await ticksOf(product, 'last')).toEqual([at(2), at(12)]);
    expect(await ticksOf(product, 'none')).toEqual([at(2)]);

    // And the schedule carries on live after the restart, for all three: half a second late is on time.
    clock.set(at(14.5));
    await tick(product);
    expect(await ticksOf(product, 'all')).toEqual([at(2), at(4), at(6), at(8), at(10), at(12), at(14)]);
    expect(await ticksOf(product, 'last')).toEqual([at(2), at(12), at(14)]);
    expect(await ticksOf(product, 'none')).toEqual([at(2), at(14)]);
    for (const id of ['all', 'last', 'none']) {
      const row = (await product.api.call('GET', `/api/v1/triggers/restart/${id}`)).body.results[0];
      expect(Date.parse(row.nextExecutionDate)).toBe(at(16));
    }
  });
});
