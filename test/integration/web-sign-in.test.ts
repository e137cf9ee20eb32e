import { type KeyObject, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_ROUTE_KEY, REFRESH_ROUTE_KEY, type SessionContext, handler } from '../../functions/web-sign-in';
import { readCookie } from '../../lib/web/cookies';

/**
 * The web sign-in function against a real OpenID Connect provider on loopback: a JWKS endpoint and a
 * token endpoint that trades each code once, signing RS256 ID tokens the way Cognito does.
 */
const CLIENT_ID = 'web-ui-client';
const REDIRECT_URI = 'https://api.example/ui/callback';
const SIGN_OUT_URL = 'https://login.example/logout?client_id=web-ui-client';

interface Provider {
  issuer: string;
  /** A code the token endpoint will trade once for an ID token with these claims. */
  issueCode(claims?: Record<string, unknown>): string;
  sign(claims: Record<string, unknown>, key?: KeyObject): string;
  tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function startProvider(): Promise<Provider> {
  const codes = new Map<string, Record<string, unknown>>();
  const refreshTokens = new Map<string, Record<string, unknown>>();
  const tokenRequests: URLSearchParams[] = [];
  const jwk = { ...signingKey.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const sign = (claims: Record<string, unknown>, key: KeyObject = signingKey.privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: issuer, aud: CLIENT_ID, sub: randomUUID(), token_use: 'id', iat: now, exp: now + 3600, ...claims };
    const input = `${b64({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })}.${b64(payload)}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
  };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (req.url === '/oauth2/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        tokenRequests.push(form);
        res.setHeader('content-type', 'application/json');
        const refused = () => {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: 'invalid_grant' }));
        };
        if (form.get('client_id') !== CLIENT_ID) return refused();
        if (form.get('grant_type') === 'refresh_token') {
          const claims = refreshTokens.get(form.get('refresh_token') ?? '');
          if (!claims) return refused();
          res.end(JSON.stringify({ id_token: sign(claims), access_token: 'opaque', token_type: 'Bearer', expires_in: 3600 }));
          return;
        }
        const claims = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!claims || form.get('redirect_uri') !== REDIRECT_URI || form.get('grant_type') !== 'authorization_code') return refused();
        const refreshToken = `refresh-${randomUUID()}`;
        refreshTokens.set(refreshToken, claims);
        res.end(JSON.stringify({ id_token: sign(claims), refresh_token: refreshToken, access_token: 'opaque', token_type: 'Bearer', expires_in: 3600 }));
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    issueCode(claims = {}) {
      const code = randomUUID();
      codes.set(code, { 'cognito:username': 'ada', email: 'ada@example.com', ...claims });
      return code;
    },
    sign,
    tokenRequests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function authorizerEvent(routeKey: string, parts: { code?: string; cookies?: string[]; cookieHeader?: string }): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:eu-west-1:123456789012:api/$default/${routeKey.replace(' ', '')}`,
    identitySource: [],
    routeKey,
    rawPath: routeKey.split(' ')[1],
    rawQueryString: parts.code ? `code=${parts.code}` : '',
    cookies: parts.cookies,
    headers: parts.cookieHeader ? { cookie: parts.cookieHeader } : {},
    queryStringParameters: parts.code ? { code: parts.code } : undefined,
    requestContext: {} as APIGatewayRequestAuthorizerEventV2['requestContext'],
    pathParameters: {},
    stageVariables: {},
  } as APIGatewayRequestAuthorizerEventV2;
}

function httpEvent(routeKey: string, lambda?: SessionContext): APIGatewayProxyEventV2WithLambdaAuthorizer<SessionContext> {
  return {
    version: '2.0',
    routeKey,
    rawPath: routeKey.split(' ')[1],
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { http: { method: 'GET' }, authorizer: lambda ? { lambda } : undefined },
  } as unknown as APIGatewayProxyEventV2WithLambdaAuthorizer<SessionContext>;
}

type AuthorizerAnswer = { isAuthorized: boolean; context: Partial<SessionContext> };
const authorize = (event: APIGatewayRequestAuthorizerEventV2) => handler(event) as Promise<AuthorizerAnswer>;
const session = (token: string) => authorize(authorizerEvent('GET /ui', { cookies: [`theme=dark`, `kb_session=${token}`] }));

describe('web sign-in (functions/web-sign-in): the /ui routes on AWS', () => {
  let provider: Provider;
  beforeAll(async () => {
    provider = await startProvider();
    Object.assign(process.env, {
      WEB_ISSUER: provider.issuer,
      WEB_CLIENT_ID: CLIENT_ID,
      WEB_TOKEN_ENDPOINT: `${provider.issuer}/oauth2/token`,
      WEB_JWKS_URI: `${provider.issuer}/.well-known/jwks.json`,
      WEB_REDIRECT_URI: REDIRECT_URI,
      WEB_SIGN_OUT_URL: SIGN_OUT_URL,
      WEB_REFRESH_SECONDS: String(7 * 86400),
    });
  });
  afterAll(async () => provider?.close());

  it('trades a code once at the callback, then sets an HttpOnly, Secure, SameSite=Lax cookie scoped to /ui', async () => {
    const code = provider.issueCode();
    const granted = await authorize(authorizerEvent(CALLBACK_ROUTE_KEY, { code }));
    expect(granted).toMatchObject({ isAuthorized: true, context: { username: 'ada' } });
    expect(provider.tokenRequests.at(-1)?.get('redirect_uri')).toBe(REDIRECT_URI);
    const replayed = await authorize(authorizerEvent(CALLBACK_ROUTE_KEY, { code }));
    expect(replayed.isAuthorized).toBe(false);

    expect(granted.context.refreshToken).toMatch(/^refresh-/);
    const before = Date.now();
    const page = await handler(httpEvent(CALLBACK_ROUTE_KEY, granted.context as SessionContext));
    const after = Date.now();
    expect(page).toMatchObject({ statusCode: 200, headers: { 'cache-control': 'no-store' } });
    const [cookie, refresh] = (page as { cookies: string[] }).cookies;
    // The refresh token goes only to /ui/refresh, only from our own pages, for a week.
    expect(refresh).toBe(`kb_refresh=${granted.context.refreshToken}; Max-Age=604800; Path=/ui/refresh; HttpOnly; Secure; SameSite=Strict`);
    expect(readCookie(cookie, 'kb_session')).toBe(granted.context.idToken);
    expect(cookie).toMatch(/; Path=\/ui; HttpOnly; Secure; SameSite=Lax$/);
    // The session lasts as long as the ID token (an hour), counted from when the page was made.
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie ?? '')?.[1]);
    const expiresAt = Number((granted.context as SessionContext).expiresAt);
    expect(maxAge).toBeGreaterThanOrEqual(Math.floor(expiresAt - after / 1000));
    expect(maxAge).toBeLessThanOrEqual(Math.floor(expiresAt - before / 1000));
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect((page as { body: string }).body).toContain('url=/ui/');

    // The cookie it set opens the other /ui routes, whether API Gateway lists cookies or passes the header.
    expect(await session(granted.context.idToken!)).toMatchObject({ isAuthorized: true, context: { username: 'ada' } });
    const viaHeader = await authorize(authorizerEvent('ANY /ui/{proxy+}', { cookieHeader: `kb_session=${granted.context.idToken}` }));
    expect(viaHeader.isAuthorized).toBe(true);
  });

  it('refuses a callback without a code or with one the provider does not know', async () => {
    expect((await authorize(authorizerEvent(CALLBACK_ROUTE_KEY, {}))).isAuthorized).toBe(false);
    expect((await authorize(authorizerEvent(CALLBACK_ROUTE_KEY, { code: 'made-up' }))).isAuthorized).toBe(false);
  });

  it('refuses sessions that are missing, forged, expired, foreign or not ID tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = {
      missing: authorize(authorizerEvent('GET /ui', { cookies: ['theme=dark'] })),
      garbage: session('not-a-jwt'),
      forged: session(provider.sign({}, strangerKey.privateKey)),
      expired: session(provider.sign({ iat: now - 7200, exp: now - 3600 })),
      otherAudience: session(provider.sign({ aud: 'another-client' })),
      otherIssuer: session(provider.sign({ iss: 'https://issuer.example' })),
      accessToken: session(provider.sign({ token_use: 'access' })),
    };
    for (const [name, answer] of Object.entries(refused)) {
      expect({ name, isAuthorized: (await answer).isAuthorized }).toEqual({ name, isAuthorized: false });
    }
    expect((await session(provider.sign({}))).isAuthorized).toBe(true);
  });

  it('refreshes an ended session from the refresh cookie, and refuses without a valid one', async () => {
    const granted = await authorize(authorizerEvent(CALLBACK_ROUTE_KEY, { code: provider.issueCode({ 'cognito:username': 'grace' }) }));
    const refreshed = await authorize(authorizerEvent(REFRESH_ROUTE_KEY, { cookies: [`kb_session=expired`, `kb_refresh=${granted.context.refreshToken}`] }));
    expect(refreshed).toMatchObject({ isAuthorized: true, context: { username: 'grace' } });
    expect(refreshed.context.idToken).toEqual(expect.any(String));
    const answer = (await handler(httpEvent(REFRESH_ROUTE_KEY, refreshed.context as SessionContext))) as {
      statusCode: number;
      cookies: string[];
      body: string;
    };
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ username: 'grace' });
    expect(readCookie(answer.cookies[0], 'kb_session')).toBe(refreshed.context.idToken);
    // The new session opens the UI again.
    expect((await session(refreshed.context.idToken!)).isAuthorized).toBe(true);

    expect((await authorize(authorizerEvent(REFRESH_ROUTE_KEY, { cookies: ['kb_refresh=made-up'] }))).isAuthorized).toBe(false);
    expect((await authorize(authorizerEvent(REFRESH_ROUTE_KEY, { cookies: [`kb_session=${granted.context.idToken}`] }))).isAuthorized).toBe(false);
  });

  it('signs out: clears the cookie and hands over to the provider logout', async () => {
    const answer = (await handler(httpEvent('GET /ui/signout', { username: 'ada', expiresAt: 0 }))) as {
      statusCode: number;
      headers: Record<string, string>;
      cookies: string[];
    };
    expect(answer.statusCode).toBe(302);
    expect(answer.headers.location).toBe(SIGN_OUT_URL);
    expect(answer.cookies[0]).toMatch(/^kb_session=; Max-Age=0; Path=\/ui;/);
    expect(answer.cookies[1]).toMatch(/^kb_refresh=; Max-Age=0; Path=\/ui\/refresh;/);
  });
});
