import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SfnBackfillWorkflows } from '../../lib/adapters/aws/sfn-workflows';
import { lambdaTelemetry } from '../../lib/adapters/aws/powertools-telemetry';
import { SqsExecutionQueue } from '../../lib/adapters/aws/sqs-queue';
import { withoutDiscardedLogging } from '../../lib/adapters/dynamodb/client';
import { storesFor } from '../../lib/adapters/dynamodb/stores';
import { runShellCommands } from '../../lib/adapters/process/shell-commands';
import { ConfigurationError, type Settings, readSettings } from '../../lib/config';
import type {
  BackfillWorkflows,
  Clock,
  DispatchLedger,
  ExecutionQueue,
  ExecutionStore,
  FlowStore,
  LogStore,
  ShellRunner,
  Telemetry,
  TriggerStore,
} from '../../lib/ports';

/** The AWS composition root's output: every port, bound to DynamoDB, SQS, Step Functions and the Lambda's own processes. */
export interface AwsDependencies {
  settings: Settings;
  clock: Clock;
  flows: FlowStore;
  triggers: TriggerStore;
  executions: ExecutionStore;
  logs: LogStore;
  ledger: DispatchLedger;
  queue: ExecutionQueue;
  workflows: BackfillWorkflows;
  runShell: ShellRunner;
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
  return {
    settings,
    clock: { now: () => new Date() },
    ...storesFor(withoutDiscardedLogging(new DynamoDBClient({})), settings.tables),
    queue: new SqsExecutionQueue(new SQSClient({}), { backfill: settings.queueUrl, live: settings.liveQueueUrl }),
    workflows: new SfnBackfillWorkflows(new SFNClient({}), settings.stateMachineArn),
    runShell: runShellCommands,
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
