/**
 * Opt-in smoke test against a deployed stack (see docs/deploy.md). It runs only when SMOKE_API_URL
 * is set (the stack's ApiUrl output) and AWS credentials allowed to call the API are available
 * (the SDK's default chain: AWS_PROFILE, AWS_ACCESS_KEY_ID…); otherwise vitest reports it skipped.
 *
 *   SMOKE_API_URL=https://abc123.execute-api.eu-west-1.amazonaws.com/ npx vitest run test/smoke
 *
 * It checks that the web UI's routes refuse requests without a valid session, creates the seed's
 * flow (dev.scheduled_flow), backfills one hour of it with the seed's request body, and waits until
 * the backfill's executions appear. Requests are signed with SigV4, as the
 * API's AWS_IAM authorization requires (a stack deployed with auth=jwt is out of its scope).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';

const apiUrl = process.env.SMOKE_API_URL;
const SEED_FLOW = readFileSync(new URL('../../flows/dev.scheduled_flow.yaml', import.meta.url), 'utf8');
const POLL_TIMEOUT_MS = 180_000;

/** SHA-256 / HMAC-SHA-256 from node:crypto, in the shape SignatureV4 expects. */
class Sha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const s = this.secret;
    const key = typeof s === 'string' ? s : ArrayBuffer.isView(s) ? Buffer.from(s.buffer, s.byteOffset, s.byteLength) : Buffer.from(s);
    return createHmac('sha256', key);
  }

  update(chunk: Uint8Array | string): void {
    this.hash.update(chunk);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

/** The region from an execute-api URL (https://{id}.execute-api.{region}.amazonaws.com/), else AWS_REGION. */
function regionOf(url: URL): string {
  const region = /\.execute-api\.([a-z0-9-]+)\./.exec(url.hostname)?.[1] ?? process.env.AWS_REGION;
  if (!region) throw new Error('Cannot tell the region from SMOKE_API_URL; set AWS_REGION');
  return region;
}

interface Response {
  status: number;
  body: any;
}

function apiClient(baseUrl: string) {
  const base = new URL(baseUrl);
  const region = regionOf(base);
  // The SDK's default credential chain, through a client the project already depends on.
  const credentials = new SFNClient({ region }).config.credentials;
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });

  return async function call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Response> {
    const url = new URL(path.replace(/^\//, ''), base);
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.hostname, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body,
    });
    const response = await fetch(url, { method, headers: signed.headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the failure message
    }
    return { status: response.status, body: parsed };
  };
}

/** A closed one-hour window in the past, on the half hour: the seed's cron (every 30 min) ticks 3 times in it. */
function oneHourWindow(now = new Date()): { start: string; end: string } {
  const start = new Date(now);
  start.setUTCMinutes(0, 0, 0);
  start.setUTCHours(start.getUTCHours() - 3);
  return { start: start.toISOString(), end: new Date(start.getTime() + 60 * 60 * 1000).toISOString() };
}

describe.runIf(Boolean(apiUrl))('deployed stack at SMOKE_API_URL (opt-in: set SMOKE_API_URL and AWS credentials)', () => {
  // Built on first use: vitest collects this block even when it skips it.
  let client: ReturnType<typeof apiClient> | undefined;
  const call: ReturnType<typeof apiClient> = (...args) => {
    client ??= apiClient(apiUrl as string);
    return client(...args);
  };
  const runId = `smoke-${Date.now().toString(36)}`;

  it('refuses an unsigned request (AWS_IAM authorization)', async () => {
    const response = await fetch(new URL('api/v1/flows/search', apiUrl));
    expect(response.status).toBe(403);
  });

  it('keeps the web UI behind sign-in: no cookie, a forged cookie, a made-up code and IAM signatures all refused', async () => {
    // A stack deployed with webUi=off has no /ui routes: API Gateway sends /ui to $default, which wants IAM (403).
    const ui = new URL('ui', apiUrl);
    expect((await fetch(ui)).status).toBeGreaterThanOrEqual(401);
    expect((await fetch(ui, { headers: { cookie: 'kb_session=eyJhbGciOiJSUzI1NiJ9.e30.c2ln' } })).status).toBe(403);
    expect((await fetch(new URL('ui/callback?code=made-up', apiUrl), { redirect: 'manual' })).status).toBe(403);
    expect((await fetch(new URL('ui/refresh', apiUrl), { headers: { cookie: 'kb_refresh=made-up' } })).status).toBe(403);
    expect((await fetch(new URL('ui/api/v1/flows/search', apiUrl))).status).toBeGreaterThanOrEqual(401);
    // SigV4 opens /api/v1, never /ui: browsers and programs use different doors.
    expect((await call('GET', '/ui/api/v1/flows/search')).status).toBeGreaterThanOrEqual(401);
  });

  it('creates the seed flow, backfills one hour of it and runs its executions', { timeout: POLL_TIMEOUT_MS + 30_000 }, async () => {
    const created = await call('POST', '/api/v1/flows', SEED_FLOW, 'application/x-yaml');
    expect([200, 409], JSON.stringify(created.body)).toContain(created.status);

    // The seed's request body (seed/backfills.md), with a closed window and a label to find this run.
    const { start, end } = oneHourWindow();
    const backfill = await call(
      'PUT',
      '/api/v1/triggers',
      JSON.stringify({
        backfill: {
          start,
          end,
          inputs: null,
          labels: [
            { key: 'reason', value: 'outage' },
            { key: 'smoke', value: runId },
          ],
        },
        flowId: 'scheduled_flow',
        namespace: 'dev',
        triggerId: 'schedule',
      }),
    );
    expect(backfill.status, JSON.stringify(backfill.body)).toBe(200);
    expect(backfill.body.backfill.stateMachineExecutionName).toMatch(/^scheduled_flow-schedule-.+-g\d+$/);

    const deadline = Date.now() + POLL_TIMEOUT_MS;
    let found: Response | undefined;
    while (Date.now() < deadline) {
      found = await call('GET', `/api/v1/executions/search?namespace=dev&flowId=scheduled_flow&labels=smoke:${runId}`);
      expect(found.status, JSON.stringify(found.body)).toBe(200);
      if (found.body.total >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    expect(found?.body.total, `executions labelled smoke:${runId} after ${POLL_TIMEOUT_MS / 1000} s`).toBe(3);
    for (const execution of found?.body.results ?? []) {
      expect(execution.labels).toEqual(expect.arrayContaining([{ key: 'reason', value: 'outage' }]));
    }
  });
});
