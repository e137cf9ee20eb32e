import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { KillFlags } from '../../ports';
import { executionKey } from './execution-item';
import { EXECUTION_KILL_FLAG } from './tables';

/**
 * An execution's kill flag, read alone: GetItem with a projection of the flag, the one read the task
 * runner's role allows (IAM conditions `dynamodb:Attributes` and `dynamodb:Select`, see
 * cdk/constructs/backfill-functions.ts). Eventually consistent (half the price of a strong read): a
 * kill seen a poll later is fine.
 */
export class DynamoKillFlags implements KillFlags {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly table: string,
  ) {}

  async isKilled(executionId: string): Promise<boolean> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: executionKey(executionId), ProjectionExpression: EXECUTION_KILL_FLAG }),
    );
    return out.Item?.[EXECUTION_KILL_FLAG] !== undefined;
  }
}
