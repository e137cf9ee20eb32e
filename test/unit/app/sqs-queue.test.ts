import { describe, expect, it } from 'vitest';
import { queueUrlOf } from '../../../lib/adapters/aws/sqs-queue';

describe('queueUrlOf', () => {
  it('turns the event source ARN of an SQS record into the queue URL', () => {
    expect(queueUrlOf('arn:aws:sqs:eu-west-1:123456789012:KestraBackfills-dev-Executions')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/KestraBackfills-dev-Executions',
    );
    expect(queueUrlOf('arn:aws-cn:sqs:cn-north-1:123456789012:q')).toBe('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q');
  });
});
