import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { echoTickFlow, tenMinuteWindow } from '../support/flows';
import { type TestProduct, runLabelledBackfill, startProduct } from '../support/local';

const FLOW = echoTickFlow('rec', 'recover');
const ids = { namespace: 'rec', flowId: 'recover', triggerId: 'schedule' };

/**
 * The one recovery path, through the real runtime: the sweep (here every second, counting a message
 * lost after a second) and the dead-letter consumer, nothing else.
 */
describe('nothing stuck: the sweep and the dead-letter consumer', () => {
  let product: TestProduct;
  const svc = () => product.runtime.deps;

  beforeAll(async () => {
    product = await startProduct({ env: { BACKFILL_BATCH_SIZE: '5', SWEEP_INTERVAL_SECONDS: '1', SWEEP_STALE_SECONDS: '1', WORKER_RETRY_BASE_MS: '50' } });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
  });
  afterAll(async () => product?.close());

  const runBackfill = (label: string, ticks: number, hoursAgo: number) => runLabelledBackfill(product, ids, tenMinuteWindow(ticks, hoursAgo), label);

  it('a message lost without a trace (no error anywhere) is sent again by the sweep, and runs once', async () => {
    const send = svc().queue.send.bind(svc().queue);
    let lost = 0;
    const spy = vi.spyOn(svc().queue, 'send').mockImplementation(async (messages, lane) => {
      // The first message of every batch vanishes.
      if (lane === 'backfill' && messages.length > 1 && lost < 3) {
        lost++;
        return send(messages.slice(1), lane);
      }
      return send(messages, lane);
    });
    try {
      const executions = await runBackfill('lost', 15, 30);
      expect(lost).toBe(3);
      expect(executions).toHaveLength(15);
      expect(new Set(executions.map((e) => e.trigger.variables.date)).size).toBe(15);
      expect(executions.every((e) => e.state.current === 'SUCCESS')).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('an execution whose every delivery fails ends FAILED, saying why, and its backfill ends', async () => {
    const createClaimed = svc().executions.createClaimed.bind(svc().executions);
    let poisoned: string | undefined;
    const spy = vi.spyOn(svc().executions, 'createClaimed').mockImplementation(async (stored, token, until) => {
      poisoned ??= stored.execution.id;
      if (stored.execution.id === poisoned) throw new Error('simulated infrastructure failure, on every delivery');
      return createClaimed(stored, token, until);
    });
    try {
      const executions = await runBackfill('poison', 6, 60);
      expect(executions).toHaveLength(6);
      const failed = executions.filter((e) => e.state.current === 'FAILED');
      expect(failed.map((e) => e.id)).toEqual([poisoned]);
      const logs = (await product.api.call('GET', `/api/v1/logs/${poisoned}`)).body;
      expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('dead-lettered') })]);
      const trigger = (await product.api.call('GET', '/api/v1/triggers/rec/recover')).body.results[0];
      expect(trigger.backfill).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });
});
