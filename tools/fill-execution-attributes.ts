/**
 * The one-off rewrite of a deployed executions table after an index change (docs/tables.md,
 * Upgrading): brings every execution item's derived attributes to what this version writes (since
 * the search index searchByFlowV2: `triggerId`, `endMs`), in place, while the service runs, never
 * overwriting a write of the service (lib/adapters/dynamodb/fill-derived-attributes.ts). Resumable:
 * its progress is saved after every page to `--progress` (by default `fill-<table>.json` here), and
 * a run that finds that file goes on from it.
 *
 *   npm run fill:executions -- --table <executions table> [--segments 4] [--progress file] [--region eu-west-1] [--endpoint url]
 *
 * Credentials and region come from the usual AWS SDK sources (environment, profile, role).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type FillProgress, fillDerivedAttributes } from '../lib/adapters/dynamodb/fill-derived-attributes';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    segments: { type: 'string', default: '4' },
    progress: { type: 'string' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
  },
});
const table = values.table;
const segments = Number(values.segments);
if (!table || !Number.isInteger(segments) || segments < 1 || segments > 1_000) {
  console.error('usage: npm run fill:executions -- --table <executions table> [--segments 1-1000] [--progress file] [--region r] [--endpoint url]');
  process.exit(2);
}
const progressFile = values.progress ?? `fill-${table}.json`;
const resume = existsSync(progressFile) ? (JSON.parse(readFileSync(progressFile, 'utf8')) as FillProgress) : undefined;
if (resume) console.log(`going on from ${progressFile}: ${resume.counts.scanned} items scanned so far`);

const client = new DynamoDBClient({ region: values.region, endpoint: values.endpoint });
const done = await fillDerivedAttributes(client, table, {
  segments,
  resume,
  onProgress: (progress) => {
    // Written whole or not at all: a run killed mid-write leaves the previous progress.
    writeFileSync(`${progressFile}.tmp`, JSON.stringify(progress));
    renameSync(`${progressFile}.tmp`, progressFile);
  },
});
console.log(`${table}: ${done.counts.scanned} items scanned, ${done.counts.filled} filled, ${done.counts.contended} changing on every try`);
if (done.counts.contended) console.log(`delete ${progressFile} and run again to fill those (a run reads the whole table again)`);
