import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFlow, tenMinuteWindow } from '../support/flows';
import { type TestProduct, startProduct, waitFor } from '../support/local';

/**
 * `backfill.notify.webhook` over HTTP on the local default: a receiver on 127.0.0.1 (plain http to
 * this machine is accepted locally) records the POSTs; the sweep is run by the test, and the clock
 * moved past the backoff, instead of waiting for either.
 */
const FLOW = logFlow('notify', 'tenmin', { id: 'schedule', cron: '*/10 * * * *' });
const REF = { namespace: 'notify', flowId: 'tenmin', triggerId: 'schedule' };

interface Received {
  headers: IncomingHttpHeaders;
  body: any;
}

describe('backfill notifications over HTTP', () => {
  let product: TestProduct;
  let receiver: Server;
  let hookUrl: string;
  const received: Received[] = [];
  let failuresLeft = 0;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => {
        text += chunk;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) });
        if (failuresLeft > 0) {
          failuresLeft--;
          res.writeHead(503).end();
        } else {
          res.writeHead(200).end('ok');
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=secret`;
    product = await startProduct({ clock: { now: () => new Date(Date.now() + clockOffsetMs) } });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
  });
  afterAll(async () => {
    await product?.close();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  const lastBackfillOf = async () => (await product.api.call('GET', '/api/v1/triggers/notify/tenmin')).body.results[0]?.lastBackfill;

  it('refuses a webhook that is not https (or http to this machine), naming the field, on 1.x, 2.x and the preview', async () => {
    const body = { ...REF, backfill: { ...tenMinuteWindow(3, 30), notify: { webhook: 'http://example.com/hook' } } };
    const v1 = await product.api.call('PUT', '/api/v1/triggers', body);
    expect(v1.status).toBe(400);
    expect(JSON.stringify(v1.body)).toContain('backfill.notify.webhook');
    const v2 = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', body);
    expect(v2.status).toBe(422);
    expect(JSON.stringify(v2.body)).toContain('backfill.notify.webhook');
    const preview = await product.api.call('POST', '/api/v1/triggers/backfill/preview', body);
    expect(preview.status).toBe(400);
    expect(JSON.stringify(preview.body)).toContain('backfill.notify.webhook');
    const notString = await product.api.call('PUT', '/api/v1/triggers', { ...body, backfill: { ...body.backfill, notify: { webhook: 42 } } });
    expect(notString.status).toBe(400);
    expect(JSON.stringify(notString.body)).toContain('backfill.notify.webhook');
    expect((await product.api.call('GET', '/api/v1/triggers/notify/tenmin')).body.results[0]).not.toHaveProperty('backfill');
  });

  it('a small backfill that completes POSTs its final counts exactly once; the webhook is shown by its origin only', async () => {
    received.length = 0;
    const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', {
      ...REF,
      backfill: { ...tenMinuteWindow(3, 30), notify: { webhook: hookUrl } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.backfill.id;
    expect(created.body.backfill.notify).toEqual({ webhook: `${new URL(hookUrl).origin}/…` });

    const last = await waitFor(async () => {
      const found = await lastBackfillOf();
      return found?.id === id && found.notify?.status === 'DELIVERED' ? found : undefined;
    }, 30_000);
    expect(last).toMatchObject({ outcome: 'COMPLETED', notify: { webhook: `${new URL(hookUrl).origin}/…`, status: 'DELIVERED', attempts: 1 } });
    expect(JSON.stringify(last)).not.toContain('secret');

    // A sweep afterwards sends nothing again.
    await product.runtime.sweep();
    expect(received).toHaveLength(1);
    const [post] = received;
    expect(post!.headers['x-backfill-event-id']).toBe(`${id}-completed`);
    expect(post!.body).toMatchObject({
      eventId: `${id}-completed`,
      type: 'COMPLETED',
      backfill: { ...REF, id, outcome: 'COMPLETED', counts: { total: 3, dispatched: 3, succeeded: 3, failed: 0, skipped: 0, unfinished: 0 } },
    });
    expect(post!.body.backfill.durationSeconds).toBeGreaterThanOrEqual(0);
  });

  it('a receiver that fails the first attempt gets it on the retry the sweep makes after the backoff', async () => {
    received.length = 0;
    failuresLeft = 1;
    const created = await product.api.call('PUT', '/api/v1/triggers', { ...REF, backfill: { ...tenMinuteWindow(2, 40), notify: { webhook: hookUrl } } });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.backfill.id;

    const pending = await waitFor(async () => {
      const found = await lastBackfillOf();
      // Its first attempt recorded (not merely claimed): the error is there.
      return found?.id === id && found.notify?.lastError ? found : undefined;
    }, 30_000);
    expect(pending.notify).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'answered 503' });
    await product.runtime.sweep();
    expect(received).toHaveLength(1);

    clockOffsetMs += 31_000;
    await product.runtime.sweep();

    expect((await lastBackfillOf()).notify).toMatchObject({ status: 'DELIVERED', attempts: 2 });
    expect(received).toHaveLength(2);
    expect(received.map((r) => r.headers['x-backfill-event-id'])).toEqual([`${id}-completed`, `${id}-completed`]);
    expect(received[1]!.body.backfill.counts).toMatchObject({ total: 2, succeeded: 2 });
  });
});
