import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { BackfillEvent } from '../../domain/backfill-events';
import type { WebhookSender } from '../../ports';

/** Addresses a webhook may not reach: the service's own network, link-local (metadata services), reserved ranges. */
const REFUSED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  REFUSED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  REFUSED.addSubnet(net, bits, 'ipv6');
}
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export interface WebhookSenderOptions {
  /** Connecting, sending and the answer's head, at most. */
  timeoutMs: number;
  /** Loopback addresses may be reached (the local default); never on AWS, where 127.0.0.1 is the Lambda runtime's API. */
  allowLoopback: boolean;
}

/**
 * POSTs events to webhooks with node's http client: the event's JSON, `X-Backfill-Event-Id` (the
 * same on every retry: receivers deduplicate on it) and `X-Backfill-Event-Type`. A 2xx answer is
 * delivery; anything else fails the attempt, redirects included (never followed, so a webhook cannot
 * bounce the POST elsewhere). Against SSRF, the address is checked after resolving the host name and
 * the connection goes to that very address (no second lookup a rebinding DNS could answer
 * differently): private, link-local, reserved and (unless allowed) loopback addresses are refused.
 * The answer's body is never read into the outbox or the logs.
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly options: WebhookSenderOptions) {}

  async post(url: string, event: BackfillEvent): Promise<void> {
    const target = new URL(url);
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal)) this.check(literal);
    const body = JSON.stringify(event);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'kestra-backfills',
            'x-backfill-event-id': event.eventId,
            'x-backfill-event-type': event.type,
          },
          lookup: (hostname, options, callback) => this.lookup(hostname, options, callback),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (error) => reject(error.name === 'AbortError' ? new Error(`no answer within ${this.options.timeoutMs} ms`) : error));
      req.end(body);
    });
    if (status < 200 || status >= 300) {
      throw new Error(status >= 300 && status < 400 ? `answered ${status} (redirects are not followed)` : `answered ${status}`);
    }
  }

  private check(address: string): void {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const mapped = family === 'ipv6' ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
    if (mapped) {
      this.check(mapped);
      return;
    }
    if (LOOPBACK.check(address, family)) {
      if (!this.options.allowLoopback) throw new Error(`refused: ${address} is this machine`);
      return;
    }
    if (REFUSED.check(address, family)) throw new Error(`refused: ${address} is a private, link-local or reserved address`);
  }

  /** dns.lookup, refusing the whole host when any address it has is refused. */
  private lookup(
    hostname: string,
    options: object,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      try {
        for (const { address } of addresses) this.check(address);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, []);
      }
      const all = (options as { all?: boolean }).all;
      const first = addresses[0];
      if (all) return callback(null, addresses);
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  }
}
