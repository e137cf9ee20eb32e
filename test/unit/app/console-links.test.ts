import { describe, expect, it } from 'vitest';
import { executionLinks } from '../../../lib/app/console-links';

describe('executionLinks (a backfill execution in the Step Functions console)', () => {
  it('derives the execution ARN and its console page from the state machine ARN', () => {
    expect(executionLinks('arn:aws:states:eu-west-1:123456789012:stateMachine:KestraBackfills-prod-backfill', 'scheduled_flow-schedule-abc123-g0')).toEqual({
      stateMachineExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:KestraBackfills-prod-backfill:scheduled_flow-schedule-abc123-g0',
      stateMachineConsoleUrl:
        'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:KestraBackfills-prod-backfill:scheduled_flow-schedule-abc123-g0',
    });
  });

  it('uses the console of the partition, and gives no page where it knows none', () => {
    expect(executionLinks('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:m', 'x')?.stateMachineConsoleUrl).toMatch(
      /^https:\/\/cn-north-1\.console\.amazonaws\.cn\//,
    );
    expect(executionLinks('arn:aws-iso:states:us-iso-east-1:123456789012:stateMachine:m', 'x')).toEqual({
      stateMachineExecutionArn: 'arn:aws-iso:states:us-iso-east-1:123456789012:execution:m:x',
    });
  });

  it('gives nothing without a state machine ARN (the local default) or an execution', () => {
    expect(executionLinks(undefined, 'x')).toBeUndefined();
    expect(executionLinks('arn:aws:states:eu-west-1:123456789012:stateMachine:m', undefined)).toBeUndefined();
    expect(executionLinks('not-an-arn', 'x')).toBeUndefined();
  });
});
