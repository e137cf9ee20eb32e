/**
 * Test data with sensible defaults; each factory takes overrides for what a test cares about, so
 * a test states only what matters to it.
 */
import type { APIGatewayProxyEventV2, SQSEvent, SQSRecord } from 'aws-lambda';
import { type BackfillRequest, DEFAULT_BACKFILL_OPTIONS } from '../../lib/domain/backfill';
import { type Execution, type ExecutionState, type StateType, TERMINAL_STATES, newState, transition } from '../../lib/domain/execution';
import { type Flow, LOG_TYPE, type Label, SCHEDULE_TYPE, type ScheduleTrigger } from '../../lib/domain/flow/model';
import type { BackfillState, TriggerState } from '../../lib/domain/trigger-state';
import { type Settings, readSettings } from '../../lib/config';
import type { BackfillRunInput, LogEntry, StoredExecution } from '../../lib/ports';
import type { BackfillProgress } from '../../lib/app/trigger-view';

/** Settings as the product defaults them, with any section overridden in part. */
/** An INFO line of execution `e1` of `dev.reports`, saying `message`. */
export function aLogEntry(message: string): LogEntry {
  return { namespace: 'dev', flowId: 'reports', executionId: 'e1', timestamp: '2026-03-01T12:00:00.000Z', level: 'INFO', message };
}

export function aSettings(overrides: { [K in keyof Settings]?: Partial<Settings[K]> } = {}): Settings {
  const defaults = readSettings({});
  const merged = { ...defaults } as Record<string, unknown>;
  for (const [section, value] of Object.entries(overrides)) {
    const base = defaults[section as keyof Settings];
    merged[section] = typeof base === 'object' && base !== null && typeof value === 'object' ? { ...base, ...value } : value;
  }
  return merged as unknown as Settings;
}

/** An hourly UTC Schedule trigger, id `hourly`. */
export function aScheduleTrigger(overrides: Partial<ScheduleTrigger> = {}): ScheduleTrigger {
  return {
    id: 'hourly',
    type: SCHEDULE_TYPE,
    cron: '0 * * * *',
    withSeconds: false,
    timezone: 'UTC',
    inputs: {},
    labels: [],
    disabled: false,
    ...overrides,
  };
}

/** Flow `dev.reports` (revision 1): one Log task, one hourly trigger. */
export function aFlow(overrides: Partial<Flow> = {}): Flow {
  const flow: Flow = {
    id: 'reports',
    namespace: 'dev',
    revision: 1,
    disabled: false,
    inputs: [],
    labels: [],
    tasks: [{ id: 'hello', type: LOG_TYPE, message: 'Hello {{ trigger.date }}', level: 'INFO' }],
    triggers: [aScheduleTrigger()],
    source: '',
    ...overrides,
  };
  return { ...flow, source: overrides.source ?? `id: ${flow.id}\nnamespace: ${flow.namespace}\n# revision ${flow.revision}\n` };
}

/** The trigger row of `dev.reports.hourly`: enabled, next tick 2026-03-01T13:00Z, no backfill. */
export function aTriggerState(overrides: Partial<TriggerState> = {}): TriggerState {
  return {
    namespace: 'dev',
    flowId: 'reports',
    triggerId: 'hourly',
    nextExecutionDate: '2026-03-01T13:00:00Z',
    disabled: false,
    updatedDate: '2026-03-01T12:00:00.000Z',
    ...overrides,
    // One backfill given as `backfill` is the trigger's only one.
    backfills: overrides.backfills ?? (overrides.backfill ? [overrides.backfill] : []),
  };
}

/** A fresh backfill of the ten hourly ticks 2026-02-01T00:00Z … 09:00Z, nothing dispatched yet (its cursor where its `order` starts). */
export function aBackfill(overrides: Partial<BackfillState> = {}): BackfillState {
  const start = overrides.start ?? '2026-02-01T00:00:00Z';
  const end = overrides.end ?? '2026-02-01T09:00:00Z';
  const from = overrides.order === 'NEWEST_FIRST' ? end : start;
  return {
    id: 'bf1',
    start,
    end,
    cursorMs: Date.parse(from),
    currentDate: from,
    paused: false,
    inputs: null,
    labels: [],
    previousNextExecutionDate: '2026-03-01T13:00:00Z',
    totalTicks: 10,
    dispatched: 0,
    reprocess: 'ALL',
    order: 'OLDEST_FIRST',
    skipped: 0,
    openPages: [],
    ended: 0,
    failed: 0,
    rateSamples: [{ atMs: Date.parse(overrides.createdDate ?? '2026-03-01T12:00:00.000Z'), ended: 0 }],
    killed: 0,
    executionName: 'reports-hourly-bf1-g0',
    generation: 0,
    createdDate: '2026-03-01T12:00:00.000Z',
    ...overrides,
  };
}

/** A request to backfill `dev.reports.hourly` over 2026-02-01T00:00Z … 09:00Z (ten ticks), every tick. */
export function aBackfillRequest(overrides: Partial<BackfillRequest> = {}): BackfillRequest {
  return {
    namespace: 'dev',
    flowId: 'reports',
    triggerId: 'hourly',
    start: new Date('2026-02-01T00:00:00Z'),
    end: new Date('2026-02-01T09:00:00Z'),
    inputs: null,
    labels: [],
    ...DEFAULT_BACKFILL_OPTIONS,
    ...overrides,
  };
}

/** The state machine input of the first iteration of backfill `bf1` on `dev.reports.hourly`. */
export function aRunInput(overrides: Partial<BackfillRunInput> = {}): BackfillRunInput {
  return {
    backfill: { namespace: 'dev', flowId: 'reports', triggerId: 'hourly', id: 'bf1' },
    generation: 0,
    iteration: 0,
    ...overrides,
  };
}

/** What a test may say about a stored execution; the rest takes defaults. */
export interface StoredExecutionOptions {
  id?: string;
  namespace?: string;
  flowId?: string;
  flowRevision?: number;
  /** The Schedule trigger that made it; null for one without a trigger (API-made). */
  triggerId?: string | null;
  state?: StateType;
  /** When it was created (its `startDate`, the search order). */
  createdAt?: string;
  labels?: Label[];
  inputs?: Record<string, unknown>;
  backfillId?: string;
  liveOwner?: string;
  tickMs?: number;
}

/**
 * An execution of `dev.reports` by trigger `hourly`, as stored, in `state` (CREATED by default;
 * a RUNNING or terminal one carries the transitions that lead there).
 */
export function aStoredExecution(options: StoredExecutionOptions = {}): StoredExecution {
  const createdAt = new Date(options.createdAt ?? '2026-03-01T12:00:00.000Z');
  const target = options.state ?? 'CREATED';
  let state: ExecutionState = newState(createdAt);
  if (target !== 'CREATED') state = transition(state, 'RUNNING', createdAt);
  if (TERMINAL_STATES.has(target)) state = transition(state, target, new Date(createdAt.getTime() + 1000));
  const triggerId = options.triggerId === undefined ? 'hourly' : options.triggerId;
  const execution: Execution = {
    id: options.id ?? 'exec1',
    namespace: options.namespace ?? 'dev',
    flowId: options.flowId ?? 'reports',
    flowRevision: options.flowRevision ?? 1,
    labels: options.labels ?? [],
    inputs: options.inputs ?? {},
    state,
    taskRunList: [],
  };
  if (triggerId !== null) {
    execution.trigger = { id: triggerId, type: SCHEDULE_TYPE, variables: options.tickMs === undefined ? {} : { date: new Date(options.tickMs).toISOString() } };
  }
  return { execution, origin: { backfillId: options.backfillId, liveOwner: options.liveOwner, tickMs: options.tickMs } };
}

let messageCount = 0;

/** An SQS record from the backfill queue; `body` is sent as is when a string, as JSON otherwise. */
export function sqsRecord(body: unknown, overrides: Partial<SQSRecord> = {}): SQSRecord {
  messageCount++;
  return {
    messageId: `message-${messageCount}`,
    receiptHandle: `receipt-${messageCount}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1772366400000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1772366400001',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:backfill-executions',
    awsRegion: 'eu-west-1',
    ...overrides,
  };
}

/** The event an SQS event source hands the worker Lambda. */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** An API Gateway HTTP API (payload 2.0) event; a `body` object is sent as JSON. */
export function apiEvent(method: string, path: string, body?: unknown, overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  const [rawPath = '', rawQueryString = ''] = path.split('?'); // split gives at least one part
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: 'request',
      routeKey: '$default',
      stage: '$default',
      time: '01/Mar/2026:12:00:00 +0000',
      timeEpoch: 1772366400000,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    ...overrides,
  };
}

/** A backfill's `progress` as the API shows it: ten ticks, none dispatched, with any count overridden. */
export function aBackfillProgress(counts: Partial<BackfillProgress> = {}): BackfillProgress {
  return { total: 10, dispatched: 0, queued: 0, running: 0, succeeded: 0, failed: 0, killed: 0, skipped: 0, rate: null, eta: null, ...counts };
}
