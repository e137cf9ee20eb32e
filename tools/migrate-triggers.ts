/**
 * The one-off move of a deployed triggers table to rows per backfill (docs/tables.md, Upgrading):
 * each trigger's active backfill and last ended one, kept on the trigger's row by versions with one
 * backfill per trigger, move to rows of their own (lib/adapters/dynamodb/migrations.ts,
 * moveBackfillsToOwnRows). Idempotent: run it again after an interruption. Pause running backfills
 * before deploying this version, run this, then unpause them.
 *
 *   npm run migrate:triggers -- --table <triggers table> [--region eu-west-1] [--endpoint url]
 *
 * Credentials and region come from the usual AWS SDK sources (environment, profile, role).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { moveBackfillsToOwnRows } from '../lib/adapters/dynamodb/migrations';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
  },
});
const table = values.table;
if (!table) {
  console.error('usage: npm run migrate:triggers -- --table <triggers table> [--region r] [--endpoint url]');
  process.exit(2);
}

const client = new DynamoDBClient({ region: values.region, endpoint: values.endpoint });
const moved = await moveBackfillsToOwnRows(client, table);
console.log(`${table}: moved ${moved} backfills to rows of their own`);
