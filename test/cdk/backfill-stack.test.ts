import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../lib/config';
import { ALL_TABLES } from '../../lib/adapters/dynamodb/tables';
import { readFileSync } from 'node:fs';
import {
  DISPATCH_ROUND,
  DISPATCH_TIMEOUT,
  METRICS_NAMESPACE,
  TASK_DEFAULT_TIMEOUT,
  WORKER_LEASE,
  WORKER_TIMEOUT,
} from '../../cdk/constructs/backfill-functions';
import { BACKFILL_ASL_PATH } from '../../lib/workflow/definition';
import { FUNCTION_MODULES } from '../../cdk/function-entries';
import { logicalIdOf, resourceOf, resourcesOf, synthStack } from './synth';

const { stack, template } = synthStack();
const functions = resourcesOf(template, 'AWS::Lambda::Function');

describe('DynamoDB tables', () => {
  it('has one on-demand table with point-in-time recovery per table definition of lib/adapters/dynamodb/tables.ts', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', ALL_TABLES.length);
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it.each(ALL_TABLES.map((def) => [def.logicalName, def] as const))('builds %s with the keys and indexes of its definition', (name, def) => {
    const table = template.toJSON().Resources[logicalIdOf(stack.tables.byName[name])];
    const keySchema = [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
    ];
    expect(table.Properties.KeySchema).toEqual(keySchema);
    const indexes = (table.Properties.GlobalSecondaryIndexes ?? []).map((gsi: Record<string, unknown>) => ({
      name: gsi.IndexName,
      keys: gsi.KeySchema,
      projection: (gsi.Projection as { ProjectionType: string }).ProjectionType,
      nonKeyAttributes: (gsi.Projection as { NonKeyAttributes?: string[] }).NonKeyAttributes,
    }));
    expect(indexes).toEqual(
      def.indexes.map((index) => ({
        name: index.name,
        keys: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
        ],
        projection: index.projection,
        nonKeyAttributes: index.nonKeyAttributes,
      })),
    );
  });

  it('in the dev stage (default): deleted with the stack, no deletion protection', () => {
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  it('outside dev: retained, with deletion protection, and logs retained', () => {
    const prod = synthStack({ stage: 'prod' }).template;
    prod.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    prod.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    prod.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });
});

describe('execution queue', () => {
  const queueId = logicalIdOf(stack.executionQueue.queue);
  const dlqId = logicalIdOf(stack.executionQueue.deadLetterQueue);

  it('redrives to a dead-letter queue, encrypted by SQS, visibility 6× the worker timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * WORKER_TIMEOUT.toSeconds(),
    });
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('refuses requests without TLS, on both queues', () => {
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('feeds the worker from both queues (backfill and live) with ReportBatchItemFailures and the default batch settings', () => {
    // Two for the worker, two for the dead-letter consumer, two for the operations function.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 6);
    for (const id of [queueId, logicalIdOf(stack.liveExecutionQueue.queue)]) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
        FunctionName: { Ref: logicalIdOf(stack.functions.byModule.worker.function) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: Match.absent(),
        ScalingConfig: { MaximumConcurrency: 10 },
      });
    }
  });

  it('drains both dead-letter queues into the dead-letter consumer, and runs the sweep on a schedule', () => {
    for (const queue of [stack.executionQueue.deadLetterQueue, stack.liveExecutionQueue.deadLetterQueue]) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(queue), 'Arn'] },
        FunctionName: { Ref: logicalIdOf(stack.functions.byModule['dead-letter'].function) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack.functions.byModule.sweep.function), 'Arn'] } })],
    });
  });

  it('gives every function both queue URLs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EXECUTION_QUEUE_URL: { Ref: queueId },
          LIVE_EXECUTION_QUEUE_URL: { Ref: logicalIdOf(stack.liveExecutionQueue.queue) },
        }),
      },
    });
  });

  it('takes batch size, batching window and maximum concurrency from context', () => {
    const tuned = synthStack({ workerBatchSize: '50', workerBatchingWindowSeconds: '5', workerMaxConcurrency: '25' }).template;
    tuned.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 25 },
    });
  });
});

describe('Lambda functions', () => {
  it('has one function per functions/ module, plus the web sign-in function unless webUi=off', () => {
    expect(Object.keys(functions)).toHaveLength(FUNCTION_MODULES.length + 1);
    expect(Object.keys(resourcesOf(synthStack({ webUi: 'off' }).template, 'AWS::Lambda::Function'))).toHaveLength(FUNCTION_MODULES.length);
  });

  it('runs every function on Node.js 22 or newer, ARM64, with its own log group, and all but the task runner with active tracing', () => {
    const taskRunner = logicalIdOf(stack.functions.byModule['task-runner'].function);
    for (const [id, fn] of Object.entries(functions)) {
      const props = fn.Properties as Record<string, any>;
      expect(props.Runtime).toMatch(/^nodejs(\d+)\.x$/);
      expect(Number(/^nodejs(\d+)/.exec(props.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(props.Architectures).toEqual(['arm64']);
      // The task runner's role holds nothing a task could use, X-Ray's Put* rights included.
      if (id === taskRunner) expect(props.TracingConfig).toBeUndefined();
      else expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      expect(props.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
    }
  });

  it('gives every log group a retention', () => {
    for (const group of Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'))) {
      expect(group.Properties?.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it("gives the task runner none of the service's environment but the executions table's name (where its kill flags are): a task can read all of it", () => {
    const runner = resourceOf(template, 'AWS::Lambda::Function', logicalIdOf(stack.functions.byModule['task-runner'].function));
    expect(runner.Properties?.Environment).toEqual({
      Variables: { NODE_OPTIONS: '--enable-source-maps', EXECUTIONS_TABLE: { Ref: logicalIdOf(stack.tables.byName.executions) } },
    });
  });

  it('gives every service function the environment lib/config.ts reads, state machine ARN and task runner included', () => {
    const stateMachineArn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':stateMachine:KestraBackfills-dev-backfill'],
      ],
    };
    const serviceFunctions = Object.entries(stack.functions.byModule)
      .filter(([module]) => module !== 'task-runner')
      .map(([, fn]) => resourceOf(template, 'AWS::Lambda::Function', logicalIdOf(fn.function)));
    for (const fn of serviceFunctions) {
      expect(fn.Properties?.Environment).toMatchObject({
        Variables: {
          FLOWS_TABLE: { Ref: logicalIdOf(stack.tables.byName.flows) },
          FLOW_REVISIONS_TABLE: { Ref: logicalIdOf(stack.tables.byName.flowRevisions) },
          TRIGGERS_TABLE: { Ref: logicalIdOf(stack.tables.byName.triggers) },
          EXECUTIONS_TABLE: { Ref: logicalIdOf(stack.tables.byName.executions) },
          LOGS_TABLE: { Ref: logicalIdOf(stack.tables.byName.logs) },
          EXECUTION_QUEUE_URL: { Ref: logicalIdOf(stack.executionQueue.queue) },
          BACKFILL_STATE_MACHINE_ARN: stateMachineArn,
          WORKER_LEASE_SECONDS: String(WORKER_LEASE.toSeconds()),
          BACKFILL_DISPATCH_ROUND_SECONDS: String(DISPATCH_ROUND.toSeconds()),
          // Powertools Logger and Metrics: the service key and dimension, and the metrics' namespace.
          POWERTOOLS_SERVICE_NAME: 'KestraBackfills-dev',
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          STALL_ALARM_SECONDS: '3600',
          // How the queues drive the worker (cdk/config.ts DEFAULT_WORKER): the API's dry run estimates from it.
          WORKER_BATCH_SIZE: '10',
          WORKER_MAX_CONCURRENCY: '10',
          TASK_RUNNER_FUNCTION: { Ref: logicalIdOf(stack.functions.byModule['task-runner'].function) },
        },
      });
    }
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'KestraBackfills-dev-backfill' });
  });

  it('uses environment names lib/config.ts actually reads', () => {
    const settings = readSettings(stack.functions.environment);
    const env = stack.functions.environment;
    expect(settings.tables).toEqual({
      flows: env.FLOWS_TABLE,
      flowRevisions: env.FLOW_REVISIONS_TABLE,
      triggers: env.TRIGGERS_TABLE,
      executions: env.EXECUTIONS_TABLE,
      logs: env.LOGS_TABLE,
      operations: env.OPERATIONS_TABLE,
    });
    expect(settings.operationQueueUrl).toBe(env.OPERATION_QUEUE_URL);
    expect(settings.operationDeadLetterQueueArn).toBe(env.OPERATION_DEAD_LETTER_QUEUE_ARN);
    expect(settings.queueUrl).toBe(env.EXECUTION_QUEUE_URL);
    expect(settings.stateMachineArn).toBe(env.BACKFILL_STATE_MACHINE_ARN);
    expect(settings.taskRunnerFunction).toBe(env.TASK_RUNNER_FUNCTION);
    expect(settings.worker.leaseSeconds).toBe(WORKER_LEASE.toSeconds());
    expect(settings.worker.defaultTaskTimeoutSeconds).toBe(TASK_DEFAULT_TIMEOUT.toSeconds());
    expect(settings.dispatch.roundSeconds).toBe(DISPATCH_ROUND.toSeconds());
  });

  it('lets a worker lease outlive the worker, and a default task time limit fit inside it', () => {
    const worker = template.toJSON().Resources[logicalIdOf(stack.functions.byModule.worker.function)].Properties;
    expect(worker.Timeout).toBe(WORKER_TIMEOUT.toSeconds());
    expect(WORKER_LEASE.toSeconds()).toBeGreaterThan(worker.Timeout);
    expect(TASK_DEFAULT_TIMEOUT.toSeconds()).toBeLessThan(worker.Timeout);
  });

  it("gives the task runner at least the worker's time: a task's timeout is clamped to what the worker has left", () => {
    const props = (module: 'worker' | 'task-runner') => template.toJSON().Resources[logicalIdOf(stack.functions.byModule[module].function)].Properties;
    expect(props('task-runner').Timeout).toBeGreaterThanOrEqual(props('worker').Timeout);
  });

  it('gives dispatch 5 minutes and 1 GB', () => {
    const dispatch = template.toJSON().Resources[logicalIdOf(stack.functions.byModule.dispatch.function)].Properties;
    expect(dispatch).toMatchObject({ Timeout: 300, MemorySize: 1024 });
  });

  it('ends a dispatch round minutes before the Lambda and its Task state time out', () => {
    const dispatch = template.toJSON().Resources[logicalIdOf(stack.functions.byModule.dispatch.function)].Properties;
    const task = JSON.parse(readFileSync(BACKFILL_ASL_PATH, 'utf8')).States['Dispatch next batch'];
    expect(dispatch.Timeout).toBe(DISPATCH_TIMEOUT.toSeconds());
    expect(task.TimeoutSeconds).toBe(DISPATCH_TIMEOUT.toSeconds());
    // The round's last batch and its last wait for room (BACKFILL_DISPATCH_WAIT_SECONDS) fit in what is left.
    const settings = readSettings(stack.functions.environment);
    expect(settings.dispatch.roundSeconds + settings.dispatch.roundWaitSeconds + 120).toBeLessThanOrEqual(dispatch.Timeout);
  });
});

describe('state machine', () => {
  it('is a Standard state machine logging ALL with execution data, traced by X-Ray', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf(stack.workflow.logGroup), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
  });
});

describe('HTTP API', () => {
  it('sends every request to the API function through the $default route, signed with SigV4 (AWS_IAM)', () => {
    synthStack({ webUi: 'off' }).template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(stack.functions.byModule.api.function), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
  });

  it('auto-deploys the $default stage with access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalIdOf(stack.api.accessLogs), 'Arn'] }, Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('takes a JWT authorizer instead when the context says auth=jwt', () => {
    const jwt = synthStack({ auth: 'jwt', jwtIssuer: 'https://issuer.example.com/', jwtAudience: 'client-a, client-b' }).template;
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['client-a', 'client-b'] },
    });
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'JWT' });
  });
});

describe('live schedule', () => {
  it('calls the tick function every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack.functions.byModule.tick.function), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack.functions.byModule.tick.function), 'Arn'] },
    });
  });
});

describe('alarms', () => {
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, any>);
  const topicRef = { Ref: logicalIdOf(stack.alarms.topic) };
  const watching = (namespace: string, metric: string) => alarms.filter((a) => a.Namespace === namespace && a.MetricName === metric);

  it('watches the three dead-letter queues, every function, the state machine and the API', () => {
    // Messages received from a dead-letter queue: its consumer takes them at once, so their count, not
    // what stays visible, tells that executions ended FAILED (or operation parts were recorded failed)
    // for want of a successful delivery.
    expect(watching('AWS/SQS', 'NumberOfMessagesReceived').map((a) => a.Dimensions[0].Value)).toEqual([
      { 'Fn::GetAtt': [logicalIdOf(stack.executionQueue.deadLetterQueue), 'QueueName'] },
      { 'Fn::GetAtt': [logicalIdOf(stack.liveExecutionQueue.deadLetterQueue), 'QueueName'] },
      { 'Fn::GetAtt': [logicalIdOf(stack.operationQueue.deadLetterQueue), 'QueueName'] },
    ]);
    expect(watching('AWS/Lambda', 'Errors')).toHaveLength(Object.keys(functions).length);
    expect(watching('AWS/States', 'ExecutionsFailed')).toHaveLength(1);
    expect(watching('AWS/States', 'ExecutionsTimedOut')).toHaveLength(1);
    expect(watching('AWS/ApiGateway', '5xx')).toHaveLength(1);
    expect(watching(METRICS_NAMESPACE, 'StalledBackfills')).toHaveLength(1);
  });

  it("raises one alarm when the sweep counts a backfill without progress for STALL_ALARM_SECONDS, on the functions' own metric", () => {
    const [stalled] = watching(METRICS_NAMESPACE, 'StalledBackfills');
    // The metric the sweep emits through Powertools: its namespace and service dimension are the functions' environment.
    const env = stack.functions.environment;
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    expect(stalled).toMatchObject({
      Namespace: env.POWERTOOLS_METRICS_NAMESPACE,
      Dimensions: [{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(stalled?.AlarmDescription).toContain('no progress for 3600 s');
    expect(readSettings(env).sweep.stallAlarmSeconds).toBe(3600);

    const other = synthStack({ stallAlarmSeconds: '7200' });
    expect(other.stack.functions.environment.STALL_ALARM_SECONDS).toBe('7200');
    other.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'StalledBackfills', AlarmDescription: Match.stringLikeRegexp('7200 s') });
  });

  it('fires on the first breaching 5-minute period, ignores missing data, and tells the topic both ways', () => {
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        Threshold: 1,
        EvaluationPeriods: 1,
        Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(alarm.AlarmActions).toEqual([topicRef]);
      expect(alarm.OKActions).toEqual([topicRef]);
    }
  });

  it('subscribes the alarmEmail context to the topic, and no one without it', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synthStack({ alarmEmail: 'oncall@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });
});

describe('outputs', () => {
  it('exports the API URL, state machine ARN, table names and queue URLs', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        'ApiUrl',
        'StateMachineArn',
        'FlowsTableName',
        'TriggersTableName',
        'ExecutionsTableName',
        'LogsTableName',
        'OperationsTableName',
        'OperationQueueUrl',
        'OperationDeadLetterQueueUrl',
        'ExecutionQueueUrl',
        'DeadLetterQueueUrl',
        'LiveExecutionQueueUrl',
        'LiveDeadLetterQueueUrl',
        'WebUiSignInUrl',
        'WebUiUserPoolId',
        'AlarmTopicArn',
      ].sort(),
    );
    template.hasOutput('StateMachineArn', { Value: { Ref: logicalIdOf(stack.workflow.stateMachine) } });
  });
});
