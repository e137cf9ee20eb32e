import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { WEB_REFRESH, WEB_SESSION } from '../../cdk/constructs/web-sign-in';
import { readWebSignInSettings } from '../../lib/web/settings';
import { logicalIdOf, resourceOf, resourcesOf, synthStack } from './synth';

const { stack, template } = synthStack();
const web = stack.webSignIn!;
const apiId = logicalIdOf(stack.api.api);
const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties as Record<string, any>);
const routeNamed = (key: string) => routes.find((r) => r.RouteKey === key)!;
const authorizerOf = (route: Record<string, any>) =>
  resourceOf(template, 'AWS::ApiGatewayV2::Authorizer', route.AuthorizerId.Ref).Properties as Record<string, any>;
const integrationTarget = (route: Record<string, any>) => {
  const integrationId = route.Target['Fn::Join'][1][1].Ref as string;
  return (resourceOf(template, 'AWS::ApiGatewayV2::Integration', integrationId).Properties as Record<string, any>).IntegrationUri;
};
const arnOf = (construct: Parameters<typeof logicalIdOf>[0]) => ({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });
const callbackUrl = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, '/ui/callback']] };

describe('web UI on AWS: sign-in', () => {
  it('keeps /api/v1 (and /, and any other path) on IAM and puts every /ui route behind a Lambda authorizer: no route without authorization', () => {
    expect(routes.map((r) => [r.RouteKey, r.AuthorizationType]).sort()).toEqual(
      [
        ['$default', 'AWS_IAM'],
        ['GET /ui', 'CUSTOM'],
        ['ANY /ui/{proxy+}', 'CUSTOM'],
        ['GET /ui/callback', 'CUSTOM'],
        ['GET /ui/refresh', 'CUSTOM'],
        ['GET /ui/signout', 'CUSTOM'],
      ].sort(),
    );
  });

  it('serves the UI and /ui/api/v1 from the API function, behind the session cookie authorizer', () => {
    for (const key of ['GET /ui', 'ANY /ui/{proxy+}']) {
      expect(integrationTarget(routeNamed(key))).toEqual(arnOf(stack.functions.byModule.api.function));
      expect(authorizerOf(routeNamed(key))).toMatchObject({
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.cookie'],
        AuthorizerResultTtlInSeconds: 60,
      });
    }
  });

  it('has no route without authorization: GET / goes to $default, behind IAM', () => {
    expect(routes.filter((r) => r.AuthorizationType === 'NONE' || r.AuthorizationType === undefined).map((r) => r.RouteKey)).toEqual([]);
  });

  it('trades the code at /ui/callback and the refresh cookie at /ui/refresh in uncached authorizers, and signs out behind the session one', () => {
    const callback = routeNamed('GET /ui/callback');
    expect(integrationTarget(callback)).toEqual(arnOf(web.function.function));
    expect(authorizerOf(callback)).toMatchObject({
      IdentitySource: ['$request.querystring.code'],
      AuthorizerResultTtlInSeconds: 0,
      EnableSimpleResponses: true,
    });
    const refresh = routeNamed('GET /ui/refresh');
    expect(integrationTarget(refresh)).toEqual(arnOf(web.function.function));
    expect(authorizerOf(refresh)).toMatchObject({ IdentitySource: ['$request.header.cookie'], AuthorizerResultTtlInSeconds: 0, EnableSimpleResponses: true });
    const signOut = routeNamed('GET /ui/signout');
    expect(integrationTarget(signOut)).toEqual(arnOf(web.function.function));
    expect(signOut.AuthorizerId).toEqual(routeNamed('GET /ui').AuthorizerId);
  });

  it('has a user pool nobody signs up to by themselves, with required TOTP MFA and a strong password policy', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireNumbers: true }) },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { ManagedLoginVersion: 2 });
    template.resourceCountIs('AWS::Cognito::ManagedLoginBranding', 1);
  });

  it('has a public client with the code flow only, returning to /ui/callback, sessions of a working day', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: [callbackUrl],
      LogoutURLs: [callbackUrl],
      IdTokenValidity: WEB_SESSION.toMinutes(),
      RefreshTokenValidity: WEB_REFRESH.toMinutes(),
      TokenValidityUnits: Match.objectLike({ IdToken: 'minutes' }),
      PreventUserExistenceErrors: 'ENABLED',
      SupportedIdentityProviders: ['COGNITO'],
    });
  });

  it('gives the sign-in function every setting lib/web/settings.ts reads, and the API function the sign-in URL', () => {
    const env = (resourceOf(template, 'AWS::Lambda::Function', logicalIdOf(web.function.function)).Properties as any).Environment.Variables;
    expect(() => readWebSignInSettings(env)).not.toThrow();
    expect(env.WEB_ISSUER).toEqual({ 'Fn::GetAtt': [logicalIdOf(web.userPool), 'ProviderURL'] });
    expect(env.WEB_CLIENT_ID).toEqual({ Ref: logicalIdOf(web.client) });
    expect(env.WEB_REDIRECT_URI).toEqual(callbackUrl);
    const apiEnv = (resourceOf(template, 'AWS::Lambda::Function', logicalIdOf(stack.functions.byModule.api.function)).Properties as any).Environment.Variables;
    expect(JSON.stringify(apiEnv.WEB_SIGN_IN_URL)).toContain('/login?client_id=');
    template.hasOutput('WebUiSignInUrl', { Value: apiEnv.WEB_SIGN_IN_URL });
  });

  it('keeps the user pool outside dev, and protects it from deletion', () => {
    const prod = synthStack({ stage: 'prod' }).template;
    prod.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }) });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }) });
  });

  it('with webUi=off: no Cognito, no /ui routes (nor GET /: there is no UI to open), no sign-in URL for the API function', () => {
    const off = synthStack({ webUi: 'off' });
    off.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(Object.values(resourcesOf(off.template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties?.RouteKey)).toEqual(['$default']);
    const offApi = logicalIdOf(off.stack.functions.byModule.api.function);
    const apiEnv = (resourceOf(off.template, 'AWS::Lambda::Function', offApi).Properties as any).Environment.Variables;
    expect(apiEnv.WEB_SIGN_IN_URL).toBeUndefined();
  });
});
