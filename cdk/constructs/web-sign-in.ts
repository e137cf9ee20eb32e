import { Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi, type HttpRouteIntegration } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { WEB_SIGN_IN_VARIABLES } from '../../lib/web/settings';
import { WEB_SIGN_IN_MODULE } from '../function-entries';
import { ServiceFunction } from './service-function';

export interface WebSignInProps {
  api: HttpApi;
  /** The API function's integration: it serves the UI and, under `/ui/api/v1`, the API. */
  apiIntegration: HttpRouteIntegration;
  /** Globally unique prefix of the Cognito domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  domainPrefix: string;
  /** Keep the user pool (and refuse to delete it) when the stack goes. */
  retain: boolean;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/** Session lifetime: one working day; then the UI renews it from the refresh cookie (Cognito allows 5 min to 1 day). */
export const WEB_SESSION = Duration.hours(8);
/** How long one sign-in lasts, renewal included: then the password and MFA again. */
export const WEB_REFRESH = Duration.days(7);
/** How long API Gateway trusts a cookie it has seen before asking the authorizer again. */
const SESSION_CACHE = Duration.minutes(1);

/**
 * The web UI on AWS: browsers cannot sign SigV4, so the `/ui` routes take a session cookie instead.
 * A Cognito user pool (no self sign-up, MFA required, managed login) signs people in; its code comes
 * back to `/ui/callback`, whose authorizer trades it for an ID token that becomes the cookie; the
 * other `/ui` routes have an authorizer that verifies that cookie. `/api/v1` keeps IAM.
 */
export class WebSignIn extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly function: ServiceFunction;
  /** Where a person starts: the managed login page, which lands on the UI. */
  readonly signInUrl: string;

  constructor(scope: Construct, id: string, props: WebSignInProps) {
    super(scope, id);
    const uiUrl = `${props.api.apiEndpoint}/ui`;
    const callbackUrl = `${uiUrl}/callback`;

    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `${props.domainPrefix}-users`,
      // Operators add people (`aws cognito-idp admin-create-user`): nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const plusReason =
      'Threat protection (advanced security) needs the Plus feature plan, billed per monthly active user; a pool of ' +
      'a few operators with required MFA and no self sign-up stays on Essentials. Raise it in the console when wanted.';
    Validations.of(this.userPool).acknowledge({ id: 'AwsSolutions-COG3', reason: plusReason }, { id: 'AwsSolutions-COG8', reason: plusReason });
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.client = this.userPool.addClient('WebUi', {
      // A public client: the code is traded server-side by the authorizer, yet no secret is needed
      // because the code is only ever sent to the registered callback URL.
      generateSecret: false,
      authFlows: { userSrp: true },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [callbackUrl],
        logoutUrls: [callbackUrl],
      },
      idTokenValidity: WEB_SESSION,
      accessTokenValidity: WEB_SESSION,
      refreshTokenValidity: WEB_REFRESH,
      preventUserExistenceErrors: true,
    });
    // Managed login (the newer hosted pages, with TOTP enrolment) needs a style; Cognito's default.
    new CfnManagedLoginBranding(this, 'LoginStyle', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    this.signInUrl = this.domain.signInUrl(this.client, { redirectUri: callbackUrl });
    // Cognito's logout ends its session, then shows the sign-in page again (same parameters as sign-in).
    const signOutUrl = Fn.join('', [
      this.domain.baseUrl(),
      '/logout?client_id=',
      this.client.userPoolClientId,
      '&response_type=code&redirect_uri=',
      callbackUrl,
    ]);

    this.function = new ServiceFunction(this, 'SignIn', {
      module: WEB_SIGN_IN_MODULE,
      description: 'Web UI sign-in: authorizer of the /ui routes, /ui/callback and /ui/signout',
      timeout: Duration.seconds(10),
      environment: {
        [WEB_SIGN_IN_VARIABLES.issuer]: this.userPool.userPoolProviderUrl,
        [WEB_SIGN_IN_VARIABLES.clientId]: this.client.userPoolClientId,
        [WEB_SIGN_IN_VARIABLES.tokenEndpoint]: `${this.domain.baseUrl()}/oauth2/token`,
        [WEB_SIGN_IN_VARIABLES.jwksUri]: `${this.userPool.userPoolProviderUrl}/.well-known/jwks.json`,
        [WEB_SIGN_IN_VARIABLES.redirectUri]: callbackUrl,
        [WEB_SIGN_IN_VARIABLES.signOutUrl]: signOutUrl,
        [WEB_SIGN_IN_VARIABLES.refreshSeconds]: String(WEB_REFRESH.toSeconds()),
      },
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    const handler = this.function.function;

    const session = new HttpLambdaAuthorizer('SessionAuthorizer', handler, {
      authorizerName: 'web-session',
      identitySource: ['$request.header.cookie'],
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      resultsCacheTtl: SESSION_CACHE,
    });
    const code = new HttpLambdaAuthorizer('CodeAuthorizer', handler, {
      authorizerName: 'web-sign-in-code',
      identitySource: ['$request.querystring.code'],
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // A code works once; the context carries the token it was traded for.
      resultsCacheTtl: Duration.seconds(0),
    });
    const refresh = new HttpLambdaAuthorizer('RefreshAuthorizer', handler, {
      authorizerName: 'web-session-refresh',
      identitySource: ['$request.header.cookie'],
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // Each call trades the refresh token anew; the context carries the new session's token.
      resultsCacheTtl: Duration.seconds(0),
    });
    const signInIntegration = new HttpLambdaIntegration('SignInFunction', handler);

    // No route without authorization (not even a redirect on `/`): `/` stays on `$default`, behind
    // IAM, and people start from the sign-in URL (the stack's `WebUiSignInUrl` output).
    props.api.addRoutes({ path: '/ui', methods: [HttpMethod.GET], integration: props.apiIntegration, authorizer: session });
    props.api.addRoutes({ path: '/ui/{proxy+}', methods: [HttpMethod.ANY], integration: props.apiIntegration, authorizer: session });
    props.api.addRoutes({ path: '/ui/callback', methods: [HttpMethod.GET], integration: signInIntegration, authorizer: code });
    props.api.addRoutes({ path: '/ui/refresh', methods: [HttpMethod.GET], integration: signInIntegration, authorizer: refresh });
    props.api.addRoutes({ path: '/ui/signout', methods: [HttpMethod.GET], integration: signInIntegration, authorizer: session });
  }
}
