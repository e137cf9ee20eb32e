import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { clearedRefreshCookie, clearedSessionCookie, refreshCookie, sessionCookie } from './cookies';
import type { WebSignInSettings } from './settings';

/** Who a valid session belongs to, and until when (epoch seconds). */
export interface SignedInUser {
  username: string;
  expiresAt: number;
}

/** What a code or refresh-token trade yields: the verified ID token's user, and the tokens. */
export interface SignedInTokens {
  idToken: string;
  /** Only from the code trade (Cognito does not rotate refresh tokens unless asked to). */
  refreshToken?: string;
  user: SignedInUser;
}

/** A sign-in the provider or the token did not confirm: the caller answers "not authorized". */
export class SignInRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInRejected';
  }
}

/** What the HTTP front sends back: cookies apart, as API Gateway's payload 2.0 wants them. */
export interface SignInResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
}

type FetchLike = typeof fetch;

/**
 * The web UI's sign-in on AWS, with no AWS imports: verifying a session cookie's ID token, trading an
 * authorization code for one, and the responses that set and clear the cookie. Token checks are
 * aws-jwt-verify's (signature against the provider's JWKS, issuer, audience, expiry).
 */
export class WebSignIn {
  private readonly verifier;

  constructor(
    private readonly settings: WebSignInSettings,
    private readonly fetchImpl: FetchLike = fetch,
  ) {
    // The library's own fetcher speaks only HTTPS through node:https; the platform's fetch serves
    // the same purpose and lets a test stand up the provider on loopback HTTP.
    const fetcher = { fetch: async (uri: string) => (await this.get(uri)).arrayBuffer() };
    this.verifier = JwtVerifier.create(
      {
        issuer: settings.issuer,
        audience: settings.clientId,
        jwksUri: settings.jwksUri,
        // Cognito marks its tokens; only an ID token (not an access token) opens a session.
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== undefined && payload.token_use !== 'id') {
            throw new SignInRejected(`token_use is ${String(payload.token_use)}, want id`);
          }
        },
      },
      { jwksCache: new SimpleJwksCache({ fetcher }) },
    );
  }

  /** The user of a session token; throws when the token is missing, forged, foreign or expired. */
  async verifySession(token: string | undefined): Promise<SignedInUser> {
    if (!token) throw new SignInRejected('no session cookie');
    try {
      const payload = await this.verifier.verify(token);
      const username = payload['cognito:username'] ?? payload.email ?? payload.sub;
      return { username: String(username), expiresAt: Number(payload.exp) };
    } catch (e) {
      throw e instanceof SignInRejected ? e : new SignInRejected((e as Error).message);
    }
  }

  /**
   * Trades the authorization code the provider sent to `/ui/callback` for an ID token (and a refresh
   * token), and verifies it. A code works once, so this runs in the route's authorizer and the
   * tokens travel on to the callback handler in the authorizer's context.
   */
  async exchangeCode(code: string | undefined): Promise<SignedInTokens> {
    if (!code) throw new SignInRejected('no authorization code');
    return this.token({ grant_type: 'authorization_code', code, redirect_uri: this.settings.redirectUri });
  }

  /** Trades the refresh cookie's token for a new ID token (the same refresh token stays valid). */
  async refresh(refreshToken: string | undefined): Promise<SignedInTokens> {
    if (!refreshToken) throw new SignInRejected('no refresh cookie');
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  private async token(grant: Record<string, string>): Promise<SignedInTokens> {
    const response = await this.fetchImpl(this.settings.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...grant, client_id: this.settings.clientId }).toString(),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json().catch(() => ({}))) as { id_token?: unknown; refresh_token?: unknown; error?: unknown };
    if (!response.ok || typeof body.id_token !== 'string') {
      throw new SignInRejected(`token endpoint answered ${response.status}${body.error ? ` (${String(body.error)})` : ''}`);
    }
    return {
      idToken: body.id_token,
      ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
      user: await this.verifySession(body.id_token),
    };
  }

  /**
   * Sets the session cookie, then moves on to the UI from a page of our own: a redirect straight
   * from the provider's cross-site navigation could arrive without the cookie just set.
   */
  signedIn(tokens: Omit<SignedInTokens, 'user'>, user: SignedInUser, nowMs = Date.now()): SignInResponse {
    const cookies = [sessionCookie(tokens.idToken, user.expiresAt - nowMs / 1000)];
    if (tokens.refreshToken) cookies.push(refreshCookie(tokens.refreshToken, this.settings.refreshSeconds));
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
      cookies,
      body:
        '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/ui/">' +
        `<title>Signed in</title><p>Signed in as ${escapeHtml(user.username)}. <a href="/ui/">Open the UI</a></p>`,
    };
  }

  /** The answer to the UI's `/ui/refresh` call: a fresh session cookie, and who it is for. */
  refreshed(idToken: string, user: SignedInUser, nowMs = Date.now()): SignInResponse {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      cookies: [sessionCookie(idToken, user.expiresAt - nowMs / 1000)],
      body: JSON.stringify({ username: user.username, expiresAt: new Date(user.expiresAt * 1000).toISOString() }),
    };
  }

  /** Clears both cookies and sends the browser to the provider's logout, which ends its session too. */
  signedOut(): SignInResponse {
    return {
      statusCode: 302,
      headers: { location: this.settings.signOutUrl, 'cache-control': 'no-store' },
      cookies: [clearedSessionCookie(), clearedRefreshCookie()],
      body: '',
    };
  }

  private async get(uri: string): Promise<Response> {
    const response = await this.fetchImpl(uri, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new SignInRejected(`${uri} answered ${response.status}`);
    return response;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
