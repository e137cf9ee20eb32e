/**
 * Where a backfill's state machine execution lives on AWS: its ARN, derived from the state
 * machine's ARN and the execution's name, and its page in the Step Functions console, so a person
 * looking at a backfill in the API or the UI can open the execution's graph and history in one click.
 */
export interface ExecutionLinks {
  stateMachineExecutionArn: string;
  /** Absent in partitions whose console address we do not know. */
  stateMachineConsoleUrl?: string;
}

const CONSOLE_DOMAINS: Record<string, string> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

const STATE_MACHINE_ARN = /^arn:([\w-]+):states:([\w-]+):(\d{12}):stateMachine:([\w-]+)$/;

export function executionLinks(stateMachineArn: string | undefined, executionName: string | undefined): ExecutionLinks | undefined {
  const match = stateMachineArn && executionName ? STATE_MACHINE_ARN.exec(stateMachineArn) : null;
  if (!match) return undefined;
  const [, partition, region, account, machine] = match;
  const stateMachineExecutionArn = `arn:${partition}:states:${region}:${account}:execution:${machine}:${executionName}`;
  const domain = CONSOLE_DOMAINS[partition!]; // every group of the pattern is mandatory, so a match sets it
  return {
    stateMachineExecutionArn,
    ...(domain
      ? { stateMachineConsoleUrl: `https://${region}.${domain}/states/home?region=${region}#/v2/executions/details/${stateMachineExecutionArn}` }
      : {}),
  };
}
