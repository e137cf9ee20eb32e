import { createWorkerHandler } from '../../functions/worker';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleOf } from '../../lib/app/schedules';
import { isSchedule } from '../../lib/domain/flow/model';
import { buildScheduledExecution } from '../../lib/domain/scheduled-execution';
import { echoTickFlow, tenMinuteWindow } from '../support/flows';
import { type TestProduct, runLabelledBackfill, startProduct } from '../support/local';

const FLOW = echoTickFlow('idem', 'once');
const ids = { namespace: 'idem', flowId: 'once', triggerId: 'schedule' };

/** Crashes, retries and redeliveries lose nothing and duplicate nothing. */
describe('one execution per tick, whatever fails or repeats', () => {
  let product: TestProduct;
  const svc = () => product.runtime.deps;

  beforeAll(async () => {
    // A short lease: a duplicate message that finds its execution leased comes back when the lease ends.
    product = await startProduct({
      env: { BACKFILL_BATCH_SIZE: '7', BACKFILL_THROTTLE_WAIT_SECONDS: '1', WORKER_LEASE_SECONDS: '3' },
      visibilityTimeoutMs: 300,
    });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
  });
  afterAll(async () => product?.close());

  const runBackfill = (label: string, ticks: number, hoursAgo: number) => runLabelledBackfill(product, ids, tenMinuteWindow(ticks, hoursAgo), label);

  async function expectEachRanOnce(executions: any[], ticks: number) {
    expect(executions).toHaveLength(ticks);
    expect(new Set(executions.map((e) => e.trigger.variables.date)).size).toBe(ticks);
    for (const e of executions) {
      expect(e.state.current).toBe('SUCCESS');
      expect(e.taskRunList).toHaveLength(1);
      const logs = (await product.api.call('GET', `/api/v1/logs/${e.id}`)).body;
      expect(logs.filter((l: any) => l.message.startsWith('run for '))).toHaveLength(1);
    }
  }

  it('a batch retried after the executions were written (cursor not moved) creates no duplicates', async () => {
    const advance = svc().triggers.advanceBackfill.bind(svc().triggers);
    let failures = 0;
    svc().triggers.advanceBackfill = async (...args) => {
      if (failures < 2) {
        failures++;
        throw new Error('simulated crash after the batch was written');
      }
      return advance(...args);
    };
    try {
      await expectEachRanOnce(await runBackfill('retry-advance', 20, 30), 20);
      expect(failures).toBe(2);
    } finally {
      svc().triggers.advanceBackfill = advance;
    }
  });

  it('a batch whose messages were lost is queued again by the retry', async () => {
    const send = svc().queue.send.bind(svc().queue);
    let dropped = 0;
    svc().queue.send = async (messages, lane) => {
      if (dropped === 0 && messages.length) {
        dropped = messages.length;
        throw new Error('simulated crash before the messages were sent');
      }
      return send(messages, lane);
    };
    try {
      await expectEachRanOnce(await runBackfill('lost-messages', 15, 40), 15);
      expect(dropped).toBeGreaterThan(0);
    } finally {
      svc().queue.send = send;
    }
  });

  it('every message delivered twice still runs each execution once', async () => {
    const send = svc().queue.send.bind(svc().queue);
    let sent = 0;
    svc().queue.send = async (messages, lane) => {
      sent += messages.length * 2;
      await send([...messages, ...messages], lane);
    };
    try {
      await expectEachRanOnce(await runBackfill('duplicates', 12, 50), 12);
      expect(sent).toBe(24);
    } finally {
      svc().queue.send = send;
    }
  });

  it('an execution whose worker died is taken over once its lease expires, under the same id', async () => {
    const createClaimed = svc().executions.createClaimed.bind(svc().executions);
    let abandoned: string | undefined;
    svc().executions.createClaimed = async (stored, leaseToken, leaseUntil) => {
      if (!abandoned) {
        // The first worker writes the execution RUNNING under a short lease, then "dies": it never
        // runs nor finishes it. Its message, back from the queue, finds it leased, then takes it over.
        abandoned = stored.execution.id;
        const now = Date.now();
        expect(await createClaimed(stored, 'dead-worker', now + 1000)).toBe(true);
        return false;
      }
      return createClaimed(stored, leaseToken, leaseUntil);
    };
    try {
      const executions = await runBackfill('dead-worker', 5, 60);
      await expectEachRanOnce(executions, 5);
      const taken = executions.find((e) => e.id === abandoned);
      expect(taken.state.histories.map((h: any) => h.state)).toEqual(['CREATED', 'RUNNING', 'RUNNING', 'SUCCESS']);
    } finally {
      svc().executions.createClaimed = createClaimed;
    }
  });
  it('a batch holding the same execution twice runs it once; an unreadable message fails alone', async () => {
    // An execution waiting in CREATED, as dispatch leaves it, but not queued: the test delivers it.
    const flow = (await svc().flows.get(ids.namespace, ids.flowId))!;
    const trigger = flow.triggers.find((t) => t.id === ids.triggerId)!;
    if (!isSchedule(trigger)) throw new Error('the test flow has a Schedule trigger');
    const id = `batch-dup-${Date.now()}`;
    const tickMs = Date.parse('2026-01-01T00:00:00Z');
    const built = buildScheduledExecution({ id, flow, trigger, schedule: scheduleOf(trigger), tickMs, createdAt: new Date(), origin: { tickMs } });
    expect(await svc().executions.createIfAbsent(built)).toBe(true);
    const record = (messageId: string, body: string) =>
      ({ messageId, body, receiptHandle: `receipt-${messageId}`, eventSourceARN: 'arn:aws:sqs:local:0:executions' }) as SQSRecord;
    const handler = createWorkerHandler(product.runtime.deps);
    const answer = await handler({
      Records: [record('m1', JSON.stringify({ executionId: id })), record('m2', JSON.stringify({ executionId: id })), record('m3', '{not json')],
    });
    // m3 comes back (and would reach the DLQ); one of m1/m2 comes back because the other holds the lease.
    const failures = answer.batchItemFailures.map((f) => f.itemIdentifier).sort();
    expect(failures).toHaveLength(2);
    expect(failures).toContain('m3');
    const execution = (await product.api.call('GET', `/api/v1/executions/${id}`)).body;
    expect(execution.state.histories.map((h: any) => h.state)).toEqual(['CREATED', 'RUNNING', 'SUCCESS']);
    // The one that came back finds it finished and is done.
    expect((await handler({ Records: [record('m4', JSON.stringify({ executionId: id }))] })).batchItemFailures).toEqual([]);
  });
});
