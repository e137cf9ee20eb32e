import { ArnFormat, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_FOOTPRINT, OPERATIONS_TIMEOUT_SECONDS } from '../../lib/config';
import type { ExecutionLane } from '../../lib/ports';
import { EXECUTION_KILL_FLAG } from '../../lib/adapters/dynamodb/tables';
import type { FunctionModule } from '../function-entries';
import type { BackfillTables, TableName } from './backfill-tables';
import { pascal } from '../names';
import { DEFAULT_MEMORY_SIZE, ServiceFunction } from './service-function';

/** What one function may do. Derived from the code paths of its `functions/` module (see lib/app). */
export interface FunctionAccess {
  readTables: TableName[];
  writeTables: TableName[];
  /** Tables whose items it reads and writes once, never changing nor deleting one: read and PutItem only (the kept flow revisions). */
  appendTables?: TableName[];
  /** The execution queues it sends to (the worker consumes both through event sources instead). */
  sendsTo: ExecutionLane[];
  /** Whether it queues the parts of bulk operations (the operations function consumes them through event sources instead). */
  queuesOperations?: boolean;
  /** Step Functions actions on the backfill state machine. */
  stateMachineActions: ('states:StartExecution' | 'states:SendTaskSuccess')[];
  /** StopExecution on this state machine's executions (deleting a backfill stops its execution). */
  stopsExecutions: boolean;
  /** DescribeExecution on this state machine's executions (a hand-over checks a generation that exists already). */
  describesExecutions?: boolean;
  /** The functions it invokes (InvokeFunction on each one's unqualified ARN). */
  invokes?: FunctionModule[];
  /**
   * Whether it publishes backfills' lifecycle events (events:PutEvents on the default event bus only):
   * those that create, pause, resume, update or end a backfill, and the sweep, which retries final
   * notifications. The same functions POST to webhooks (see the README, Notifications).
   */
  publishesEvents?: boolean;
}

const FUNCTION_ACCESS: Record<FunctionModule, FunctionAccess> = {
  // Flows CRUD (a replaced or deleted revision kept first, then never changed), backfill
  // create/pause/resume/delete/cancel (a cancel kills its executions as below), executions and logs
  // read, and the kill, restart and replay of one execution (a kill request, or the execution written
  // KILLED with its log line and ledger slot; a restarted or new execution, queued on the live lane);
  // the parts of the bulk operations it records.
  api: {
    readTables: [],
    writeTables: ['flows', 'triggers', 'executions', 'logs', 'operations'],
    appendTables: ['flowRevisions'],
    // An execution restarted or replayed by one request (the live lane: a person asked for it).
    sendsTo: ['live'],
    queuesOperations: true,
    stateMachineActions: ['states:StartExecution', 'states:SendTaskSuccess'],
    stopsExecutions: true,
    publishesEvents: true,
  },
  // "Dispatch next batch": writes a ledger page per batch (executions too large for a message, and
  // those that fail at creation), queues the executions (built from the backfill's pinned flow
  // revision), advances the cursor; a failure policy pauses or cancels the backfill, and a cancel is
  // carried on (its executions written KILLED or asked to stop).
  dispatch: {
    readTables: ['flows', 'flowRevisions'],
    writeTables: ['triggers', 'executions', 'logs'],
    sendsTo: ['backfill'],
    stateMachineActions: [],
    stopsExecutions: false,
    publishesEvents: true,
  },
  // "Paused: wait for resume": stores the task token; sends it back at once if resumed meanwhile.
  park: { readTables: [], writeTables: ['triggers'], sendsTo: [], stateMachineActions: ['states:SendTaskSuccess'], stopsExecutions: false },
  // "Continue as new execution": records the next generation and starts it; if that generation's
  // execution exists already, asks how it ended (a dead one is stepped over).
  continue: {
    readTables: [],
    writeTables: ['triggers'],
    sendsTo: [],
    stateMachineActions: ['states:StartExecution'],
    stopsExecutions: false,
    describesExecutions: true,
  },
  // "End the backfill FAILED": records the outcome on the trigger, drops the backfill's ledger pages
  // (kept in the executions table).
  fail: { readTables: [], writeTables: ['triggers', 'executions'], sendsTo: [], stateMachineActions: [], stopsExecutions: false, publishesEvents: true },
  // Runs one execution per message: writes or claims it, runs its tasks, writes its logs, marks its
  // ledger slot; `stopAfter` may disable the trigger. A backfill's execution runs its pinned revision.
  worker: {
    readTables: ['flows', 'flowRevisions'],
    writeTables: ['triggers', 'executions', 'logs'],
    sendsTo: [],
    stateMachineActions: [],
    stopsExecutions: false,
    invokes: ['task-runner'],
    publishesEvents: true,
  },
  // Runs the flow authors' shell tasks for the worker, so that their code never runs beside the
  // worker's credentials: a task can read everything its runner holds, so the runner holds nothing
  // (its role may only write its own log group; no tracing, no environment of the service's but the
  // executions table's name). One narrow right more, for killing a running task: polling its
  // execution's kill flag, GetItem on the executions table limited by IAM conditions to the key and
  // that one attribute (KILL_FLAG_GRANT below; aborting the invocation is not documented to stop
  // the function, see the README).
  'task-runner': { readTables: [], writeTables: [], sendsTo: [], stateMachineActions: [], stopsExecutions: false },
  // The live schedule: creates the due executions (logging why when one is created FAILED), queues
  // them (live queue), advances each trigger's next date.
  tick: { readTables: ['flows'], writeTables: ['triggers', 'executions', 'logs'], sendsTo: ['live'], stateMachineActions: [], stopsExecutions: false },
  // The sweep: sends again what no worker will run any more (lost messages, dead workers), marks
  // ledger slots whose execution ended (sent again from the backfill's pinned flow revision), starts
  // the next generation of a backfill whose state machine execution died (recording it on the
  // trigger), and carries on a cancel left unfinished.
  sweep: {
    readTables: ['flows', 'flowRevisions'],
    writeTables: ['triggers', 'executions', 'logs'],
    sendsTo: ['backfill', 'live'],
    stateMachineActions: ['states:StartExecution'],
    stopsExecutions: false,
    describesExecutions: true,
    publishesEvents: true,
  },
  // The dead-letter queues' consumer: ends their executions FAILED with a log line, marks their slots.
  'dead-letter': { readTables: [], writeTables: ['executions', 'logs'], sendsTo: [], stateMachineActions: [], stopsExecutions: false },
  // Bulk operations (consumes the operations queue and its dead-letter queue through event sources):
  // pauses (triggers), resumes (SendTaskSuccess), deletes backfills (StopExecution, their ledger pages
  // in the executions table), cancels them (their executions killed as below), switches triggers, backfilling missed ticks on request (StartExecution);
  // kills, restarts and replays executions (a kill request, or the execution written KILLED with its
  // log line: a queued one from its backfill's pinned flow revision; a restarted or new execution, queued);
  // records each part's outcome.
  operations: {
    readTables: ['flows', 'flowRevisions'],
    writeTables: ['triggers', 'executions', 'logs', 'operations'],
    // Executions restarted or replayed in bulk (the live lane).
    sendsTo: ['live'],
    stateMachineActions: ['states:StartExecution', 'states:SendTaskSuccess'],
    stopsExecutions: true,
    publishesEvents: true,
  },
};

/**
 * The task runner's one right on the data: GetItem on the executions table, of the key and the kill
 * flag only. `dynamodb:LeadingKeys` cannot narrow it to the runner's own execution (one role serves
 * every invocation), so the conditions narrow what it reads instead: `dynamodb:Attributes` allows only
 * `id` and `killAt` in the request, and `dynamodb:Select` = SPECIFIC_ATTRIBUTES refuses a read without
 * a projection (which would return the whole item), AWS's documented pattern for attribute-level access.
 * With a task's stolen credentials one can read, for any execution id one knows, whether and when it
 * was asked to be killed: not its document, labels, inputs, logs, nor who asked (`killBy`).
 */
function killFlagGrant(executionsTableArn: string): PolicyStatement {
  return new PolicyStatement({
    actions: ['dynamodb:GetItem'],
    resources: [executionsTableArn],
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id', EXECUTION_KILL_FLAG] },
      StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    },
  });
}

/** The worker's Lambda timeout: long shell tasks need room (tasks default to TASK_DEFAULT_TIMEOUT_SECONDS). */
export const WORKER_TIMEOUT = Duration.minutes(15);
/** A claimed execution's lease outlives its worker's invocation, so only a dead worker's claim expires. */
export const WORKER_LEASE = WORKER_TIMEOUT.plus(Duration.seconds(60));
/** Default time limit of a shell task without its own `timeout`: leaves the worker room to record the outcome. */
export const TASK_DEFAULT_TIMEOUT = Duration.minutes(10);
/** The dispatch Lambda's timeout, the same as its Task state's TimeoutSeconds in the ASL. */
export const DISPATCH_TIMEOUT = Duration.minutes(5);
/**
 * How long one dispatch invocation runs batches (BACKFILL_DISPATCH_ROUND_SECONDS): a minute keeps a
 * backfill at two state transitions per minute of dispatching, and leaves the last batch of a round
 * four minutes before the timeout.
 */
export const DISPATCH_ROUND = Duration.minutes(1);
/** The operations function's timeout (lib/config.ts: the local default's stand-in uses the same). */
export const OPERATIONS_TIMEOUT = Duration.seconds(OPERATIONS_TIMEOUT_SECONDS);
/** The dead-letter consumer's timeout: a batch of ten takes a few writes each. */
export const DEAD_LETTER_TIMEOUT = Duration.seconds(60);
/** How often the sweep runs (its EventBridge rule). */
export const SWEEP_INTERVAL = Duration.minutes(5);
/**
 * How long an execution may wait before the sweep counts it as lost: longer than the worker's lease,
 * so a dead worker's execution is past its lease by then, and cheap to be wrong about (a duplicate
 * delivery runs nothing twice).
 */
const SWEEP_STALE = WORKER_LEASE.plus(Duration.minutes(15));

const SETTINGS: Record<FunctionModule, { description: string; timeout: Duration; memorySize?: number }> = {
  api: { description: 'Kestra-compatible HTTP API (flows, triggers, backfills, executions, logs)', timeout: Duration.seconds(29), memorySize: 1024 },
  dispatch: { description: 'Backfill state machine: dispatch a round of batches', timeout: DISPATCH_TIMEOUT, memorySize: LAMBDA_FOOTPRINT.memoryMb.dispatch },
  park: { description: 'Backfill state machine: park while paused (stores the task token)', timeout: Duration.seconds(30) },
  continue: { description: 'Backfill state machine: continue as a new execution', timeout: Duration.seconds(30) },
  fail: { description: 'Backfill state machine: end a backfill whose tasks kept failing FAILED', timeout: Duration.seconds(30) },
  worker: { description: 'Runs queued executions (SQS)', timeout: WORKER_TIMEOUT, memorySize: LAMBDA_FOOTPRINT.memoryMb.worker },
  // As long as the worker: a task's timeout is clamped to the worker's time left. As much memory (so
  // as much CPU) as tasks had when they ran in the worker.
  'task-runner': {
    description: "Runs the worker's shell tasks, away from its credentials",
    timeout: WORKER_TIMEOUT,
    memorySize: LAMBDA_FOOTPRINT.memoryMb.taskRunner,
  },
  tick: { description: 'Live schedule tick: runs due Schedule triggers', timeout: Duration.seconds(55), memorySize: 1024 },
  sweep: { description: 'Sends again the executions no worker will run any more', timeout: Duration.minutes(5), memorySize: 1024 },
  'dead-letter': { description: 'Ends the executions of dead-lettered messages FAILED', timeout: DEAD_LETTER_TIMEOUT },
  operations: { description: "Carries out Kestra 2.x's asynchronous bulk trigger actions (SQS)", timeout: OPERATIONS_TIMEOUT },
};

/** The memory a function module gets, in MB (the cost benchmark multiplies its measured durations by it). */
export function memorySizeOf(module: FunctionModule): number {
  return SETTINGS[module].memorySize ?? DEFAULT_MEMORY_SIZE;
}

/** The backfill state machine's ARN, from its fixed name: no reference to the state machine resource. */
function stateMachineArnFor(scope: Construct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** All executions of that state machine: what StopExecution acts on. */
function stateMachineExecutionsArnFor(scope: Construct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The CloudWatch namespace of the functions' metrics (Powertools Metrics, EMF). */
export const METRICS_NAMESPACE = 'KestraBackfills';

export interface BackfillFunctionsProps {
  tables: BackfillTables;
  /** POWERTOOLS_SERVICE_NAME: the `service` key of every log line and the `service` dimension of every metric. */
  serviceName: string;
  /** STALL_ALARM_SECONDS: how long without progress makes a backfill count as stalled (the sweep's StalledBackfills). */
  stallAlarmSeconds: number;
  /** The execution queue of each lane: backfilled and live executions travel apart. */
  queues: Record<ExecutionLane, IQueue>;
  /** The bulk operations' queue, and its dead-letter queue (whose records the operations function tells apart by ARN). */
  operationQueues: { queue: IQueue; deadLetterQueue: IQueue };
  stateMachineName: string;
  /** How the queues drive the worker: the API's dry run estimates a backfill's pace and cost from it. */
  worker: { batchSize: number; maxConcurrency: number };
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The Lambda functions, one per `functions/` module, each with the environment
 * `lib/config.ts` reads and the grants of FUNCTION_ACCESS, nothing more.
 */
export class BackfillFunctions extends Construct {
  readonly byModule: Record<FunctionModule, ServiceFunction>;
  /** The environment every function gets (names as `lib/config.ts` reads them). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: BackfillFunctionsProps) {
    super(scope, id);
    const stateMachineArn = stateMachineArnFor(this, props.stateMachineName);
    const names = props.tables.names;
    // The task runner first: the others' environment names it. It gets nothing of the service's
    // environment (queues, settings, other tables) but the executions table's name, and no tracing:
    // its role may write its logs and read kill flags, nothing else.
    const taskRunner = new ServiceFunction(this, pascal('task-runner'), {
      module: 'task-runner',
      ...SETTINGS['task-runner'],
      environment: { EXECUTIONS_TABLE: names.executions },
      tracing: false,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    taskRunner.role.addToPrincipalPolicy(killFlagGrant(props.tables.byName.executions.tableArn));
    // Every other function builds all its clients at start, so each gets the whole environment.
    this.environment = {
      FLOWS_TABLE: names.flows,
      FLOW_REVISIONS_TABLE: names.flowRevisions,
      TRIGGERS_TABLE: names.triggers,
      EXECUTIONS_TABLE: names.executions,
      LOGS_TABLE: names.logs,
      OPERATIONS_TABLE: names.operations,
      EXECUTION_QUEUE_URL: props.queues.backfill.queueUrl,
      LIVE_EXECUTION_QUEUE_URL: props.queues.live.queueUrl,
      OPERATION_QUEUE_URL: props.operationQueues.queue.queueUrl,
      OPERATION_DEAD_LETTER_QUEUE_ARN: props.operationQueues.deadLetterQueue.queueArn,
      BACKFILL_STATE_MACHINE_ARN: stateMachineArn,
      WORKER_LEASE_SECONDS: String(WORKER_LEASE.toSeconds()),
      WORKER_TIMEOUT_SECONDS: String(WORKER_TIMEOUT.toSeconds()),
      TASK_DEFAULT_TIMEOUT_SECONDS: String(TASK_DEFAULT_TIMEOUT.toSeconds()),
      BACKFILL_DISPATCH_ROUND_SECONDS: String(DISPATCH_ROUND.toSeconds()),
      SWEEP_INTERVAL_SECONDS: String(SWEEP_INTERVAL.toSeconds()),
      SWEEP_STALE_SECONDS: String(SWEEP_STALE.toSeconds()),
      STALL_ALARM_SECONDS: String(props.stallAlarmSeconds),
      WORKER_BATCH_SIZE: String(props.worker.batchSize),
      WORKER_MAX_CONCURRENCY: String(props.worker.maxConcurrency),
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      TASK_RUNNER_FUNCTION: taskRunner.function.functionName,
    };

    const byModule = { 'task-runner': taskRunner } as Record<FunctionModule, ServiceFunction>;
    for (const module of (Object.keys(FUNCTION_ACCESS) as FunctionModule[]).filter((m) => m !== 'task-runner')) {
      const fn = new ServiceFunction(this, pascal(module), {
        module,
        ...SETTINGS[module],
        environment: this.environment,
        logRetention: props.logRetention,
        logRemovalPolicy: props.logRemovalPolicy,
      });
      const access = FUNCTION_ACCESS[module];
      for (const table of access.readTables) props.tables.byName[table].grantReadData(fn.function);
      for (const table of access.writeTables) props.tables.byName[table].grantReadWriteData(fn.function);
      for (const table of access.appendTables ?? []) {
        props.tables.byName[table].grantReadData(fn.function);
        props.tables.byName[table].grant(fn.function, 'dynamodb:PutItem');
      }
      for (const lane of access.sendsTo) props.queues[lane].grantSendMessages(fn.function);
      if (access.queuesOperations) props.operationQueues.queue.grantSendMessages(fn.function);
      for (const target of access.invokes ?? []) {
        // The unqualified ARN only (grantInvoke would add `<arn>:*`, every version and alias).
        fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [byModule[target].function.functionArn] }));
      }
      if (access.publishesEvents) {
        const defaultBus = Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
        fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['events:PutEvents'], resources: [defaultBus] }));
      }
      if (access.stateMachineActions.length > 0) {
        fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: access.stateMachineActions, resources: [stateMachineArn] }));
      }
      const executionActions = [
        ...(access.stopsExecutions ? ['states:StopExecution'] : []),
        ...(access.describesExecutions ? ['states:DescribeExecution'] : []),
      ];
      if (executionActions.length > 0) {
        fn.role.addToPrincipalPolicy(
          new PolicyStatement({ actions: executionActions, resources: [stateMachineExecutionsArnFor(this, props.stateMachineName)] }),
        );
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${props.stateMachineName}:*]`,
          reason:
            `${executionActions.join(' and ')} act on backfill executions, whose names (flow, trigger, backfill id, generation) ` +
            "exist only at run time; the ARN is limited to the executions of this stack's backfill state machine.",
        });
      }
      for (const table of new Set([...access.readTables, ...access.writeTables, ...(access.appendTables ?? [])])) {
        const indexes = props.tables.definitions[table].indexes.map((index) => index.name);
        if (indexes.length === 0) continue;
        const logicalId = Stack.of(this).getLogicalId(props.tables.byName[table].node.defaultChild as CfnTable);
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
          reason:
            `Queries the ${table} table's global secondary indexes (${indexes.join(', ')}); the DynamoDB grant scopes ` +
            'them as <table ARN>/index/*, which covers only the indexes of that one table of this stack.',
        });
      }
      byModule[module] = fn;
    }
    this.byModule = byModule;
  }
}
