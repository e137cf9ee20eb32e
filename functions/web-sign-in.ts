import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { lambdaTelemetry } from '../lib/adapters/aws/powertools-telemetry';
import { REFRESH_COOKIE, SESSION_COOKIE, readCookie } from '../lib/web/cookies';
import { readWebSignInSettings } from '../lib/web/settings';
import { SignInRejected, WebSignIn } from '../lib/web/sign-in';

/** What the authorizers hand to the routes behind them (`requestContext.authorizer.lambda`). */
export interface SessionContext {
  username: string;
  expiresAt: number;
  /** Only on `/ui/callback` and `/ui/refresh`: the ID token just obtained, to be set as the cookie. */
  idToken?: string;
  /** Only on `/ui/callback`: the refresh token that came with it, for the refresh cookie. */
  refreshToken?: string;
}

/** The route whose authorizer trades the authorization code. */
export const CALLBACK_ROUTE_KEY = 'GET /ui/callback';
/** The route whose authorizer trades the refresh cookie for a new session; every other `/ui` route checks the session cookie. */
export const REFRESH_ROUTE_KEY = 'GET /ui/refresh';

let signIn: WebSignIn | undefined;
const webSignIn = () => (signIn ??= new WebSignIn(readWebSignInSettings()));
let telemetry: ReturnType<typeof lambdaTelemetry> | undefined;
const log = () => (telemetry ??= lambdaTelemetry());

type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<SessionContext | Record<string, never>>;

/**
 * The web UI's sign-in on AWS, one function in two roles: the HTTP API's Lambda authorizer of the
 * `/ui` routes (simple responses), and the handler of `/ui/callback`, `/ui/refresh` and `/ui/signout`.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2 | APIGatewayProxyEventV2WithLambdaAuthorizer<SessionContext>,
): Promise<AuthorizerResult | APIGatewayProxyStructuredResultV2> => {
  if ('type' in event && event.type === 'REQUEST') return authorize(event);
  return respond(event as APIGatewayProxyEventV2WithLambdaAuthorizer<SessionContext>);
};

async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> {
  try {
    if (event.routeKey === CALLBACK_ROUTE_KEY) {
      const { idToken, refreshToken, user } = await webSignIn().exchangeCode(event.queryStringParameters?.code);
      return { isAuthorized: true, context: { ...user, idToken, ...(refreshToken ? { refreshToken } : {}) } };
    }
    const cookies = event.cookies ?? (event.headers?.cookie ? [event.headers.cookie] : undefined);
    if (event.routeKey === REFRESH_ROUTE_KEY) {
      const { idToken, user } = await webSignIn().refresh(readCookie(cookies, REFRESH_COOKIE));
      return { isAuthorized: true, context: { ...user, idToken } };
    }
    const user = await webSignIn().verifySession(readCookie(cookies, SESSION_COOKIE));
    return { isAuthorized: true, context: user };
  } catch (e) {
    if (!(e instanceof SignInRejected)) throw e;
    log().info('sign-in rejected', { routeKey: event.routeKey, reason: e.message });
    return { isAuthorized: false, context: {} };
  }
}

function respond(event: APIGatewayProxyEventV2WithLambdaAuthorizer<SessionContext>): APIGatewayProxyStructuredResultV2 {
  const session = event.requestContext.authorizer?.lambda;
  const user = session && { username: session.username, expiresAt: Number(session.expiresAt) };
  if (event.routeKey === CALLBACK_ROUTE_KEY && session?.idToken && user) {
    return webSignIn().signedIn({ idToken: session.idToken, refreshToken: session.refreshToken }, user);
  }
  if (event.routeKey === REFRESH_ROUTE_KEY && session?.idToken && user) return webSignIn().refreshed(session.idToken, user);
  if (event.rawPath === '/ui/signout') return webSignIn().signedOut();
  return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `No route for ${event.rawPath}` }) };
}
