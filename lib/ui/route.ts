import { type HttpResponse, error } from '../api/http';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
};

type Assets = Record<string, { contentType: string; body: string }>;
let assets: Promise<Assets | undefined> | undefined;

/** Loaded on first use, so a missing build is a clear 503 rather than a crash of the whole API. */
function loadAssets(): Promise<Assets | undefined> {
  assets ??= import('./generated/assets').then(
    (m) => m.ASSETS,
    () => {
      assets = undefined; // try again next time: the build may land meanwhile
      return undefined;
    },
  );
  return assets;
}

/**
 * `/ui`, `/ui/app.js`, `/ui/app.css`; any other `/ui/…` path gets `index.html` (hash routing). With
 * web sign-in, the page names the sign-in URL, so the UI can offer it when the session ends.
 */
export async function serveUi(path: string, method: string, signInUrl?: string): Promise<HttpResponse> {
  if (method !== 'GET' && method !== 'HEAD') {
    return error(405, `Method ${method} not allowed on ${path}`);
  }
  const all = await loadAssets();
  if (!all) {
    return { statusCode: 503, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'The web UI is not built: run `npm run build:ui`.' };
  }
  const name = path.replace(/^\/ui\/?/, '');
  const index = all['index.html'];
  if (!index) throw new Error('The web UI build has no index.html: run `npm run build:ui` again');
  const asset = all[name] ?? index;
  const body = asset === index && signInUrl ? withSignInUrl(asset.body, signInUrl) : asset.body;
  return {
    statusCode: 200,
    headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache', ...SECURITY_HEADERS },
    body: method === 'HEAD' ? '' : body,
  };
}

/**
 * `/`: sends a browser where a person starts. Locally that is the UI; on AWS with web sign-in it is
 * the sign-in page (public anyway), since `/ui` without a session is API Gateway's bare 401, and the
 * session cookie (`Path=/ui`) never reaches `/` to tell who is signed in. Signed in already at
 * Cognito, the sign-in page comes straight back to the UI.
 */
export function serveRoot(method: string, signInUrl?: string): HttpResponse {
  if (method !== 'GET' && method !== 'HEAD') return error(405, `Method ${method} not allowed on /`);
  return { statusCode: 302, headers: { location: signInUrl ?? '/ui/', 'cache-control': 'no-cache', ...SECURITY_HEADERS }, body: '' };
}

/** The client reads it from `<meta name="sign-in-url">` (see lib/ui/client/api.ts). */
function withSignInUrl(indexHtml: string, signInUrl: string): string {
  const attribute = signInUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return indexHtml.replace('</head>', `<meta name="sign-in-url" content="${attribute}">\n</head>`);
}
