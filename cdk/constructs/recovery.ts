import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface RecoveryProps {
  /** The sweep function (functions/sweep.ts) and how often it runs. */
  sweep: IFunction;
  sweepInterval: Duration;
  /** The dead-letter consumer (functions/dead-letter.ts) and the dead-letter queues it drains. */
  deadLetter: IFunction;
  deadLetterQueues: IQueue[];
}

/**
 * What keeps an execution from staying unfinished forever, the same functions the local default runs
 * on its timer and its queue's dead-letter list: the sweep on a schedule (lost messages, dead
 * workers), and a consumer on each dead-letter queue (executions that can never run end FAILED).
 */
export class Recovery extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: RecoveryProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Sweep', {
      description: 'Sends again the executions no worker will run any more (functions/sweep.ts)',
      schedule: Schedule.rate(props.sweepInterval),
      // A missed sweep is made up by the next one.
      targets: [new LambdaFunction(props.sweep, { retryAttempts: 1, maxEventAge: props.sweepInterval })],
    });
    for (const queue of props.deadLetterQueues) {
      props.deadLetter.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true, maxBatchingWindow: Duration.seconds(5) }));
    }
  }
}
