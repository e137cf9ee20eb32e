import { resolve } from 'node:path';
import { ConfigurationError } from '../lib/config';
import { DataFolderLockedError } from '../lib/adapters/local/data-folder-lock';
import { startLocal } from './runtime';

/** `npm start`: the embedded default on http://localhost:8080. */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const rawPort = process.env.PORT ?? '8080';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`PORT must be a port number, got "${rawPort}"`);
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const flowsDir = resolve(process.env.FLOWS_DIR ?? 'flows');
  const host = process.env.HOST ?? '127.0.0.1';
  const log = (message: string) => console.log(`[local] ${message}`);
  // The local ticker runs every second, so a tick more than a few seconds late was missed.
  process.env.LIVE_ON_TIME_SECONDS ??= '5';
  const runtime = await startLocal({
    dataDir,
    dynaliteThread: true,
    // Set: DynamoDB is whatever answers there (a dynalite or DynamoDB Local started separately) and no embedded store starts.
    dynamoEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
    flowsDir,
    host,
    port,
    workerConcurrency: workerConcurrency(process.env.WORKER_CONCURRENCY),
    // Opt-in locally, as Airflow pauses new DAGs at creation: the embedded default is where people
    // try flows and backfills, and a per-minute cron firing on its own there surprises more than it
    // helps (it also makes exact execution counts drift while you watch a backfill). On AWS the tick
    // rule always runs. `npm run start:live` turns it on.
    liveTickMs: process.env.LIVE_SCHEDULE === 'on' ? 1000 : undefined,
    log,
  });
  log(
    process.env.DYNAMODB_ENDPOINT
      ? `DynamoDB at ${process.env.DYNAMODB_ENDPOINT}; lock in ${dataDir}; flows from ${flowsDir}`
      : `data in ${dataDir}; flows from ${flowsDir}`,
  );
  log(process.env.LIVE_SCHEDULE === 'on' ? 'live schedule: on (every second)' : 'live schedule: off (LIVE_SCHEDULE=on to run Schedule triggers live)');
  log(`API on ${runtime.url.replace('127.0.0.1', 'localhost')}/api/v1 — try the seed's curl call (see README)`);
  log(`web UI on ${runtime.url.replace('127.0.0.1', 'localhost')}/ui`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log(`${signal}: shutting down`);
    runtime.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Unset: the default. A value that is not a positive integer would leave the queue running nothing (NaN slots): refused. */
function workerConcurrency(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigurationError(`WORKER_CONCURRENCY must be a positive integer, got "${raw}"`);
  return value;
}

main().catch((error: unknown) => {
  if (error instanceof DataFolderLockedError || error instanceof ConfigurationError) {
    console.error(`Cannot start: ${error.message}`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`Cannot start: port ${process.env.PORT ?? '8080'} is already in use (set PORT=… to use another).`);
  } else {
    console.error('Cannot start:', error);
  }
  process.exit(1);
});
