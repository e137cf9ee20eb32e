import type { Server } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { handler as apiHandler } from '../../functions/api';
import { handler as continueHandler } from '../../functions/continue';
import { handler as dispatchHandler } from '../../functions/dispatch';
import { handler as parkHandler } from '../../functions/park';
import { handler as tickHandler } from '../../functions/tick';
import { handler as workerHandler } from '../../functions/worker';
import { rebuildOutdatedExecutions } from '../adapters/dynamodb/migrations';
import { ensureTables } from '../adapters/dynamodb/create-tables';
import { storesFor } from '../adapters/dynamodb/stores';
import { upsertFlow } from '../app/flows';
import { readSettings } from '../config';
import type { Clock } from '../ports';
import { type Services, configureServices } from '../services';
import { readBackfillDefinition } from '../workflow/definition';
import { type LocalDynamo, startLocalDynamo } from './dynamodb';
import { startHttpServer } from './http-server';
import { lockDataFolder } from './lock';
import { LocalExecutionQueue } from './queue';
import { LocalBackfillWorkflows } from './workflows';

export interface LocalOptions {
  /** Folder for the data (LevelDB); undefined keeps everything in memory (tests). */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Folder whose *.yml / *.yaml flows are loaded at start. */
  flowsDir?: string;
  /** Settings as environment variables (the same names the Lambdas read). */
  env?: NodeJS.ProcessEnv;
  workerConcurrency?: number;
  workerBatchSize?: number;
  /** Delay before a failed queue record is delivered again. */
  visibilityTimeoutMs?: number;
  clock?: Clock;
  /** Runs the live schedule (the tick function) every this many ms; off when undefined (tests drive time themselves). */
  liveTickMs?: number;
  log?: (message: string) => void;
}

export interface LocalRuntime {
  url: string;
  services: Services;
  queue: LocalExecutionQueue;
  workflows: LocalBackfillWorkflows;
  close(): Promise<void>;
}

/**
 * The embedded default in one process: dynalite for DynamoDB, the backfill ASL on
 * aws-local-stepfunctions, an in-process queue feeding the SQS worker handler, and an HTTP server
 * feeding the API handler. It is a composition root, like each Lambda: it wires the same
 * `functions/` handlers to local adapters.
 */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const lock = options.dataDir ? lockDataFolder(options.dataDir) : { release: () => undefined, previousRunCrashed: false };
  const unlock = lock.release;
  let dynamo: LocalDynamo | undefined;
  let server: Server | undefined;
  try {
    dynamo = await startLocalDynamo(options.dataDir ? join(options.dataDir, 'dynamodb') : undefined);
    const settings = readSettings(options.env ?? process.env);
    // Before ensureTables, which would otherwise create a fresh table beside an interrupted rebuild.
    const carried = await rebuildOutdatedExecutions(dynamo.client, settings.tables.executions);
    if (carried) log(`data folder from an older version: rebuilt the executions table with this version's indexes (${carried} executions)`);
    await ensureTables(dynamo.client, settings.tables);
    const queue = new LocalExecutionQueue({
      handler: workerHandler,
      concurrency: options.workerConcurrency ?? 8,
      batchSize: options.workerBatchSize ?? 4,
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? 2000,
      maxReceiveCount: 100,
    });
    const workflows = new LocalBackfillWorkflows(readBackfillDefinition(), {
      DispatchFunctionArn: dispatchHandler,
      ParkFunctionArn: parkHandler,
      ContinueFunctionArn: continueHandler,
    });
    const svc: Services = {
      settings,
      clock: options.clock ?? { now: () => new Date() },
      ...storesFor(dynamo.client, settings.tables),
      queue,
      workflows,
    };
    configureServices(svc);

    if (lock.previousRunCrashed) {
      const repaired = await svc.executions.repairUnfinishedIndex();
      log(`the previous run did not stop cleanly: re-indexed ${repaired} unfinished executions`);
    }
    if (options.flowsDir) await loadFlows(svc, options.flowsDir, log);
    await recover(svc, log);
    const http = await startHttpServer(apiHandler, options.host ?? '127.0.0.1', options.port);
    server = http.server;
    const ticker = options.liveTickMs ? startTicker(options.liveTickMs) : undefined;
    const openServer = server;
    const openDynamo = dynamo;
    return {
      url: http.url,
      services: svc,
      queue,
      workflows,
      close: async () => {
        await ticker?.stop();
        await new Promise<void>((resolve) => {
          openServer.close(() => resolve());
          openServer.closeAllConnections();
        });
        await workflows.stopAll();
        await queue.stop();
        configureServices(undefined);
        await openDynamo.close();
        unlock();
      },
    };
  } catch (error) {
    server?.close();
    await dynamo?.close();
    unlock();
    throw error;
  }
}

/**
 * The local stand-in for the EventBridge rule: calls the same tick handler on an interval, one call
 * at a time (a slow call delays the next instead of overlapping it).
 */
function startTicker(intervalMs: number): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = tickHandler()
      .then(() => undefined)
      .catch((error: unknown) => console.error('Live schedule tick failed', error))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  timer = setTimeout(loop, intervalMs);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Loads every flow YAML of the folder; a bad file is reported and skipped, the others still load. */
async function loadFlows(svc: Services, folder: string, log: (message: string) => void): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    try {
      const { flow, action } = await upsertFlow(svc, await readFile(join(folder, name), 'utf8'));
      log(`flow ${flow.namespace}.${flow.id} (${join(folder, name)}): ${action}`);
    } catch (error) {
      log(`flow file ${join(folder, name)} skipped: ${(error as Error).message}`);
    }
  }
}

/**
 * After a restart (or a crash), nothing in memory survived: queue every unfinished execution again
 * (the worker's claim makes duplicates harmless) and restart the state machine of every backfill,
 * which carries on from the cursor stored with the trigger.
 */
async function recover(svc: Services, log: (message: string) => void): Promise<void> {
  const unfinished = await svc.executions.listUnfinished();
  if (unfinished.length) {
    // We hold the data folder's lock, so whoever was running these is dead: take them over now
    // rather than when their leases expire.
    await svc.executions.expireLeases(unfinished.map((u) => u.executionId));
    for (const lane of ['live', 'backfill'] as const) {
      await svc.queue.send(unfinished.filter((u) => u.lane === lane).map(({ executionId }) => ({ executionId })), lane);
    }
    log(`re-queued ${unfinished.length} unfinished executions`);
  }
  for (const state of await svc.triggers.listWithBackfill()) {
    const backfill = state.backfill;
    if (!backfill) continue;
    await svc.workflows.start(backfill.executionName, {
      backfill: { namespace: state.namespace, flowId: state.flowId, triggerId: state.triggerId, id: backfill.id },
      generation: backfill.generation,
      iteration: 0,
    });
    log(`resumed backfill ${backfill.id} of ${state.namespace}.${state.flowId}.${state.triggerId}`);
  }
}
