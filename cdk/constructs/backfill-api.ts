import type { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, type HttpStage, type IHttpRouteAuthorizer, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiAuth } from '../config';

export interface BackfillApiProps {
  handler: IFunction;
  auth: ApiAuth;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/** HTTP API access log fields (HTTP API context variables, one JSON object a line). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  userArn: '$context.identity.userArn',
  routeKey: '$context.routeKey',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

function authorizerFor(auth: ApiAuth): IHttpRouteAuthorizer {
  if (auth.kind === 'jwt') return new HttpJwtAuthorizer('JwtAuthorizer', auth.issuer, { jwtAudience: auth.audience });
  return new HttpIamAuthorizer();
}

/**
 * The Kestra-compatible HTTP API: API Gateway (HTTP API) sends every request (`$default` route) to the
 * API function, which routes it. Callers sign with SigV4 (AWS_IAM) unless a JWT authorizer is chosen.
 */
export class BackfillApi extends Construct {
  readonly api: HttpApi;
  /** The API function behind API Gateway; other routes (the web UI's) reuse it. */
  readonly integration: HttpLambdaIntegration;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: BackfillApiProps) {
    super(scope, id);
    this.integration = new HttpLambdaIntegration('ApiFunction', props.handler);
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Backfills for Kestra Schedule triggers (Kestra-compatible API)',
      defaultIntegration: this.integration,
      defaultAuthorizer: authorizerFor(props.auth),
      // The default stage is added below, with access logging (the built-in one cannot log).
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** Base URL; the API lives under `/api/v1/`. */
  get url(): string {
    return this.stage.url;
  }
}
