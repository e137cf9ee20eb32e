import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type BackfillTaskPlaceholder, readBackfillDefinition } from '../../lib/workflow/definition';

export interface BackfillWorkflowProps {
  /**
   * A fixed name: the functions the state machine invokes find it by an ARN built from this name
   * (see `stateMachineArnFor`), which breaks the reference cycle functions ↔ state machine.
   */
  stateMachineName: string;
  /** The function behind each `${…FunctionArn}` placeholder of the ASL. */
  taskFunctions: Record<BackfillTaskPlaceholder, IFunction>;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The backfill state machine (Standard), from the one ASL file in `lib/workflow/` that the local
 * default also runs: its `${…FunctionArn}` placeholders become the task functions' ARNs through
 * definitionSubstitutions. Logs every event with execution data, and traces with X-Ray.
 *
 * The definition is inlined (DefinitionBody.fromString of that file) rather than `fromFile`, which
 * would upload it as an S3 asset: inline, the template itself carries the workflow, and a deploy
 * needs no asset bucket round trip for it.
 */
export class BackfillWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BackfillWorkflowProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch's log resource policy small (AWS guidance for Step Functions).
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const functions = Object.values(props.taskFunctions);
    const substitutions = Object.fromEntries(Object.entries(props.taskFunctions).map(([placeholder, fn]) => [placeholder, fn.functionArn]));
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      comment: 'One execution per backfill: dispatches its ticks in batches, parks while paused.',
      definitionBody: DefinitionBody.fromString(readBackfillDefinition()),
      definitionSubstitutions: substitutions,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // The ASL invokes the unqualified function ARNs: exactly these, no version or alias wildcard.
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functions.map((fn) => fn.functionArn) }));
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Logging to CloudWatch (logs:CreateLogDelivery and the other log-delivery actions) and X-Ray tracing ' +
        '(xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no resource-level ' +
        'permissions; test/cdk/iam.test.ts checks that "*" carries only these actions.',
    });
  }
}
