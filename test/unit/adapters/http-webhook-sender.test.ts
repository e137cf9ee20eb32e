import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpWebhookSender } from '../../../lib/adapters/webhook/http-webhook-sender';
import { changeEvent } from '../../../lib/domain/backfill-events';
import { aBackfill } from '../../support/factories';

const EVENT = changeEvent('CREATED', { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' }, aBackfill(), '2026-03-01T12:00:00.000Z', 'ev1');

describe('HttpWebhookSender', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; headers?: Record<string, string> };
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeEach(async () => {
    received.length = 0;
    answer = { status: 204 };
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer.status, answer.headers).end('receiver body never kept');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=t`;
  });
  afterEach(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it("POSTs the event's JSON with its id and type in headers", async () => {
    await new HttpWebhookSender({ timeoutMs: 5000, allowLoopback: true }).post(url, EVENT);

    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toEqual(EVENT);
    expect(received[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'x-backfill-event-id': 'ev1', 'x-backfill-event-type': 'CREATED' });
  });

  it('fails on a non-2xx answer, and on a redirect, which it does not follow', async () => {
    const sender = new HttpWebhookSender({ timeoutMs: 5000, allowLoopback: true });
    answer = { status: 500 };
    await expect(sender.post(url, EVENT)).rejects.toThrow('answered 500');
    answer = { status: 302, headers: { location: 'http://169.254.169.254/' } };
    await expect(sender.post(url, EVENT)).rejects.toThrow('answered 302 (redirects are not followed)');
    expect(received).toHaveLength(2);
  });

  it('refuses loopback where it is not allowed, and private addresses a name resolves to, sending nothing', async () => {
    await expect(new HttpWebhookSender({ timeoutMs: 5000, allowLoopback: false }).post(url, EVENT)).rejects.toThrow('is this machine');
    const viaName = url.replace('127.0.0.1', 'localhost');
    await expect(new HttpWebhookSender({ timeoutMs: 5000, allowLoopback: false }).post(viaName, EVENT)).rejects.toThrow('is this machine');
    await expect(new HttpWebhookSender({ timeoutMs: 5000, allowLoopback: true }).post('http://10.0.0.1/x', EVENT)).rejects.toThrow('private, link-local');
    expect(received).toEqual([]);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    server.removeAllListeners('request');
    server.on('request', () => undefined);
    await expect(new HttpWebhookSender({ timeoutMs: 200, allowLoopback: true }).post(url, EVENT)).rejects.toThrow('no answer within 200 ms');
  });
});
