import { Aws, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BACKFILL_TASK_FUNCTIONS, type BackfillTaskPlaceholder } from '../lib/workflow/definition';
import { type DeployConfig, isDevStage } from './config';
import { BackfillAlarms } from './constructs/backfill-alarms';
import { BackfillApi } from './constructs/backfill-api';
import { BackfillFunctions, DEAD_LETTER_TIMEOUT, METRICS_NAMESPACE, OPERATIONS_TIMEOUT, SWEEP_INTERVAL, WORKER_TIMEOUT } from './constructs/backfill-functions';
import { BackfillTables } from './constructs/backfill-tables';
import { BackfillWorkflow } from './constructs/backfill-workflow';
import { ExecutionQueue } from './constructs/execution-queue';
import { LiveSchedule } from './constructs/live-schedule';
import { OperationQueue } from './constructs/operation-queue';
import { Recovery } from './constructs/recovery';
import { pascal } from './names';
import { WebSignIn } from './constructs/web-sign-in';

export interface BackfillStackProps extends StackProps {
  config: DeployConfig;
}

/** The only stack: creates the constructs and connects them; resource details live in the constructs. */
export class BackfillStack extends Stack {
  readonly tables: BackfillTables;
  readonly executionQueue: ExecutionQueue;
  /** Live executions, consumed apart so they never wait behind a backfill's queue. */
  readonly liveExecutionQueue: ExecutionQueue;
  /** Parts of Kestra 2.x's asynchronous bulk actions, for the operations function. */
  readonly operationQueue: OperationQueue;
  readonly functions: BackfillFunctions;
  readonly workflow: BackfillWorkflow;
  readonly api: BackfillApi;
  readonly liveSchedule: LiveSchedule;
  readonly recovery: Recovery;
  /** Browser sign-in for the web UI; absent with `-c webUi=off`. */
  readonly webSignIn?: WebSignIn;
  readonly alarms: BackfillAlarms;

  constructor(scope: Construct, id: string, props: BackfillStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retain = !isDevStage(config);
    const logs = {
      logRetention: retain ? RetentionDays.THREE_MONTHS : RetentionDays.ONE_WEEK,
      logRemovalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };
    // Fixed, so the functions can be given its ARN before it exists (they are its tasks).
    const stateMachineName = `${this.stackName}-backfill`;

    this.tables = new BackfillTables(this, 'Tables', { retain });
    const queueProps = { workerTimeout: WORKER_TIMEOUT, deadLetterConsumerTimeout: DEAD_LETTER_TIMEOUT };
    this.executionQueue = new ExecutionQueue(this, 'Executions', queueProps);
    this.liveExecutionQueue = new ExecutionQueue(this, 'LiveExecutions', queueProps);
    this.operationQueue = new OperationQueue(this, 'Operations', { consumerTimeout: OPERATIONS_TIMEOUT });
    this.functions = new BackfillFunctions(this, 'Functions', {
      tables: this.tables,
      queues: { backfill: this.executionQueue.queue, live: this.liveExecutionQueue.queue },
      operationQueues: this.operationQueue,
      stateMachineName,
      serviceName: this.stackName,
      stallAlarmSeconds: config.stallAlarmSeconds,
      worker: config.worker,
      ...logs,
    });
    const fn = this.functions.byModule;

    // Each ASL placeholder → the function of the functions/ module lib/workflow/definition.ts names for it.
    const taskFunctions = {} as Record<BackfillTaskPlaceholder, IFunction>;
    for (const placeholder of Object.keys(BACKFILL_TASK_FUNCTIONS) as BackfillTaskPlaceholder[]) {
      taskFunctions[placeholder] = fn[BACKFILL_TASK_FUNCTIONS[placeholder]].function;
    }
    this.workflow = new BackfillWorkflow(this, 'Workflow', { stateMachineName, taskFunctions, ...logs });

    this.executionQueue.addWorker(fn.worker.function, config.worker);
    this.liveExecutionQueue.addWorker(fn.worker.function, config.worker);
    this.operationQueue.addConsumer(fn.operations.function);
    this.api = new BackfillApi(this, 'Api', { handler: fn.api.function, auth: config.auth, ...logs });
    this.liveSchedule = new LiveSchedule(this, 'LiveSchedule', { tick: fn.tick.function });
    this.recovery = new Recovery(this, 'Recovery', {
      sweep: fn.sweep.function,
      sweepInterval: SWEEP_INTERVAL,
      deadLetter: fn['dead-letter'].function,
      deadLetterQueues: [this.executionQueue.deadLetterQueue, this.liveExecutionQueue.deadLetterQueue],
    });
    if (config.webUi.kind === 'cognito') {
      this.webSignIn = new WebSignIn(this, 'Web', {
        api: this.api.api,
        apiIntegration: this.api.integration,
        domainPrefix: config.webUi.domainPrefix ?? `kestra-backfills-${config.stage}-${Aws.ACCOUNT_ID}`,
        retain,
        ...logs,
      });
      fn.api.function.addEnvironment('WEB_SIGN_IN_URL', this.webSignIn.signInUrl);
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Kestra-compatible API (routes under /api/v1/)' });
    const functions: Record<string, IFunction> = {};
    for (const [module, serviceFunction] of Object.entries(fn)) functions[pascal(module)] = serviceFunction.function;
    if (this.webSignIn) functions.WebSignIn = this.webSignIn.function.function;
    this.alarms = new BackfillAlarms(this, 'Alarms', {
      deadLetterQueues: { Executions: this.executionQueue.deadLetterQueue, LiveExecutions: this.liveExecutionQueue.deadLetterQueue },
      operationDeadLetterQueue: this.operationQueue.deadLetterQueue,
      functions,
      stateMachine: this.workflow.stateMachine,
      api: this.api.api,
      stalledBackfills: { namespace: METRICS_NAMESPACE, service: this.stackName, stallAlarmSeconds: config.stallAlarmSeconds },
      email: config.alarmEmail,
    });

    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'Alarms (dead letters, function errors, failed or stalled backfills, API 5xx); subscribe to it',
    });
    if (this.webSignIn) {
      new CfnOutput(this, 'WebUiSignInUrl', { value: this.webSignIn.signInUrl, description: 'Open this to sign in to the web UI (it lands on /ui)' });
      new CfnOutput(this, 'WebUiUserPoolId', { value: this.webSignIn.userPool.userPoolId, description: 'Add web UI users here (admin-create-user)' });
    }
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn, description: 'Backfill state machine' });
    new CfnOutput(this, 'FlowsTableName', { value: this.tables.byName.flows.tableName });
    new CfnOutput(this, 'TriggersTableName', { value: this.tables.byName.triggers.tableName });
    new CfnOutput(this, 'ExecutionsTableName', { value: this.tables.byName.executions.tableName });
    new CfnOutput(this, 'LogsTableName', { value: this.tables.byName.logs.tableName });
    new CfnOutput(this, 'OperationsTableName', { value: this.tables.byName.operations.tableName });
    new CfnOutput(this, 'ExecutionQueueUrl', { value: this.executionQueue.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.executionQueue.deadLetterQueue.queueUrl, description: 'Execution messages that failed 5 times' });
    new CfnOutput(this, 'LiveExecutionQueueUrl', { value: this.liveExecutionQueue.queue.queueUrl, description: 'Executions of the live schedule' });
    new CfnOutput(this, 'OperationQueueUrl', {
      value: this.operationQueue.queue.queueUrl,
      description: 'Parts of bulk trigger actions (Kestra 2.x by-triggers, by-query)',
    });
    new CfnOutput(this, 'OperationDeadLetterQueueUrl', {
      value: this.operationQueue.deadLetterQueue.queueUrl,
      description: 'Parts of bulk actions that failed 5 times (recorded failed on their operation)',
    });
    new CfnOutput(this, 'LiveDeadLetterQueueUrl', {
      value: this.liveExecutionQueue.deadLetterQueue.queueUrl,
      description: 'Live execution messages that failed 5 times',
    });
  }
}
