import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestProduct, startProduct, waitFor } from '../support/local';

/**
 * A finished backfill leaves its summary on its trigger (`lastBackfill`), over HTTP: its counts are
 * those of the executions a search finds, in the 1.x Trigger JSON and the 2.x trigger state alike.
 */
const ref = { namespace: 'lastbf', flowId: 'hourly', triggerId: 'schedule' };
// Six hourly ticks, a day ago; ticks 1 and 4 fail (their shell command exits 1).
const t0 = Math.floor((Date.now() - 24 * 3600_000) / 3600_000) * 3600_000;
const iso = (i: number) => new Date(t0 + i * 3600_000).toISOString().replace('.000Z', 'Z');
const FLOW = `id: hourly
namespace: lastbf
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - 'case "{{ trigger.date }}" in "${iso(1)}"|"${iso(4)}") exit 1;; esac'
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
`;

describe('the summary a finished backfill leaves on its trigger', () => {
  let product: TestProduct;

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '4' } });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
  });
  afterAll(async () => product?.close());

  it('shows a completed backfill with its window, start, end, and counts equal to the executions found by search', async () => {
    const created = await product.api.call('PUT', '/api/v1/triggers', {
      ...ref,
      backfill: { start: iso(0), end: iso(5), labels: [{ key: 'case', value: 'summary' }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const { id, start, end, createdDate } = created.body.backfill;

    const last = await waitFor(
      async () => {
        const { body } = await product.api.call('GET', '/api/v1/triggers/lastbf/hourly');
        const found = body.results[0]?.lastBackfill;
        // Settled: its ending's notification attempt recorded too (whoever ended it sends it right after the ending write).
        return found?.id === id && found.notify?.status !== 'PENDING' ? found : undefined;
      },
      30_000,
      100,
    );

    const executions = await product.api.executions('lastbf', 'hourly', `&labels=system.backfill:${id}`);
    const inState = (state: string) => executions.filter((x) => x.state.current === state).length;
    expect(executions).toHaveLength(6);
    expect(inState('FAILED')).toBe(2);
    expect(last).toEqual({
      id,
      outcome: 'COMPLETED',
      endedDate: expect.any(String),
      start,
      end,
      createdDate,
      labels: [{ key: 'case', value: 'summary' }],
      reprocess: 'ALL',
      flowRevision: 1,
      latestRevision: false,
      order: 'OLDEST_FIRST',
      counts: { total: 6, dispatched: 6, succeeded: inState('SUCCESS'), failed: inState('FAILED'), killed: 0, skipped: 0, unfinished: 0 },
      // Its ending event, published by whoever ended it (no webhook here).
      notify: { status: 'DELIVERED', attempts: 1 },
    });
    expect(Date.parse(last.endedDate)).toBeGreaterThanOrEqual(Date.parse(createdDate));
    // The 2.x trigger state shares it.
    const v2 = await product.api.call('GET', '/api/v1/main/triggers/lastbf/hourly');
    expect(v2.status).toBe(200);
    expect(v2.body.results[0].lastBackfill).toEqual(last);
  });
});
