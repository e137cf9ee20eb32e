import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface BackfillAlarmsProps {
  /** Dead-letter queues by name: a message there is an execution that never ran. */
  deadLetterQueues: Record<string, IQueue>;
  /** The operations' dead-letter queue: a message there is a part of a bulk action that could not be applied. */
  operationDeadLetterQueue: IQueue;
  /** Every Lambda function by name: an error is a crash, not a failed task (the worker records those). */
  functions: Record<string, IFunction>;
  stateMachine: StateMachine;
  api: HttpApi;
  /** Where the sweep's `StalledBackfills` metric is (Powertools Metrics: namespace and `service` dimension), and the stall time it counts with. */
  stalledBackfills: { namespace: string; service: string; stallAlarmSeconds: number };
  /** Subscribed to the topic by email when given. */
  email?: string;
}

/** Every alarm looks at five-minute periods and fires on the first one that breaches. */
const PERIOD = Duration.minutes(5);

/**
 * What an operator must hear about, on one SNS topic: executions stuck in a dead-letter queue,
 * crashed functions, failed or timed-out state machine executions, backfills that made no progress
 * for STALL_ALARM_SECONDS, and the API's 5xx answers.
 * Task failures are not alarms: they are the flow's business, recorded on the execution.
 */
export class BackfillAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: BackfillAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'Kestra backfills alarms', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.add(
        `${name}DeadLetters`,
        queue.metricNumberOfMessagesReceived({ period: PERIOD, statistic: 'Sum' }),
        `Messages reached the ${name} dead-letter queue: executions that failed to run on every delivery, ended FAILED by the dead-letter consumer (see docs/deploy.md).`,
      );
    }
    this.add(
      'OperationDeadLetters',
      props.operationDeadLetterQueue.metricNumberOfMessagesReceived({ period: PERIOD, statistic: 'Sum' }),
      'Parts of bulk trigger actions reached the operations dead-letter queue: every delivery failed, and the operations ' +
        'function recorded their triggers failed on the operation (GET /api/v1/main/operations/{id} lists them; see docs/deploy.md).',
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), `The ${name} function failed (an error or a timeout).`);
    }
    this.add(
      'BackfillExecutionsFailed',
      props.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }),
      'A backfill state machine execution failed: its backfill stopped dispatching.',
    );
    this.add(
      'BackfillExecutionsTimedOut',
      props.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
      'A backfill state machine execution timed out.',
    );
    // The sweep emits it every run (every 5 minutes), zeros included: the maximum of a period is the
    // number of backfills whose oldest open ledger page was older than the stall time at the last sweep.
    const { namespace, service, stallAlarmSeconds } = props.stalledBackfills;
    this.add(
      'StalledBackfills',
      new Metric({ namespace, metricName: 'StalledBackfills', dimensionsMap: { service }, period: PERIOD, statistic: 'Maximum' }),
      `A backfill made no progress for ${stallAlarmSeconds} s (STALL_ALARM_SECONDS): its oldest batch still has executions ` +
        'that did not end, or nothing dispatches. The sweep logs its backfillId (WARN "Backfill made no progress"); see docs/deploy.md.',
    );
    this.add('ApiServerErrors', props.api.metricServerError({ period: PERIOD, statistic: 'Sum' }), 'The API answered 5xx.');
  }

  private add(id: string, metric: IMetric, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      alarmDescription: description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data (no traffic, an empty queue) is nothing to report.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
