import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logFlow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';

const flow = (id: string, recover: string) =>
  logFlow('restart', id, { id: 'pulse', cron: '*/2 * * * * *', extra: `    withSeconds: true\n    recoverMissedSchedules: ${recover}\n` });

/** Stop the local default, leave it down, start it again on the same data: what happens to the ticks it missed. */
describe('missed schedules across a restart of the local default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'restart-'));
  let product: TestProduct | undefined;
  afterAll(async () => {
    await product?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const options = { dataDir, liveTickMs: 100, env: { ...process.env, LIVE_ON_TIME_SECONDS: '1' } };
  const ticksOf = async (p: TestProduct, flowId: string) =>
    (await p.api.executions('restart', flowId)).map((e) => Date.parse(e.trigger.variables.date)).sort((a, b) => a - b);

  it('replays all (ALL), only the last (LAST), or none of the late ones (NONE)', async () => {
    product = await startProduct(options);
    for (const [id, recover] of [['all', 'ALL'], ['last', 'LAST'], ['none', 'NONE']]) {
      expect((await product.api.createFlow(flow(id, recover))).status).toBe(200);
    }
    await waitFor(async () => (await ticksOf(product as TestProduct, 'none')).length >= 1, 10_000);
    await product.close();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 7000));
    const restartedAt = Date.now();
    product = await startProduct(options);
    await new Promise((r) => setTimeout(r, 1500));
    await product.runtime.queue.idle();

    const missed = (ticks: number[]) => ticks.filter((t) => t > stoppedAt && t < restartedAt);
    const all = missed(await ticksOf(product, 'all'));
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < all.length; i++) expect(all[i] - all[i - 1]).toBe(2000);
    expect(missed(await ticksOf(product, 'last'))).toHaveLength(1);
    for (const tick of missed(await ticksOf(product, 'none'))) expect(tick).toBeGreaterThanOrEqual(restartedAt - 1500);
    // And the schedule carries on live after the restart, for all three.
    for (const id of ['all', 'last', 'none']) expect((await ticksOf(product, id)).some((t) => t >= restartedAt)).toBe(true);
  }, 60_000);
});
