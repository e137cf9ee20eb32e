import { ExecutionAlreadyExists, SendTaskSuccessCommand, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { BackfillRunInput, BackfillWorkflows } from '../../ports';

/** Backfill state machine executions on AWS Step Functions. */
export class SfnBackfillWorkflows implements BackfillWorkflows {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: BackfillRunInput): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
    } catch (error) {
      // Same name, same input while open is already idempotent on AWS; a closed one with that name means it ran.
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }

  async stop(name: string): Promise<void> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    try {
      await this.client.send(new StopExecutionCommand({ executionArn, cause: 'backfill deleted' }));
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
}
