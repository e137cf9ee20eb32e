/**
 * The browser session of the web UI on AWS: the identity provider's ID token in one cookie, scoped to
 * `/ui`. HttpOnly keeps it from scripts; Secure keeps it off plain HTTP; SameSite=Lax keeps it off
 * every cross-site request except top-level navigations (GETs, which change nothing), so another
 * site cannot make a signed-in browser pause or delete a backfill.
 */
export const SESSION_COOKIE = 'kb_session';
const COOKIE_SCOPE = 'Path=/ui; HttpOnly; Secure; SameSite=Lax';
/**
 * The provider's refresh token, sent only to `/ui/refresh` and only by our own pages (Strict): the
 * UI trades it for a new session when the old one ends, so people sign in once a week, not daily.
 */
export const REFRESH_COOKIE = 'kb_refresh';
const REFRESH_SCOPE = 'Path=/ui/refresh; HttpOnly; Secure; SameSite=Strict';

/** The value of one cookie from `Cookie` header(s); HTTP API payload 2.0 hands cookies over as a list. */
export function readCookie(cookies: string | readonly string[] | undefined, name: string): string | undefined {
  const pairs = (Array.isArray(cookies) ? cookies : [cookies ?? '']).flatMap((header) => header.split(';'));
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; ${COOKIE_SCOPE}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Max-Age=0; ${COOKIE_SCOPE}`;
}

export function refreshCookie(token: string, maxAgeSeconds: number): string {
  return `${REFRESH_COOKIE}=${token}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; ${REFRESH_SCOPE}`;
}

export function clearedRefreshCookie(): string {
  return `${REFRESH_COOKIE}=; Max-Age=0; ${REFRESH_SCOPE}`;
}
