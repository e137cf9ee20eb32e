/**
 * Deployment settings, read once from CDK context (`-c key=value` on the command line, or `context`
 * in cdk.json). Constructs get them as props and never read context themselves.
 */
import { AWS_WORKER_DEFAULTS } from '../lib/config';

export type ApiAuth = { kind: 'iam' } | { kind: 'jwt'; issuer: string; audience: string[] };

/** The web UI on AWS: Cognito sign-in for browsers (the default), or no `/ui` routes at all. */
export type WebUi = { kind: 'cognito'; domainPrefix?: string } | { kind: 'off' };

export interface WorkerSettings {
  /** Messages per worker invocation (SQS allows 1–10 without a batching window, up to 10,000 with one). */
  batchSize: number;
  /** Seconds Lambda waits to fill a batch (0–300); 0 hands over each message as soon as it is polled. */
  batchingWindowSeconds: number;
  /** Concurrent worker invocations the queue may drive (2–1000). */
  maxConcurrency: number;
}

export interface DeployConfig {
  /** `dev` tears everything down with the stack; any other stage keeps tables and logs and protects tables. */
  stage: string;
  auth: ApiAuth;
  webUi: WebUi;
  worker: WorkerSettings;
  /** Subscribed by email to the alarms topic when set. */
  alarmEmail?: string;
  /** A backfill that made no progress for this long raises the stalled-backfill alarm (STALL_ALARM_SECONDS). */
  stallAlarmSeconds: number;
}

const DEFAULT_STAGE = 'dev';
/** An hour: longer than a batch's executions take on the default worker settings, queueing included. */
export const DEFAULT_STALL_ALARM_SECONDS = 3600;
export const DEFAULT_WORKER: WorkerSettings = { ...AWS_WORKER_DEFAULTS, batchingWindowSeconds: 0 };

/** The context keys this app reads, with the meaning of each (the deploy guide lists them too). */
const CONTEXT_KEYS = {
  stage: 'stage',
  auth: 'auth',
  jwtIssuer: 'jwtIssuer',
  jwtAudience: 'jwtAudience',
  webUi: 'webUi',
  webDomainPrefix: 'webDomainPrefix',
  alarmEmail: 'alarmEmail',
  workerBatchSize: 'workerBatchSize',
  workerBatchingWindowSeconds: 'workerBatchingWindowSeconds',
  workerMaxConcurrency: 'workerMaxConcurrency',
  stallAlarmSeconds: 'stallAlarmSeconds',
} as const;

export class DeployConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployConfigError';
  }
}

type ContextReader = (key: string) => unknown;

/** Values from `-c` arrive as strings, values from cdk.json as JSON; both are accepted. */
function text(read: ContextReader, key: string): string | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new DeployConfigError(`context ${key} must be a string, got ${JSON.stringify(value)}`);
  }
  return String(value).trim();
}

function integer(read: ContextReader, key: string, fallback: number, min: number, max: number): number {
  const raw = text(read, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DeployConfigError(`context ${key} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function readAuth(read: ContextReader): ApiAuth {
  const kind = (text(read, CONTEXT_KEYS.auth) ?? 'iam').toLowerCase();
  if (kind === 'iam') return { kind: 'iam' };
  if (kind !== 'jwt') throw new DeployConfigError(`context auth must be "iam" or "jwt", got "${kind}"`);
  const issuer = text(read, CONTEXT_KEYS.jwtIssuer);
  const audience = (text(read, CONTEXT_KEYS.jwtAudience) ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!issuer?.startsWith('https://')) {
    throw new DeployConfigError('context auth=jwt needs jwtIssuer, the https:// URL of the token issuer');
  }
  if (audience.length === 0) {
    throw new DeployConfigError('context auth=jwt needs jwtAudience, one or more comma-separated audiences (client ids)');
  }
  return { kind: 'jwt', issuer, audience };
}

function readWebUi(read: ContextReader): WebUi {
  const kind = (text(read, CONTEXT_KEYS.webUi) ?? 'cognito').toLowerCase();
  if (kind === 'off') return { kind: 'off' };
  if (kind !== 'cognito') throw new DeployConfigError(`context webUi must be "cognito" or "off", got "${kind}"`);
  const domainPrefix = text(read, CONTEXT_KEYS.webDomainPrefix);
  // Cognito's rule for domain prefixes; it also refuses the words aws, amazon and cognito.
  if (domainPrefix !== undefined && (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix) || /aws|amazon|cognito/.test(domainPrefix))) {
    throw new DeployConfigError(
      `context webDomainPrefix must be lowercase letters, digits and dashes (at most 63, without aws, amazon or cognito), got "${domainPrefix}"`,
    );
  }
  return { kind: 'cognito', ...(domainPrefix ? { domainPrefix } : {}) };
}

function readWorker(read: ContextReader): WorkerSettings {
  const batchingWindowSeconds = integer(read, CONTEXT_KEYS.workerBatchingWindowSeconds, DEFAULT_WORKER.batchingWindowSeconds, 0, 300);
  // SQS event sources take at most 10 messages a batch unless a batching window is set.
  const maxBatch = batchingWindowSeconds > 0 ? 10_000 : 10;
  return {
    batchSize: integer(read, CONTEXT_KEYS.workerBatchSize, DEFAULT_WORKER.batchSize, 1, maxBatch),
    batchingWindowSeconds,
    maxConcurrency: integer(read, CONTEXT_KEYS.workerMaxConcurrency, DEFAULT_WORKER.maxConcurrency, 2, 1000),
  };
}

export function readDeployConfig(read: ContextReader): DeployConfig {
  const stage = text(read, CONTEXT_KEYS.stage) ?? DEFAULT_STAGE;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new DeployConfigError(`context stage must be lowercase letters, digits and dashes (at most 20), got "${stage}"`);
  }
  const alarmEmail = text(read, CONTEXT_KEYS.alarmEmail);
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new DeployConfigError(`context alarmEmail must be an email address, got "${alarmEmail}"`);
  }
  // At least two sweep intervals (the sweep measures it), at most a week.
  const stallAlarmSeconds = integer(read, CONTEXT_KEYS.stallAlarmSeconds, DEFAULT_STALL_ALARM_SECONDS, 600, 7 * 24 * 3600);
  return { stage, auth: readAuth(read), webUi: readWebUi(read), worker: readWorker(read), stallAlarmSeconds, ...(alarmEmail ? { alarmEmail } : {}) };
}

export function isDevStage(config: DeployConfig): boolean {
  return config.stage === DEFAULT_STAGE;
}
