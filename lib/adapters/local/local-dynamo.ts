import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ConfigurationError } from '../../config';
import { withoutDiscardedLogging } from '../dynamodb/client';
import { writeItemsWithTheirIndexes } from './dynalite-atomic-writes';
import { closeDynaliteIterators } from './dynalite-iterator-fix';

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  close(): Promise<void>;
}

/**
 * DynamoDB's real protocol, served by dynalite on a loopback port: the same DynamoDB adapter code
 * runs here and on AWS. With `path` the data lives in LevelDB on disk.
 *
 * With `thread`, dynalite runs in a worker thread: its request parsing, LevelDB work and JSON
 * handling (tens of microseconds per item read) then use a core of their own instead of the event
 * loop that serves the API and runs the backfill, which is what kept reads slow while a backfill ran
 * on a two-core machine. The local default uses it; tests keep dynalite in-process (simpler to
 * inspect, and a test process runs many).
 */
export async function startLocalDynamo(path?: string, options: { thread?: boolean } = {}): Promise<LocalDynamo> {
  return options.thread ? startInThread(path) : startInProcess(path);
}

async function startInProcess(path: string | undefined): Promise<LocalDynamo> {
  // dynalite 4.0.0 leaks one LevelDB iterator per Query and Scan (memory and disk grow without end).
  closeDynaliteIterators();
  // dynalite 4.0.0 writes index entries and their item apart: a kill in between leaves orphans.
  writeItemsWithTheirIndexes();
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return withClient(port, () => new Promise<void>((resolve) => server.close(() => resolve())));
}

async function startInThread(path: string | undefined): Promise<LocalDynamo> {
  // A worker does not inherit the parent's module loader hooks, and Node 20 cannot run a .ts entry:
  // the entry registers tsx's loader in the thread first, then imports the TypeScript module.
  const entry = new URL('./dynalite-thread.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { path } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the dynalite thread exited with code ${code} before listening`)));
    worker.once('message', (message: { port?: number; error?: string }) =>
      message.port ? resolve(message.port) : reject(new Error(`dynalite did not start: ${message.error}`)),
    );
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', (error) => console.error('The dynalite thread failed:', error));
  return withClient(port, async () => {
    const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
    worker.postMessage('close');
    await closed;
    await worker.terminate();
  });
}

/**
 * A DynamoDB endpoint started by someone else (`DYNAMODB_ENDPOINT`: a dynalite or DynamoDB Local of
 * its own, or a fault-injecting proxy in front of one): the same client as over the embedded store,
 * and closing it leaves the endpoint running.
 */
export function connectDynamo(endpoint: string): LocalDynamo {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigurationError(`DYNAMODB_ENDPOINT must be a URL such as http://127.0.0.1:8000, got "${endpoint}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`DYNAMODB_ENDPOINT must be an http:// or https:// URL, got "${endpoint}"`);
  }
  return withClient(endpoint.replace(/\/+$/, ''), async () => undefined);
}

function withClient(portOrEndpoint: number | string, closeServer: () => Promise<void>): LocalDynamo {
  const endpoint = typeof portOrEndpoint === 'string' ? portOrEndpoint : `http://127.0.0.1:${portOrEndpoint}`;
  const client = withoutDiscardedLogging(
    new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
    }),
  );
  return {
    client,
    endpoint,
    close: async () => {
      client.destroy();
      await closeServer();
    },
  };
}
