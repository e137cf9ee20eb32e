import { DescribeExecutionCommand, ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { SfnBackfillWorkflows } from '../../../lib/adapters/aws/sfn-workflows';
import { aRunInput } from '../../support/factories';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:KestraBackfills-dev';

/** An SFN client that records the commands it is sent and answers each with `answer` (or throws what it returns as an Error). */
function fakeClient(answer: (command: unknown) => unknown) {
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      const result = answer(command);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as SFNClient;
  return { client, sent };
}

const named = (name: string) => Object.assign(new Error(name), { name });

describe('SfnBackfillWorkflows', () => {
  describe('start', () => {
    it('answers true once StartExecution accepted the name', async () => {
      const { client, sent } = fakeClient(() => ({ executionArn: 'arn' }));

      expect(await new SfnBackfillWorkflows(client, STATE_MACHINE).start('run-g1', aRunInput({ generation: 1 }))).toBe(true);
      expect(sent[0]).toBeInstanceOf(StartExecutionCommand);
      expect((sent[0] as StartExecutionCommand).input).toEqual({
        stateMachineArn: STATE_MACHINE,
        name: 'run-g1',
        input: JSON.stringify(aRunInput({ generation: 1 })),
      });
    });

    it('answers false on ExecutionAlreadyExists: that name ran, or runs with another input', async () => {
      const { client } = fakeClient(() => new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

      expect(await new SfnBackfillWorkflows(client, STATE_MACHINE).start('run-g1', aRunInput())).toBe(false);
    });
  });

  describe('status', () => {
    it('describes the execution of that name on this state machine', async () => {
      const { client, sent } = fakeClient(() => ({ status: 'FAILED' }));

      expect(await new SfnBackfillWorkflows(client, STATE_MACHINE).status('run-g1')).toBe('FAILED');
      expect(sent[0]).toBeInstanceOf(DescribeExecutionCommand);
      expect((sent[0] as DescribeExecutionCommand).input).toEqual({
        executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:KestraBackfills-dev:run-g1',
      });
    });

    it('counts a redrive about to run (PENDING_REDRIVE) as RUNNING', async () => {
      const { client } = fakeClient(() => ({ status: 'PENDING_REDRIVE' }));

      expect(await new SfnBackfillWorkflows(client, STATE_MACHINE).status('run-g1')).toBe('RUNNING');
    });

    it('answers undefined for a name that never ran, and rethrows anything else', async () => {
      expect(await new SfnBackfillWorkflows(fakeClient(() => named('ExecutionDoesNotExist')).client, STATE_MACHINE).status('x')).toBeUndefined();
      await expect(new SfnBackfillWorkflows(fakeClient(() => named('AccessDeniedException')).client, STATE_MACHINE).status('x')).rejects.toThrow(
        'AccessDeniedException',
      );
    });
  });
});
