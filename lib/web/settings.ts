import { ConfigurationError } from '../config';

/**
 * Where the web UI's sign-in happens: an OpenID Connect provider (on AWS, the stack's Cognito user
 * pool) whose public client redirects back to `/ui/callback` with an authorization code.
 */
export interface WebSignInSettings {
  /** `iss` of the ID tokens, e.g. `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  issuer: string;
  /** The public client the UI signs in with; the ID tokens' `aud`. */
  clientId: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** `https://<api>/ui/callback`, exactly as registered with the client. */
  redirectUri: string;
  /** Where "Sign out" goes: the provider's logout, which returns to its sign-in page. */
  signOutUrl: string;
  /** How long the provider's refresh tokens last (the refresh cookie lives as long). */
  refreshSeconds: number;
}

const VARIABLES = {
  issuer: 'WEB_ISSUER',
  clientId: 'WEB_CLIENT_ID',
  tokenEndpoint: 'WEB_TOKEN_ENDPOINT',
  jwksUri: 'WEB_JWKS_URI',
  redirectUri: 'WEB_REDIRECT_URI',
  signOutUrl: 'WEB_SIGN_OUT_URL',
  refreshSeconds: 'WEB_REFRESH_SECONDS',
} as const satisfies Record<keyof WebSignInSettings, string>;

/** The environment variable of each setting, for the stack that sets them. */
export const WEB_SIGN_IN_VARIABLES = VARIABLES;

export function readWebSignInSettings(env: Record<string, string | undefined> = process.env): WebSignInSettings {
  const settings = {} as WebSignInSettings;
  for (const [key, variable] of Object.entries(VARIABLES) as [keyof WebSignInSettings, string][]) {
    const value = env[variable];
    if (!value) throw new ConfigurationError(`${variable} is not set (web sign-in)`);
    if (key === 'refreshSeconds') {
      const seconds = Number(value);
      if (!Number.isInteger(seconds) || seconds <= 0) throw new ConfigurationError(`${variable} must be a positive integer, got "${value}"`);
      settings.refreshSeconds = seconds;
    } else {
      settings[key] = value;
    }
  }
  return settings;
}
