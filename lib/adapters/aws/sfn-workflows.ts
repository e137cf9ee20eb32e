import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { BackfillRunInput, BackfillWorkflows, WorkflowStatus } from '../../ports';

/** Backfill state machine executions on AWS Step Functions. */
export class SfnBackfillWorkflows implements BackfillWorkflows {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: BackfillRunInput): Promise<boolean> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
      return true;
    } catch (error) {
      // Same name, same input while open is already idempotent on AWS; a closed one with that name
      // (or an open one with another input) answers ExecutionAlreadyExists: it ran, or runs.
      if (error instanceof ExecutionAlreadyExists) return false;
      throw error;
    }
  }

  async status(name: string): Promise<WorkflowStatus | undefined> {
    try {
      const { status } = await this.client.send(new DescribeExecutionCommand({ executionArn: this.executionArn(name) }));
      // Redriven and about to run again: as good as running.
      return status === 'PENDING_REDRIVE' ? 'RUNNING' : (status as WorkflowStatus | undefined);
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }

  async stop(name: string): Promise<void> {
    try {
      await this.client.send(new StopExecutionCommand({ executionArn: this.executionArn(name), cause: 'backfill deleted' }));
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return;
      throw error;
    }
  }

  async resume(taskToken: string, output: unknown): Promise<void> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? {}) }));
    } catch (error) {
      // A token already used, or of an execution that ended (deleted, stopped): nothing is parked on it any more.
      if (['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes((error as { name?: string }).name ?? '')) return;
      throw error;
    }
  }

  private executionArn(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }
}
