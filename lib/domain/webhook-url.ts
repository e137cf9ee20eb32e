import { ValidationError } from './flow/errors';

/** The field a backfill's webhook is given in (its 400/422 names it). */
const WEBHOOK_FIELD = 'backfill.notify.webhook';

/** Longest webhook URL accepted: browsers' and most servers' practical limit. */
const MAX_WEBHOOK_LENGTH = 2048;

/** Host names that always mean this machine. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * IPv4 ranges no webhook may name as a literal: what a POST from inside the service could reach
 * without going to the internet (private networks, link-local and so the instance metadata
 * service, carrier-grade NAT, "this network", multicast and reserved). Loopback is apart (see
 * `allowLoopback`). The sender checks the addresses a host name resolves to against the same kind
 * of list (lib/adapters/webhook), so a name pointing inside is refused there.
 */
const REFUSED_IPV4: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10.0.0.0/8
  [0x64400000, 10], // 100.64.0.0/10
  [0xa9fe0000, 16], // 169.254.0.0/16
  [0xac100000, 12], // 172.16.0.0/12
  [0xc0000000, 24], // 192.0.0.0/24
  [0xc0a80000, 16], // 192.168.0.0/16
  [0xc6120000, 15], // 198.18.0.0/15
  [0xe0000000, 3], // 224.0.0.0/3: multicast, reserved, broadcast
];

function ipv4(host: string): number | undefined {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!parts) return undefined;
  const octets = parts.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

function inRange(address: number, [base, bits]: [number, number]): boolean {
  const size = 2 ** (32 - bits);
  return address >= base && address < base + size;
}

/** Whether `hostname` (as `URL` gives it: IPv6 in brackets) names this machine. */
function isLoopbackHost(hostname: string): boolean {
  const address = ipv4(hostname);
  return LOOPBACK_NAMES.has(hostname.toLowerCase()) || (address !== undefined && inRange(address, [0x7f000000, 8]));
}

export interface WebhookRules {
  /**
   * Plain http to this machine (localhost, 127.0.0.0/8, [::1]) is accepted: the local default's
   * receivers and tests. Off on AWS (`WEBHOOK_ALLOW_LOOPBACK`), where 127.0.0.1 is the Lambda
   * runtime's own API.
   */
  allowLoopback: boolean;
}

/**
 * Checks a webhook URL and returns it as `URL` normalises it: https to a host name or a public IPv4
 * address (IPv6 literals are refused: use a name), no credentials in it (a token belongs in the path
 * or query, which are never shown back), at most 2,048 characters; plain http only to this machine
 * when `allowLoopback`.
 */
export function checkWebhookUrl(value: string, rules: WebhookRules): string {
  const refuse = (expected: string) => {
    throw new ValidationError(WEBHOOK_FIELD, expected);
  };
  if (value.length > MAX_WEBHOOK_LENGTH) refuse(`expected a URL of at most ${MAX_WEBHOOK_LENGTH} characters, got ${value.length}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse(`expected an absolute https URL, got ${JSON.stringify(value)}`);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:') {
    if (!(loopback && rules.allowLoopback)) refuse(`expected an https URL, got ${url.protocol}// (plain http is accepted only to this machine, locally)`);
  } else if (url.protocol !== 'https:') {
    refuse(`expected an https URL, got ${url.protocol}//`);
  }
  if (url.username || url.password) refuse('expected a URL without credentials (user:password@); put a token in its path or query instead');
  if (loopback && !rules.allowLoopback) refuse(`expected a public host, got ${url.hostname} (this machine)`);
  if (!loopback && url.hostname.startsWith('[')) refuse(`expected a host name or an IPv4 address, got the IPv6 literal ${url.hostname}`);
  const address = ipv4(url.hostname);
  if (address !== undefined && !loopback && REFUSED_IPV4.some((range) => inRange(address, range))) {
    refuse(`expected a public address, got ${url.hostname} (a private, link-local or reserved one)`);
  }
  return url.href;
}

/**
 * A webhook as answers show it: its scheme, host and port only. Webhook URLs carry their secret
 * (Slack's in the path, others in the query), and a trigger's JSON is readable by whoever may list
 * triggers, so the rest is never shown back, logged or sent in an event.
 */
export function redactWebhook(webhook: string): string {
  const url = new URL(webhook);
  return url.pathname === '/' && !url.search ? url.origin : `${url.origin}/…`;
}
