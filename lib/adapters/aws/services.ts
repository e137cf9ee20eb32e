import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, readSettings } from '../../config';
import type { Services } from '../../services';
import { storesFor } from '../dynamodb/stores';
import { SfnBackfillWorkflows } from './sfn-workflows';
import { SqsExecutionQueue } from './sqs-queue';

/** The AWS wiring: DynamoDB, SQS and Step Functions clients from the Lambda environment. */
export function awsServices(env: NodeJS.ProcessEnv = process.env): Services {
  const settings = readSettings(env);
  if (!settings.queueUrl) throw new ConfigurationError('EXECUTION_QUEUE_URL is not set');
  if (!settings.liveQueueUrl) throw new ConfigurationError('LIVE_EXECUTION_QUEUE_URL is not set');
  if (!settings.stateMachineArn) throw new ConfigurationError('BACKFILL_STATE_MACHINE_ARN is not set');
  return {
    settings,
    clock: { now: () => new Date() },
    ...storesFor(new DynamoDBClient({}), settings.tables),
    queue: new SqsExecutionQueue(new SQSClient({}), { backfill: settings.queueUrl, live: settings.liveQueueUrl }),
    workflows: new SfnBackfillWorkflows(new SFNClient({}), settings.stateMachineArn),
  };
}
