/**
 * What AWS bills a backfill at: us-east-1 list prices, on demand, first pricing tier, free tiers
 * left out. Written down once from the pages linked (read on 2026-11-30, when `npm run bench:cost`
 * first priced a backfill); the benchmark and the dry run's `estimatedCostUsd` both price usage with
 * them (`priceUsage`), so the figure the API answers is the one the benchmark checks.
 */
export const AWS_PRICES = {
  region: 'us-east-1',
  /** Per write and read request unit, on-demand capacity, Standard table class: https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoDbWriteUnit: 0.625 / 1e6,
  dynamoDbReadUnit: 0.125 / 1e6,
  /** Per request, Standard queue: https://aws.amazon.com/sqs/pricing/ ("each 64 KB chunk of a payload is billed as 1 request"). */
  sqsRequest: 0.4 / 1e6,
  sqsChunkBytes: 64 * 1024,
  /** Per request and per GB-second of duration, by architecture: https://aws.amazon.com/lambda/pricing/ */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  /** Per state transition, Standard workflows: https://aws.amazon.com/step-functions/pricing/ */
  stateTransition: 0.025 / 1000,
} as const;

/** SQS takes at most this many messages per SendMessageBatch. */
export const SQS_BATCH_MESSAGES = 10;
