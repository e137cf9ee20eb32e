import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface LiveScheduleProps {
  tick: IFunction;
}

/**
 * The live schedule: an EventBridge rule calls the tick function every minute; the tick runs the
 * Schedule triggers that are due. A failed tick is retried at most twice, within two minutes: after
 * that the next scheduled tick has taken over.
 */
export class LiveSchedule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: LiveScheduleProps) {
    super(scope, id);
    this.rule = new Rule(this, 'EveryMinute', {
      description: 'Runs due Schedule triggers (the live schedule tick)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(props.tick, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });
  }
}
