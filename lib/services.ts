import type { Settings } from './config';
import type {
  BackfillWorkflows,
  Clock,
  ExecutionQueue,
  ExecutionStore,
  FlowStore,
  LogStore,
  TriggerStore,
} from './ports';

/** Everything a handler needs, wired once per process (per warm Lambda container, or once locally). */
export interface Services {
  settings: Settings;
  clock: Clock;
  flows: FlowStore;
  triggers: TriggerStore;
  executions: ExecutionStore;
  logs: LogStore;
  queue: ExecutionQueue;
  workflows: BackfillWorkflows;
}

let configured: Services | undefined;
let building: Promise<Services> | undefined;

/** The local default (and tests) install their own wiring before any handler runs. */
export function configureServices(services: Services | undefined): void {
  configured = services;
  building = undefined;
}

/** The wiring handlers use: the configured one, else AWS adapters built from the environment. */
export async function services(): Promise<Services> {
  if (configured) return configured;
  // Imported lazily so the local default never builds AWS clients it does not use.
  building ??= import('./adapters/aws/services').then(({ awsServices }) => (configured = awsServices()));
  return building;
}
