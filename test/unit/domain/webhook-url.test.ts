import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/flow/errors';
import { checkWebhookUrl, redactWebhook } from '../../../lib/domain/webhook-url';

const onAws = { allowLoopback: false };
const locally = { allowLoopback: true };

describe('checkWebhookUrl', () => {
  it('accepts https to a host name or a public address', () => {
    expect(checkWebhookUrl('https://hooks.slack.com/services/T/B/x', onAws)).toBe('https://hooks.slack.com/services/T/B/x');
    expect(checkWebhookUrl('https://8.8.8.8:8443/hook?token=t', onAws)).toBe('https://8.8.8.8:8443/hook?token=t');
  });

  it('accepts plain http to this machine only where loopback is allowed (the local default)', () => {
    expect(checkWebhookUrl('http://127.0.0.1:9000/hook', locally)).toBe('http://127.0.0.1:9000/hook');
    expect(checkWebhookUrl('http://localhost:9000/hook', locally)).toBe('http://localhost:9000/hook');
    expect(() => checkWebhookUrl('http://127.0.0.1:9000/hook', onAws)).toThrow(/expected an https URL/);
    expect(() => checkWebhookUrl('https://localhost/hook', onAws)).toThrow(/this machine/);
    expect(() => checkWebhookUrl('http://example.com/hook', locally)).toThrow(/expected an https URL/);
  });

  for (const [url, why] of [
    ['not a url', /absolute https URL/],
    ['ftp://example.com/x', /expected an https URL, got ftp:/],
    ['https://user:pass@example.com/x', /without credentials/],
    ['https://10.1.2.3/x', /private, link-local or reserved/],
    ['https://169.254.169.254/latest/meta-data', /private, link-local or reserved/],
    ['https://192.168.0.1/x', /private/],
    ['https://172.20.0.1/x', /private/],
    ['https://[fd00::1]/x', /IPv6 literal/],
    [`https://example.com/${'a'.repeat(2100)}`, /at most 2048 characters/],
  ] as const) {
    it(`refuses ${url.slice(0, 60)}, naming backfill.notify.webhook`, () => {
      let error: unknown;
      try {
        checkWebhookUrl(url, locally);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).path).toBe('backfill.notify.webhook');
      expect((error as ValidationError).message).toMatch(why);
    });
  }
});

describe('redactWebhook', () => {
  it('keeps the origin only: the path and query may hold the secret', () => {
    expect(redactWebhook('https://hooks.slack.com/services/T/B/secret')).toBe('https://hooks.slack.com/…');
    expect(redactWebhook('https://example.com:8443/?token=x')).toBe('https://example.com:8443/…');
    expect(redactWebhook('https://example.com/')).toBe('https://example.com');
  });
});
