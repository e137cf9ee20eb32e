import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OPERATIONS_TIMEOUT } from '../../cdk/constructs/backfill-functions';
import { OPERATIONS_BATCH_SIZE, OPERATIONS_CONCURRENCY, OPERATIONS_TIMEOUT_SECONDS, readSettings } from '../../lib/config';
import { logicalIdOf, resourceOf, synthStack } from './synth';

const { stack, template } = synthStack();
const queueId = logicalIdOf(stack.operationQueue.queue);
const dlqId = logicalIdOf(stack.operationQueue.deadLetterQueue);
const operationsFunction = logicalIdOf(stack.functions.byModule.operations.function);

describe("Kestra 2.x's asynchronous bulk actions on AWS", () => {
  it('keeps operations in their own table, whose items DynamoDB deletes by their expiresAt (TTL)', () => {
    const table = resourceOf(template, 'AWS::DynamoDB::Table', logicalIdOf(stack.tables.byName.operations));
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('queues the parts on a queue encrypted by SQS, refusing non-TLS requests, redriving to a dead-letter queue after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * OPERATIONS_TIMEOUT_SECONDS,
    });
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('feeds the operations function from the queue (at most two at once) and from its dead-letter queue, reporting batch item failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: operationsFunction },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: OPERATIONS_BATCH_SIZE,
      ScalingConfig: { MaximumConcurrency: OPERATIONS_CONCURRENCY },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      FunctionName: { Ref: operationsFunction },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it("gives the operations function the timeout the local stand-in uses, and every function the queue's URL and its dead-letter queue's ARN", () => {
    expect(resourceOf(template, 'AWS::Lambda::Function', operationsFunction).Properties?.Timeout).toBe(OPERATIONS_TIMEOUT.toSeconds());
    expect(OPERATIONS_TIMEOUT.toSeconds()).toBe(OPERATIONS_TIMEOUT_SECONDS);
    const settings = readSettings(stack.functions.environment);
    expect(stack.functions.environment).toMatchObject({ OPERATION_QUEUE_URL: expect.any(String), OPERATION_DEAD_LETTER_QUEUE_ARN: expect.any(String) });
    expect(settings.operationQueueUrl).toBe(stack.operationQueue.queue.queueUrl);
    // The function tells dead letters apart by the records' event source: the ARN must be the dead-letter queue's.
    expect(settings.operationDeadLetterQueueArn).toBe(stack.operationQueue.deadLetterQueue.queueArn);
  });
});
