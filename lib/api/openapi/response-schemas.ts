/**
 * The API's answers as zod schemas, for the OpenAPI document (`GET /api/v1/openapi.json`). The
 * answers themselves are typed by lib/api/responses.ts; `assertDescribes` below makes the compiler
 * check that each type fits its schema, and the integration tests validate every answer they get
 * against the document, so a field added to an answer without its schema fails a test.
 *
 * Objects are strict (`additionalProperties: false`) on purpose: the document then lists every
 * field we send, our extensions included. Each schema has an id and becomes a component.
 */
import { z } from 'zod';
import { BACKFILL_ORDERS } from '../../domain/backfill-order';
import { BACKFILL_EVENT_TYPES } from '../../domain/backfill-events';
import type { ApiExecution } from '../kestra2/api-execution';
import type { ApiTriggerAndState } from '../kestra2/api-trigger-and-state';
import type { ApiTriggerState } from '../kestra2/api-trigger-state';
import type { Kestra2LogSearchPage } from '../routes/kestra2-searches';
import type {
  AsyncOperationResponse,
  BackfillJson,
  BackfillPreview,
  BackfillTimeline,
  BulkResponse,
  ExecutionJson,
  ExecutionSearchPage,
  FlowJson,
  LogLineJson,
  LogSearchPage,
  OperationView,
  PagedResults,
  TriggerJson,
  TriggerSearchResult,
} from '../responses';

/** The registry the document's components come from: each schema with its component name. */
export const responseSchemas = z.registry<{ id: string; description?: string }>();

function named<S extends z.ZodType>(schema: S, id: string, description: string): S {
  responseSchemas.add(schema, { id, description });
  return schema;
}

/** An ISO-8601 date-time with an offset (UTC `Z`, or the trigger's zone's offset). */
const dateTime = z.string().meta({ format: 'date-time' });
const stateType = z.enum(['CREATED', 'RUNNING', 'SUCCESS', 'FAILED', 'KILLED', 'KILLING', 'RESTARTED']);
const logLevel = z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']);

export const errorBody = named(
  z.object({ message: z.string(), path: z.string().optional() }),
  'Error',
  'What went wrong; `path` names the request field at fault (`backfill.start`).',
);

const label = named(z.object({ key: z.string(), value: z.string() }), 'Label', 'A key/value pair on a flow, a backfill or an execution.');

const scheduleTrigger = named(
  z.object({
    id: z.string(),
    type: z.enum(['io.kestra.plugin.core.trigger.Schedule', 'io.kestra.core.models.triggers.types.Schedule']),
    cron: z.string(),
    withSeconds: z.boolean(),
    timezone: z.string(),
    inputs: z.record(z.string(), z.unknown()),
    labels: z.array(label),
    disabled: z.boolean(),
    recoverMissedSchedules: z.enum(['ALL', 'LAST', 'NONE']).optional(),
    lateMaximumDelay: z.string().optional(),
    stopAfter: z.array(z.string()).optional(),
  }),
  'ScheduleTrigger',
  "A flow's Schedule trigger, as its YAML defines it.",
);

const flowInput = z.object({
  id: z.string(),
  type: z.enum(['STRING', 'INT', 'FLOAT', 'BOOLEAN', 'DATETIME', 'DATE', 'JSON']),
  required: z.boolean(),
  defaults: z.unknown().optional(),
  description: z.string().optional(),
});

const task = z.union([
  z.object({
    id: z.string(),
    type: z.string(),
    runner: z.literal('PROCESS'),
    commands: z.array(z.string()),
    beforeCommands: z.array(z.string()),
    env: z.record(z.string(), z.string()),
    timeout: z.string().optional(),
  }),
  z.object({ id: z.string(), type: z.string(), message: z.union([z.string(), z.array(z.string())]), level: logLevel }),
]);

export const flow = named(
  z.object({
    id: z.string(),
    namespace: z.string(),
    revision: z.number().int(),
    description: z.string().optional(),
    inputs: z.array(flowInput),
    labels: z.array(label),
    tasks: z.array(task),
    triggers: z.array(scheduleTrigger),
    disabled: z.boolean(),
    deleted: z.literal(false),
    source: z.string(),
  }),
  'Flow',
  "Kestra's flow JSON (`FlowWithSource`): the definition, its revision and its YAML as sent.",
);

export const flowRevisions = named(
  z.array(flow),
  'FlowRevisions',
  "A flow's revisions, oldest first: those it left, kept as they were (none from before revisions were kept), then its current one.",
);

export const flowPage = named(z.object({ results: z.array(flow), total: z.number().int() }), 'PagedResults_Flow', 'A page of flows.');

const flowRevision = z
  .number()
  .int()
  .min(1)
  .meta({ description: "Beyond Kestra: the flow revision the backfill's executions run, pinned when it was created (absent with latestRevision)." });
const latestRevision = z
  .boolean()
  .meta({ description: "Beyond Kestra: true when the backfill's executions run the flow's latest revision as each is dispatched, instead of a pinned one." });

const progress = z.object({
  total: z.number().int(),
  dispatched: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int().meta({ description: 'Ended FAILED.' }),
  killed: z.number().int().meta({ description: 'Ended KILLED.' }),
  skipped: z.number().int(),
  rate: z
    .number()
    .min(0)
    .nullable()
    .meta({ description: 'Executions ended per minute over about the last five minutes; null while paused or without a basis yet.' }),
  eta: dateTime.nullable().meta({ description: 'When the executions left would have ended at that rate; null without a rate, or at a rate of 0.' }),
});

const order = z.enum(BACKFILL_ORDERS);
const failurePolicy = named(
  z.object({
    maxFailures: z.number().int().min(0).optional(),
    maxFailurePercent: z.number().min(0).max(100).optional(),
    action: z.enum(['PAUSE', 'CANCEL']),
  }),
  'FailurePolicy',
  "Beyond Kestra: FAILED executions a backfill tolerates (a count, a percentage of its window's ticks, or the lower of both), counted since it was created or last resumed, and what it does past them.",
);

const failurePolicyTrip = named(
  z.object({ kind: z.literal('FAILURE_POLICY'), failed: z.number().int(), threshold: z.number().int(), at: dateTime }),
  'FailurePolicyTrip',
  'Beyond Kestra: why a failure policy stopped a backfill: `failed` FAILED executions exceeded the `threshold` it tolerates, `at` that time.',
);

const backfill = named(
  z.object({
    start: dateTime,
    end: dateTime,
    currentDate: dateTime,
    paused: z.boolean(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    labels: z.array(label),
    previousNextExecutionDate: dateTime.optional(),
    id: z.string().meta({ description: 'Beyond Kestra: the backfill id (its executions carry it).' }),
    reprocess: z.enum(['ALL', 'MISSING', 'FAILED_AND_MISSING']),
    order: order.meta({ description: "Beyond Kestra: which ticks run first (NEWEST_FIRST: from the window's end back)." }),
    maxConcurrency: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Beyond Kestra: its executions in flight (queued or running) at once, at most; changeable while it runs.' }),
    flowRevision: flowRevision.optional(),
    latestRevision: latestRevision,
    failurePolicy: failurePolicy.optional(),
    pausedReason: failurePolicyTrip.optional().meta({ description: 'Beyond Kestra: set while its failure policy has it paused.' }),
    cancelling: z.object({ at: dateTime, by: z.string(), reason: failurePolicyTrip.optional() }).optional().meta({
      description: 'Beyond Kestra: a cancel under way; the backfill leaves the trigger (lastBackfill CANCELLED) once its executions being killed have ended.',
    }),
    notify: z
      .object({ webhook: z.string().meta({ description: 'Its origin only: webhook URLs carry their secret, so the rest is never shown back.' }) })
      .optional()
      .meta({ description: 'Beyond Kestra: where its final notification is POSTed (besides its lifecycle event).' }),
    stateMachineExecutionName: z.string(),
    stateMachineExecutionArn: z.string().optional(),
    stateMachineConsoleUrl: z.string().optional(),
    createdDate: dateTime,
    progress,
  }),
  'Backfill',
  "Kestra's backfill, plus its id, reprocess mode, order, concurrency, pinned flow revision, failure policy (and why it paused, or that it is being cancelled), state machine execution and progress.",
);

const lastBackfillCounts = z.object({
  total: z.number().int(),
  dispatched: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  killed: z.number().int(),
  skipped: z.number().int(),
  unfinished: z.number().int(),
});

const notifyStatus = z.enum(['PENDING', 'DELIVERED', 'FAILED']);

const lastBackfillNotify = z
  .object({
    webhook: z.string().optional().meta({ description: "The backfill's webhook, its origin only." }),
    status: notifyStatus.meta({
      description: 'PENDING: being delivered or waiting for a retry (the sweep retries with a backoff); DELIVERED; FAILED: given up after its last attempt.',
    }),
    attempts: z.number().int().min(0),
    lastError: z.string().optional().meta({ description: "Why the last attempt failed (a status code or a network error; never the receiver's answer)." }),
  })
  .meta({ description: 'Its final notification: the ending event (EventBridge on AWS) and the POST to its webhook if it had one.' });

const lastBackfill = named(
  z.object({
    id: z.string(),
    outcome: z.enum(['COMPLETED', 'DELETED', 'CANCELLED', 'ABANDONED', 'FAILED']),
    endedDate: dateTime,
    reason: z.string().optional(),
    cancelledReason: failurePolicyTrip.optional().meta({ description: 'For a backfill its failure policy cancelled.' }),
    // Absent only on backfills that ended before the summary existed.
    start: dateTime.optional(),
    end: dateTime.optional(),
    createdDate: dateTime.optional(),
    labels: z.array(label).optional(),
    reprocess: z.enum(['ALL', 'MISSING', 'FAILED_AND_MISSING']).optional(),
    flowRevision: flowRevision.optional(),
    latestRevision: latestRevision.optional(),
    order: order.optional(),
    counts: lastBackfillCounts.optional(),
    notify: lastBackfillNotify.optional(),
  }),
  'LastBackfill',
  "Beyond Kestra: the trigger's previous backfill: how and when it ended, its window, when it started, and its final counts (dispatched = succeeded + failed + killed + skipped + unfinished; unfinished executions were still queued or running when it ended, and run on; a backfill that ended before KILLED ones were counted apart counts them in failed).",
);

const backfills = z.array(backfill).optional().meta({
  description: 'Beyond Kestra: every active backfill of the trigger (their windows are disjoint), earliest first; present while there is one.',
});

export const trigger = named(
  z.object({
    namespace: z.string(),
    flowId: z.string(),
    triggerId: z.string(),
    date: dateTime.optional(),
    nextExecutionDate: dateTime.optional(),
    liveNextExecutionDate: dateTime.optional().meta({
      description: "Beyond Kestra: while a backfill's cursor stands in nextExecutionDate, the live schedule's own next tick (it runs beside the backfill).",
    }),
    backfill: backfill.optional().meta({ description: "Kestra's backfill: the earliest active one (in the answer to its creation, the one created)." }),
    backfills: backfills,
    disabled: z.boolean(),
    updatedDate: dateTime,
    lastBackfill: lastBackfill.optional(),
  }),
  'Trigger',
  "Kestra 1.x's trigger state (`Trigger`), with the backfill's progress.",
);

export const triggerPage = named(z.object({ results: z.array(trigger), total: z.number().int() }), 'PagedResults_Trigger', "A flow's trigger states.");

export const triggerSearchPage = named(
  z.object({
    results: z.array(z.object({ abstractTrigger: scheduleTrigger.nullable(), triggerContext: trigger })),
    total: z.number().int(),
  }),
  'PagedResults_TriggerSearchResult',
  'Triggers with their state (Kestra 1.x `triggers/search`).',
);

export const bulkResponse = named(z.object({ count: z.number().int() }), 'BulkResponse', 'How many triggers a bulk action changed.');

const isoDuration = z.string().meta({ description: 'An ISO-8601 duration, e.g. `PT4M10.5S`.' });

const backfillEstimate = named(
  z.object({
    duration: z.object({
      estimated: isoDuration.nullable(),
      seconds: z.number().nullable(),
      p90: isoDuration.nullable(),
      p90Seconds: z.number().nullable(),
      basis: z.object({ executions: z.number().int(), medianSeconds: z.number(), p90Seconds: z.number() }).nullable(),
      reason: z.string().optional(),
      executions: z.number().int(),
      concurrency: z.number().int(),
      limitedBy: z.enum(['backfill.maxConcurrency', 'BACKFILL_MAX_IN_FLIGHT', 'workers']),
      waves: z.number().int(),
      dispatchSeconds: z.number(),
    }),
    cost: z.object({
      usd: z.number(),
      pricing: z.string(),
      billed: z.boolean(),
      complete: z.boolean(),
      reason: z.string().optional(),
      byService: z.object({
        dynamoDbWrites: z.number(),
        dynamoDbReads: z.number(),
        sqs: z.number(),
        stepFunctions: z.number(),
        lambdaRequests: z.number(),
        lambdaGbSeconds: z.number(),
      }),
      usage: z.object({
        dynamoDbWriteUnits: z.number(),
        dynamoDbReadUnits: z.number(),
        sqsRequests: z.number(),
        stateTransitions: z.number(),
        lambdaRequests: z.number(),
        lambdaGbSeconds: z.number(),
      }),
    }),
  }),
  'BackfillEstimate',
  "Ours: a backfill's estimated duration (from the flow's latest ended executions, timed from RUNNING to their end, and the executions at once) and cost on AWS (the model of lib/domain/cost priced at AWS list prices; `billed` false on the local default), with what each figure stands on.",
);

export const backfillPreview = named(
  z.object({
    count: z.number().int(),
    skipped: z.number().int().nullable(),
    start: dateTime,
    end: dateTime,
    order,
    ticks: z.array(dateTime).meta({ description: 'The ticks that run first (at most 100), in the order they run.' }),
    firstTick: dateTime.meta({ description: "The window's first tick." }),
    lastTick: dateTime.meta({ description: "The window's last tick." }),
    truncated: z.boolean(),
    conflict: z.boolean().meta({
      description:
        "Creating it now would answer 409: its window overlaps an active backfill's (`conflictsWith`), or the trigger runs BACKFILL_MAX_PER_TRIGGER backfills already.",
    }),
    conflictsWith: z
      .object({ id: z.string(), start: dateTime, end: dateTime })
      .optional()
      .meta({ description: 'The active backfill whose window this one overlaps.' }),
    maxConcurrencyLimit: z
      .number()
      .int()
      .meta({ description: "The largest backfill.maxConcurrency accepted, and a backfill's bound without one (the service's BACKFILL_MAX_IN_FLIGHT)." }),
    flowRevision: flowRevision.optional(),
    latestRevision: latestRevision,
    estimatedDuration: isoDuration.nullable(),
    estimatedDurationSeconds: z.number().nullable(),
    estimatedCostUsd: z.number(),
    estimate: backfillEstimate,
    failurePolicy: failurePolicy
      .extend({ tolerated: z.number().int().meta({ description: "FAILED executions it tolerates over this window's ticks." }) })
      .optional(),
  }),
  'BackfillPreview',
  'Beyond Kestra: a dry run of a backfill (nothing written): its ticks, and how long it would take and what it would cost on AWS (`estimate`).',
);

const count = z.number().int();
const timelineBucket = named(
  z.object({
    from: dateTime,
    to: dateTime,
    ticks: count,
    pending: count,
    queued: count,
    running: count,
    succeeded: count,
    failed: count,
    killed: count,
    skipped: count,
    ended: count.optional(),
    executionId: z.string().optional(),
  }),
  'BackfillTimelineBucket',
  "Ours: one cell of a backfill's timeline: the instants it covers (inclusive; its tick, for a cell of one tick), its ticks and how many are in each state (they add up to `ticks`; `ended`, on a backfill created before timelines existed, counts folded ticks not split by state), and the execution of its one tick when it has one.",
);

export const backfillTimeline = named(
  z.object({
    backfillId: z.string(),
    start: dateTime,
    end: dateTime,
    ticks: count,
    split: z.boolean(),
    buckets: z.array(timelineBucket),
  }),
  'BackfillTimeline',
  "Ours: the running backfill's window cut into at most `buckets` cells (one per tick for a small window, equal stretches of time otherwise), each counting its ticks by state.",
);

const state = z.object({
  current: stateType,
  histories: z.array(z.object({ state: stateType, date: dateTime })),
  startDate: dateTime,
  endDate: dateTime.optional(),
  duration: z.string().optional(),
});

const taskRun = z.object({
  id: z.string(),
  executionId: z.string(),
  namespace: z.string(),
  flowId: z.string(),
  taskId: z.string(),
  state,
  attempts: z.array(z.object({ state })),
  outputs: z.record(z.string(), z.unknown()).optional(),
});

export const execution = named(
  z.object({
    id: z.string(),
    namespace: z.string(),
    flowId: z.string(),
    flowRevision: z.number().int(),
    labels: z.array(label),
    inputs: z.record(z.string(), z.unknown()),
    state,
    trigger: z.object({ id: z.string(), type: z.string(), variables: z.record(z.string(), z.string()) }).optional(),
    taskRunList: z.array(taskRun),
    originalId: z.string(),
    deleted: z.boolean(),
    metadata: z.object({
      originalCreatedDate: dateTime,
      attemptNumber: z.number().int().meta({ description: 'The run of the execution this document is from (1 for its first).' }),
    }),
  }),
  'Execution',
  "Kestra's execution JSON, with Kestra 2.x's required fields.",
);

export const apiExecution = named(
  execution.extend({ tenantId: z.string() }),
  'ApiExecution',
  "Kestra 2.x's execution (`GET /api/v1/{tenant}/executions/{executionId}`): the execution and its tenant.",
);

export const executionSearchPage = named(
  z.object({ results: z.array(execution), total: z.number().int(), totalIsLowerBound: z.boolean() }),
  'ExecutionSearchPage',
  'A page of executions, newest first; `total` is exact, or at least that many when `totalIsLowerBound`.',
);

const logEntry = named(
  z.object({
    namespace: z.string(),
    flowId: z.string(),
    executionId: z.string(),
    taskId: z.string().optional(),
    taskRunId: z.string().optional(),
    attemptNumber: z.number().int().optional(),
    triggerId: z.string().optional(),
    timestamp: dateTime,
    level: logLevel,
    message: z.string(),
  }),
  'LogEntry',
  'One log line of an execution.',
);

export const logEntries = named(z.array(logEntry), 'LogEntries', "An execution's log lines, oldest first.");

export const logSearchPage = named(
  z.object({ results: z.array(logEntry), nextCursor: z.string().optional(), more: z.boolean() }),
  'LogSearchPage',
  'A page of a log: the lines after the cursor, and where to continue.',
);

export const apiTriggerState = named(
  z.object({
    namespace: z.string(),
    flowId: z.string(),
    triggerId: z.string(),
    updatedAt: dateTime,
    evaluatedAt: dateTime.optional(),
    lastTriggeredDate: dateTime.optional(),
    nextEvaluationDate: dateTime.optional(),
    liveNextEvaluationDate: dateTime.optional().meta({
      description: "Beyond Kestra: while a backfill's cursor stands in nextEvaluationDate, the live schedule's own next tick (it runs beside the backfill).",
    }),
    backfill: backfill.optional().meta({ description: "Kestra's backfill: the earliest active one (in the answer to its creation, the one created)." }),
    backfills: backfills,
    disabled: z.boolean(),
    locked: z.boolean(),
    kind: z.enum(['SCHEDULE', 'POLLING', 'REALTIME']),
    lastBackfill: lastBackfill.optional(),
  }),
  'ApiTriggerState',
  "Kestra 2.x's trigger state, with our backfill extensions.",
);

export const apiTriggerAndStatePage = named(
  z.object({ results: z.array(z.object({ trigger: scheduleTrigger.nullable(), state: apiTriggerState })), total: z.number().int() }),
  'PagedResults_ApiTriggerAndState',
  "Kestra 2.x's triggers search: each trigger as its flow defines it (null if the flow lost it) and its state.",
);

export const apiExecutionSearchPage = named(
  z.object({ results: z.array(apiExecution), total: z.number().int(), totalIsLowerBound: z.boolean() }),
  'PagedResults_ApiExecution',
  "Kestra 2.x's executions search, newest first; `total` is exact, or at least that many when `totalIsLowerBound`.",
);

export const kestra2LogSearchPage = named(
  z.object({
    results: z.array(logEntry),
    type: z.enum(['CURSOR', 'OFFSET']),
    total: z.number().int(),
    totalIsLowerBound: z.boolean(),
    nextCursor: z.string().optional(),
    more: z.boolean(),
  }),
  'CursorOrOffsetPagedResults_LogEntry',
  "Kestra 2.x's logs search: the matching lines after the cursor (or at the page's offset), and where to continue.",
);

export const apiTriggerStatePage = named(
  z.object({ results: z.array(apiTriggerState), total: z.number().int() }),
  'PagedResults_ApiTriggerState',
  "Kestra 2.x's page of trigger states.",
);

export const asyncOperationResponse = named(
  z.object({ operationId: z.string(), totalItems: z.number().int() }),
  'ApiAsyncOperationResponse',
  "Kestra 2.x's answer to a bulk action carried out in the background: follow it with GET /api/v1/{tenant}/operations/{operationId} (ours).",
);

const operationKind = z.enum([
  'BACKFILL_PAUSE',
  'BACKFILL_UNPAUSE',
  'BACKFILL_DELETE',
  'BACKFILL_CANCEL',
  'TRIGGER_DISABLE',
  'TRIGGER_ENABLE',
  'EXECUTION_KILL',
  'EXECUTION_RESTART',
  'EXECUTION_REPLAY',
]);

export const operationView = named(
  z.object({
    operationId: z.string(),
    kind: operationKind,
    totalItems: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    errors: z.array(
      z.union([
        z.object({ namespace: z.string(), flowId: z.string(), triggerId: z.string(), message: z.string() }),
        z.object({ executionId: z.string(), message: z.string() }),
      ]),
    ),
    errorsOmitted: z.number().int(),
    state: z.enum(['RUNNING', 'SUCCESS', 'FAILED']),
    createdAt: dateTime,
    endedAt: dateTime.optional(),
  }),
  'Operation',
  'Ours: how a bulk action is going (RUNNING until every trigger or execution was handled; then SUCCESS, or FAILED if any could not be changed, `errors` saying which and why).',
);

/** The compiler checks that a response type fits its schema: a type drifting from its schema fails `npm run typecheck`. */
const describes =
  <S extends z.ZodType>(_schema: S) =>
  <_Type extends z.output<S>>() =>
    undefined;
describes(flow)<FlowJson>();
describes(trigger)<TriggerJson>();
describes(backfill)<BackfillJson>();
describes(triggerSearchPage)<PagedResults<TriggerSearchResult>>();
describes(bulkResponse)<BulkResponse>();
describes(backfillPreview)<BackfillPreview>();
describes(backfillTimeline)<BackfillTimeline>();
describes(execution)<ExecutionJson>();
describes(apiExecution)<ApiExecution>();
describes(executionSearchPage)<ExecutionSearchPage<ExecutionJson>>();
describes(logEntries)<LogLineJson[]>();
describes(logSearchPage)<LogSearchPage>();
describes(apiTriggerState)<ApiTriggerState>();
describes(asyncOperationResponse)<AsyncOperationResponse>();
describes(operationView)<OperationView>();
describes(apiTriggerAndStatePage)<PagedResults<ApiTriggerAndState>>();
describes(apiExecutionSearchPage)<ExecutionSearchPage<ApiExecution>>();
describes(kestra2LogSearchPage)<Kestra2LogSearchPage>();

/**
 * A backfill's lifecycle event: the `detail` of its EventBridge event (source `kestra.backfills`,
 * detail-type `Backfill <Type>`) and the body POSTed to its webhook. docs/backfill-event.schema.json
 * is this schema (a unit test keeps them equal).
 */
export const backfillEvent = named(
  z.object({
    eventId: z.string().meta({ description: 'The same on every retry of this event (also the X-Backfill-Event-Id header): deduplicate on it.' }),
    type: z.enum(BACKFILL_EVENT_TYPES),
    time: dateTime.meta({ description: 'When the change happened.' }),
    backfill: z.object({
      id: z.string(),
      namespace: z.string(),
      flowId: z.string(),
      triggerId: z.string(),
      start: dateTime.meta({ description: 'Its window, both inclusive.' }),
      end: dateTime,
      createdDate: dateTime,
      maxConcurrency: z.number().int().min(1).optional().meta({ description: 'Changes only: its executions in flight at once, at most.' }),
      outcome: z.enum(['COMPLETED', 'DELETED', 'CANCELLED', 'FAILED', 'ABANDONED']).optional().meta({ description: 'Endings only: how it ended.' }),
      counts: lastBackfillCounts.optional().meta({ description: 'Endings only: its final counts, as lastBackfill.counts.' }),
      endedDate: dateTime.optional(),
      durationSeconds: z.number().min(0).optional().meta({ description: 'Endings only: from createdDate to endedDate.' }),
      reason: z.string().optional().meta({ description: "Why: a FAILED ending's last error, a pause's tripped failure policy." }),
    }),
  }),
  'BackfillEvent',
  "A backfill's lifecycle event: EventBridge's `detail` on AWS, the body of its webhook's POST (beyond Kestra).",
);
