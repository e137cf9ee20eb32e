import { AWS_PRICES, SQS_BATCH_MESSAGES } from './aws-prices';

export type LambdaArchitecture = keyof typeof AWS_PRICES.lambdaGbSecond;

/** What a piece of work uses of the billed AWS services: counted by the cost benchmark, modelled by the dry run. */
export interface AwsUsage {
  dynamoDbWriteUnits: number;
  dynamoDbReadUnits: number;
  sqsRequests: number;
  stateTransitions: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
}

/** Dollars per service, and their sum. */
export interface AwsCost {
  totalUsd: number;
  byService: {
    dynamoDbWrites: number;
    dynamoDbReads: number;
    sqs: number;
    stepFunctions: number;
    lambdaRequests: number;
    lambdaGbSeconds: number;
  };
}

/** The price of `usage` at AWS_PRICES, the Lambda duration at `architecture`'s GB-second price. */
export function priceUsage(usage: AwsUsage, architecture: LambdaArchitecture): AwsCost {
  const byService = {
    dynamoDbWrites: usage.dynamoDbWriteUnits * AWS_PRICES.dynamoDbWriteUnit,
    dynamoDbReads: usage.dynamoDbReadUnits * AWS_PRICES.dynamoDbReadUnit,
    sqs: usage.sqsRequests * AWS_PRICES.sqsRequest,
    stepFunctions: usage.stateTransitions * AWS_PRICES.stateTransition,
    lambdaRequests: usage.lambdaRequests * AWS_PRICES.lambdaRequest,
    lambdaGbSeconds: usage.lambdaGbSeconds * AWS_PRICES.lambdaGbSecond[architecture],
  };
  return { totalUsd: Object.values(byService).reduce((sum, usd) => sum + usd, 0), byService };
}

/**
 * Billed requests of one `send` of messages of these sizes, as the SQS adapter makes it
 * (lib/adapters/aws/sqs-queue.ts): SendMessageBatch in tens, each 64 KiB of a batch's payload
 * billed as one request.
 */
export function sendMessageBatchRequests(messageBytes: readonly number[]): number {
  let requests = 0;
  for (let i = 0; i < messageBytes.length; i += SQS_BATCH_MESSAGES) {
    const bytes = messageBytes.slice(i, i + SQS_BATCH_MESSAGES).reduce((sum, b) => sum + b, 0);
    requests += Math.max(1, Math.ceil(bytes / AWS_PRICES.sqsChunkBytes));
  }
  return requests;
}
