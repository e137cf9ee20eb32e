import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeBackfillEvents } from '../../lib/adapters/aws/eventbridge-backfill-events';
import { SfnBackfillWorkflows } from '../../lib/adapters/aws/sfn-workflows';
import { HttpWebhookSender } from '../../lib/adapters/webhook/http-webhook-sender';
import { LambdaTaskRunner } from '../../lib/adapters/aws/lambda-task-runner';
import { lambdaTelemetry } from '../../lib/adapters/aws/powertools-telemetry';
import { SqsOperationQueue } from '../../lib/adapters/aws/sqs-operation-queue';
import { SqsExecutionQueue } from '../../lib/adapters/aws/sqs-queue';
import { withoutDiscardedLogging } from '../../lib/adapters/dynamodb/client';
import { storesFor } from '../../lib/adapters/dynamodb/stores';
import { ConfigurationError, type Settings, readSettings } from '../../lib/config';
import type {
  BackfillEvents,
  BackfillWorkflows,
  Clock,
  DispatchLedger,
  ExecutionQueue,
  ExecutionStore,
  FlowStore,
  LogStore,
  OperationQueue,
  OperationStore,
  TaskRunner,
  Telemetry,
  TriggerStore,
  WebhookSender,
} from '../../lib/ports';

/** The AWS composition root's output: every port, bound to DynamoDB, SQS, Step Functions and the task runner function. */
export interface AwsDependencies {
  settings: Settings;
  clock: Clock;
  flows: FlowStore;
  triggers: TriggerStore;
  executions: ExecutionStore;
  logs: LogStore;
  ledger: DispatchLedger;
  operations: OperationStore;
  queue: ExecutionQueue;
  operationQueue: OperationQueue;
  workflows: BackfillWorkflows;
  /** The task runner function: shell tasks never run in a function that holds the service's credentials. */
  taskRunner: TaskRunner;
  /** Lifecycle events: EventBridge's default bus. */
  events: BackfillEvents;
  /** Final notifications' webhooks (https only, public addresses only). */
  webhooks: WebhookSender;
  sleep: (ms: number) => Promise<void>;
  /** Powertools Logger and Metrics (EMF), configured by POWERTOOLS_* variables. */
  telemetry: Telemetry;
}

/** Builds the AWS wiring from the Lambda environment (variables set by CDK); fails fast on a missing one. */
function buildAwsDependencies(env: NodeJS.ProcessEnv): AwsDependencies {
  const settings = readSettings(env);
  if (!settings.queueUrl) throw new ConfigurationError('EXECUTION_QUEUE_URL is not set');
  if (!settings.liveQueueUrl) throw new ConfigurationError('LIVE_EXECUTION_QUEUE_URL is not set');
  if (!settings.stateMachineArn) throw new ConfigurationError('BACKFILL_STATE_MACHINE_ARN is not set');
  if (!settings.taskRunnerFunction) throw new ConfigurationError('TASK_RUNNER_FUNCTION is not set');
  if (!settings.operationQueueUrl) throw new ConfigurationError('OPERATION_QUEUE_URL is not set');
  const sqs = new SQSClient({});
  return {
    settings,
    clock: { now: () => new Date() },
    ...storesFor(withoutDiscardedLogging(new DynamoDBClient({})), settings.tables),
    queue: new SqsExecutionQueue(sqs, { backfill: settings.queueUrl, live: settings.liveQueueUrl }),
    operationQueue: new SqsOperationQueue(sqs, settings.operationQueueUrl),
    workflows: new SfnBackfillWorkflows(new SFNClient({}), settings.stateMachineArn),
    taskRunner: new LambdaTaskRunner(new LambdaClient({}), settings.taskRunnerFunction),
    events: new EventBridgeBackfillEvents(new EventBridgeClient({})),
    webhooks: new HttpWebhookSender({ timeoutMs: settings.notify.webhookTimeoutMs, allowLoopback: settings.notify.allowLoopback }),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    telemetry: lambdaTelemetry(),
  };
}

let built: AwsDependencies | undefined;

/** The AWS wiring, built once per cold start and reused while the Lambda stays warm. */
export function awsDependencies(): AwsDependencies {
  built ??= buildAwsDependencies(process.env);
  return built;
}
