import { describe, expect, it } from 'vitest';
import { DEFAULT_STALL_ALARM_SECONDS, DEFAULT_WORKER, DeployConfigError, readDeployConfig } from '../../cdk/config';

const read = (context: Record<string, unknown>) => readDeployConfig((key) => context[key]);

describe('readDeployConfig (CDK context)', () => {
  it('defaults to the dev stage, IAM auth and the default worker settings', () => {
    expect(read({})).toEqual({
      stage: 'dev',
      auth: { kind: 'iam' },
      webUi: { kind: 'cognito' },
      worker: DEFAULT_WORKER,
      stallAlarmSeconds: DEFAULT_STALL_ALARM_SECONDS,
    });
  });

  it('reads -c strings and cdk.json numbers alike', () => {
    expect(read({ workerBatchSize: '7', workerMaxConcurrency: 40 }).worker).toEqual({ batchSize: 7, batchingWindowSeconds: 0, maxConcurrency: 40 });
  });

  it('allows batches above 10 only with a batching window (an SQS event source limit)', () => {
    expect(() => read({ workerBatchSize: '50' })).toThrow(/workerBatchSize must be an integer from 1 to 10/);
    expect(read({ workerBatchSize: '50', workerBatchingWindowSeconds: '2' }).worker.batchSize).toBe(50);
  });

  it.each([
    [{ workerMaxConcurrency: '1' }, /workerMaxConcurrency must be an integer from 2 to 1000/],
    [{ workerBatchingWindowSeconds: '301' }, /workerBatchingWindowSeconds must be an integer from 0 to 300/],
    [{ workerBatchSize: 'ten' }, /workerBatchSize/],
    [{ stage: 'Prod!' }, /stage must be lowercase/],
    [{ auth: 'cognito' }, /auth must be "iam" or "jwt"/],
    [{ auth: 'jwt', jwtAudience: 'a' }, /jwtIssuer/],
    [{ auth: 'jwt', jwtIssuer: 'https://issuer.example.com' }, /jwtAudience/],
    [{ webUi: 'public' }, /webUi must be "cognito" or "off"/],
    [{ alarmEmail: 'oncall' }, /alarmEmail must be an email address/],
    [{ stallAlarmSeconds: '300' }, /stallAlarmSeconds must be an integer from 600 to 604800/],
    [{ webDomainPrefix: 'My_Team' }, /webDomainPrefix must be lowercase/],
    [{ webDomainPrefix: 'team-cognito-login' }, /without aws, amazon or cognito/],
  ])('refuses %j', (context, message) => {
    expect(() => read(context)).toThrow(DeployConfigError);
    expect(() => read(context)).toThrow(message);
  });

  it('reads the web UI choice and its Cognito domain prefix', () => {
    expect(read({ webUi: 'off' }).webUi).toEqual({ kind: 'off' });
    expect(read({ webDomainPrefix: 'acme-backfills' }).webUi).toEqual({ kind: 'cognito', domainPrefix: 'acme-backfills' });
  });

  it('reads a JWT authorizer with comma-separated audiences', () => {
    expect(read({ auth: 'JWT', jwtIssuer: 'https://issuer.example.com/', jwtAudience: 'a, b' }).auth).toEqual({
      kind: 'jwt',
      issuer: 'https://issuer.example.com/',
      audience: ['a', 'b'],
    });
  });
});
