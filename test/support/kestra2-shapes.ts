/**
 * The shapes of Kestra 2.x's API that its official clients rely on, as JSON Schemas written by us
 * from Kestra's published OpenAPI document (kestra-io/client-sdk, `kestra-ee.yml`, 2.0.0-SNAPSHOT,
 * read 2026-12) and the SDKs generated from it (the Python SDK's pydantic models are the strictest
 * consumer: a missing required field fails the client). Not a copy of Kestra's document: only what
 * we serve and what a generated client checks (required fields, types, enums, date-time formats).
 * Extra properties are allowed everywhere, as in Kestra's document (our extensions ride on them).
 *
 * Where the published document and the released SDKs disagree we follow the SDKs and say so:
 * - `State`: the document lists `getDuration`, `getStartDate`, `getEndDate` as required (an artefact
 *   of its generator reading Java getters); the SDKs require only `current`. We require `current`.
 * - `AbstractTrigger`: the newest document also requires `when`, an optional condition the SDKs
 *   do not know; the SDKs require `id` and `type` (both non-empty).
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

const dateTime = { type: 'string', format: 'date-time' } as const;
const int = { type: 'integer' } as const;

const stateType = {
  enum: [
    'CREATED',
    'SUBMITTED',
    'RUNNING',
    'PAUSED',
    'RESTARTED',
    'KILLING',
    'SUCCESS',
    'WARNING',
    'FAILED',
    'KILLED',
    'CANCELLED',
    'QUEUED',
    'RETRYING',
    'RETRIED',
    'SKIPPED',
    'BREAKPOINT',
    'RESUBMITTED',
  ],
} as const;

/** Label keys: a lowercase letter first, then letters, digits, `.`, `_`, `-`; values non-empty. */
const label = {
  type: 'object',
  required: ['key', 'value'],
  properties: { key: { type: 'string', minLength: 1, pattern: '^\\p{Ll}[\\p{L}0-9._-]*$' }, value: { type: 'string', minLength: 1 } },
} as const;

const state = {
  type: 'object',
  required: ['current'],
  properties: {
    current: stateType,
    histories: { type: 'array', items: { type: 'object', required: ['state', 'date'], properties: { state: stateType, date: dateTime } } },
    startDate: dateTime,
    endDate: { anyOf: [dateTime, { type: 'null' }] },
    duration: { type: ['string', 'null'] },
  },
} as const;

const backfill = {
  type: 'object',
  required: ['start'],
  properties: {
    start: dateTime,
    end: { anyOf: [dateTime, { type: 'null' }] },
    currentDate: dateTime,
    paused: { type: 'boolean' },
    inputs: { type: ['object', 'null'] },
    labels: { type: 'array', items: label },
    previousNextExecutionDate: { anyOf: [dateTime, { type: 'null' }] },
  },
} as const;

const apiTriggerState = {
  type: 'object',
  required: ['namespace', 'flowId', 'triggerId', 'updatedAt'],
  properties: {
    namespace: { type: 'string' },
    flowId: { type: 'string' },
    triggerId: { type: 'string' },
    updatedAt: dateTime,
    evaluatedAt: dateTime,
    nextEvaluationDate: dateTime,
    lastTriggeredDate: dateTime,
    backfill,
    stopAfter: { type: 'array', items: stateType },
    disabled: { type: 'boolean' },
    locked: { type: 'boolean' },
    workerId: { type: 'string' },
    executionId: { type: 'string' },
    kind: { enum: ['SCHEDULE', 'POLLING', 'REALTIME'] },
  },
} as const;

const abstractTrigger = {
  type: 'object',
  required: ['id', 'type'],
  properties: { id: { type: 'string', minLength: 1 }, type: { type: 'string', minLength: 1 }, disabled: { type: 'boolean' } },
} as const;

const pagedResults = (item: object) =>
  ({ type: 'object', required: ['results', 'total'], properties: { results: { type: 'array', items: item }, total: int } }) as const;

const executionTrigger = {
  type: 'object',
  required: ['id', 'type'],
  properties: { id: { type: 'string' }, type: { type: 'string' }, variables: { type: 'object' } },
} as const;

const taskRun = {
  type: 'object',
  required: ['id', 'taskId', 'state'],
  properties: {
    id: { type: 'string' },
    taskId: { type: 'string' },
    state,
    attempts: { type: 'array', items: { type: 'object', required: ['state'], properties: { state } } },
  },
} as const;

const executionCommon = {
  id: { type: 'string' },
  namespace: { type: 'string' },
  flowId: { type: 'string' },
  flowRevision: int,
  state,
  originalId: { type: 'string' },
  labels: { type: 'array', items: label },
  inputs: { type: 'object' },
  outputs: { type: 'object' },
  trigger: executionTrigger,
  scheduleDate: { anyOf: [dateTime, { type: 'null' }] },
  kind: { anyOf: [{ enum: ['NORMAL', 'TEST', 'PLAYGROUND', 'LOOP'] }, { type: 'null' }] },
} as const;
const metadata = { type: 'object', required: ['originalCreatedDate'], properties: { originalCreatedDate: dateTime, attemptNumber: int } } as const;

const logEntry = {
  type: 'object',
  required: ['namespace', 'flowId'],
  properties: {
    namespace: { type: 'string' },
    flowId: { type: 'string' },
    taskId: { type: ['string', 'null'] },
    executionId: { type: ['string', 'null'] },
    taskRunId: { type: ['string', 'null'] },
    attemptNumber: { type: ['integer', 'null'] },
    triggerId: { type: ['string', 'null'] },
    timestamp: dateTime,
    level: { enum: ['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] },
    thread: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

const triggerId = { type: 'object', properties: { namespace: { type: 'string' }, flowId: { type: 'string' }, triggerId: { type: 'string' } } } as const;

/** Every shape by the name Kestra's document gives it. */
export const KESTRA2_SHAPES = {
  ApiTriggerState: apiTriggerState,
  'PagedResults<ApiTriggerState>': pagedResults(apiTriggerState),
  ApiTriggerAndState: { type: 'object', required: ['trigger', 'state'], properties: { trigger: abstractTrigger, state: apiTriggerState } },
  'PagedResults<ApiTriggerAndState>': pagedResults({
    type: 'object',
    required: ['trigger', 'state'],
    properties: { trigger: abstractTrigger, state: apiTriggerState },
  }),
  ApiAsyncOperationResponse: { type: 'object', required: ['operationId', 'totalItems'], properties: { operationId: { type: 'string' }, totalItems: int } },
  /** The answer of kill and the data of the execution follow stream. */
  Execution: {
    type: 'object',
    required: ['id', 'namespace', 'flowId', 'flowRevision', 'state', 'originalId', 'deleted', 'metadata'],
    properties: { ...executionCommon, deleted: { type: 'boolean' }, metadata, taskRunList: { type: 'array', items: taskRun } },
  },
  /** `GET executions/{executionId}`. */
  ApiExecution: {
    type: 'object',
    required: ['tenantId', 'id', 'namespace', 'flowId', 'flowRevision', 'state', 'originalId', 'metadata'],
    properties: { ...executionCommon, tenantId: { type: 'string' }, metadata, taskRunList: { type: 'array', items: taskRun } },
  },
  /** `GET executions/search`'s results. */
  'PagedResults<ApiLightExecution>': pagedResults({
    type: 'object',
    required: ['tenantId', 'id', 'namespace', 'flowId', 'flowRevision', 'state', 'originalId'],
    properties: { ...executionCommon, tenantId: { type: 'string' } },
  }),
  LogEntries: { type: 'array', items: logEntry },
  'CursorOrOffsetPagedResults<LogEntry>': {
    type: 'object',
    required: ['results', 'type'],
    properties: { results: { type: 'array', items: logEntry }, total: int, type: { enum: ['OFFSET', 'CURSOR'] }, nextCursor: { type: 'string' } },
  },
  /** Request bodies a generated client sends. */
  ApiCreateBackfillRequest: {
    type: 'object',
    properties: {
      namespace: { type: 'string' },
      flowId: { type: 'string' },
      triggerId: { type: 'string' },
      backfill: { type: 'object', properties: { start: dateTime, end: dateTime, inputs: { type: 'object' }, labels: { type: 'array', items: label } } },
    },
  },
  ApiTriggerId: triggerId,
  /**
   * Ours, not in Kestra's document: `PUT /{tenant}/triggers/backfill/update`'s body, Kestra's trigger
   * id plus the backfill's new settings, in the style of its backfill requests.
   */
  ApiUpdateBackfillRequest: {
    type: 'object',
    required: ['namespace', 'flowId', 'triggerId', 'backfill'],
    properties: {
      namespace: { type: 'string' },
      flowId: { type: 'string' },
      triggerId: { type: 'string' },
      backfill: { type: 'object', required: ['maxConcurrency'], properties: { maxConcurrency: { type: 'integer', minimum: 1 } } },
    },
  },
  'ApiTriggerId[]': { type: 'array', items: triggerId },
  /** The execution actions' `by-ids` body: a list of execution ids. */
  'String[]': { type: 'array', items: { type: 'string' } },
  ApiDisableTriggerRequest: {
    type: 'object',
    properties: { namespace: { type: 'string' }, flowId: { type: 'string' }, triggerId: { type: 'string' }, disabled: { type: 'boolean' } },
  },
  SetDisabledRequest: {
    type: 'object',
    required: ['triggers', 'disabled'],
    properties: { triggers: { type: 'array', minItems: 1, items: triggerId }, disabled: { type: 'boolean' } },
  },
} as const;

export type Kestra2Shape = keyof typeof KESTRA2_SHAPES;

// Draft 2020-12 (what zod and OpenAPI 3.1 speak); `date-time` checked as RFC 3339, as the SDKs parse it.
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }), ['date-time']);
const validators = new Map(Object.entries(KESTRA2_SHAPES).map(([name, schema]) => [name, ajv.compile(schema)]));

/** Fails with every violation (path and message) when `value` is not a `shape` as Kestra 2.x's clients read it. */
export function expectKestra2Shape(shape: Kestra2Shape, value: unknown): void {
  const validate = validators.get(shape);
  if (!validate) throw new Error(`no Kestra 2.x shape ${shape}`);
  if (validate(value)) return;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
  throw new Error(`not a Kestra 2.x ${shape}: ${problems}\n${JSON.stringify(value).slice(0, 2000)}`);
}
