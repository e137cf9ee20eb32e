import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withoutDiscardedLogging } from '../../../lib/adapters/dynamodb/client';

describe('withoutDiscardedLogging', () => {
  it("takes off the SDK's logger middleware, which a client without a logger has (an SDK that renames it fails here)", () => {
    const loggers = (client: DynamoDBClient) => client.middlewareStack.identify().filter((name) => name.startsWith('loggerMiddleware'));
    const client = new DynamoDBClient({ region: 'local' });
    expect(loggers(client)).toHaveLength(1);
    expect(loggers(withoutDiscardedLogging(client))).toEqual([]);
  });
});
