import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildUi } from '../../lib/ui/build';
import { SEED_FLOW, type TestProduct, startProduct } from '../support/local';

/** How the API function serves the web UI, without a browser: its API path and the sign-in URL. */
const SIGN_IN_URL = 'https://backfills.auth.eu-west-1.amazoncognito.com/login?client_id=abc&response_type=code&redirect_uri=https://api.example/ui/callback';

// One product at a time: the Lambda handlers share one process-wide set of services, as in a Lambda.
describe('web UI serving', () => {
  let local: TestProduct;
  beforeAll(async () => {
    await buildUi();
    local = await startProduct();
    expect((await local.api.createFlow(SEED_FLOW)).status).toBe(200);
  });
  afterAll(async () => local?.close());

  it('answers the API under /ui/api/v1 exactly as under /api/v1, tenant path included', async () => {
    for (const path of ['/flows/search?namespace=dev', '/triggers/dev/scheduled_flow', '/flows/dev/missing']) {
      const direct = await local.api.call('GET', `/api/v1${path}`);
      const viaUi = await local.api.call('GET', `/ui/api/v1${path}`);
      expect({ status: viaUi.status, body: viaUi.body }).toEqual({ status: direct.status, body: direct.body });
    }
    expect((await local.api.call('GET', '/ui/api/v1/main/flows/dev/scheduled_flow')).body.id).toBe('scheduled_flow');
    const bad = await local.api.call('PUT', '/ui/api/v1/triggers', {
      namespace: 'dev',
      flowId: 'scheduled_flow',
      triggerId: 'schedule',
      backfill: { start: 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/backfill\.start/);
  });

  it('sends / to the UI; other methods on / get a 405', async () => {
    const root = await fetch(`${local.runtime.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    const followed = await fetch(`${local.runtime.url}/`);
    expect(followed.url).toBe(`${local.runtime.url}/ui/`);
    expect(await followed.text()).toContain('<div id="app">');
    expect((await fetch(`${local.runtime.url}/`, { method: 'POST', redirect: 'manual' })).status).toBe(405);
  });

  it('names the sign-in URL in the page only when web sign-in is configured, escaped as an attribute', async () => {
    const plain = await (await fetch(`${local.runtime.url}/ui/`)).text();
    expect(plain).not.toContain('sign-in-url');
    await local.close();
    // As on AWS with web sign-in, where the stack sets WEB_SIGN_IN_URL on the API function.
    const aws = await startProduct({ env: { ...process.env, WEB_SIGN_IN_URL: SIGN_IN_URL } });
    onTestFinished(() => aws.close());
    const signedIn = await (await fetch(`${aws.runtime.url}/ui/`)).text();
    expect(signedIn).toContain(`<meta name="sign-in-url" content="${SIGN_IN_URL.replaceAll('&', '&amp;')}">`);
    // Assets are served as built, untouched.
    const js = await fetch(`${aws.runtime.url}/ui/app.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(await js.text()).not.toContain('<meta name="sign-in-url"');
    // `/` sends a browser to sign in: the session cookie (Path=/ui) never reaches `/`, and /ui without one is a bare 401.
    const root = await fetch(`${aws.runtime.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe(SIGN_IN_URL);
  });
});
