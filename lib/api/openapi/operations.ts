/**
 * What the OpenAPI document says of each route beyond its request schemas (lib/api/schemas:
 * `REQUEST_SCHEMAS`): a summary, a tag, and the answers by status. Keyed like the routes: the 1.x
 * path under `/api/v1` (`GET /executions/{id}`), a Kestra 2.x one with its tenant
 * (`PUT /{tenant}/triggers/backfill/create`). Errors need no entry: every operation answers them
 * with the `Error` body (see document.ts). A route without an entry fails test/unit/api/openapi.test.ts.
 */
import type { z } from 'zod';
import {
  apiExecution,
  apiExecutionSearchPage,
  apiTriggerAndStatePage,
  kestra2LogSearchPage,
  apiTriggerState,
  apiTriggerStatePage,
  asyncOperationResponse,
  backfillPreview,
  backfillTimeline,
  bulkResponse,
  execution,
  executionSearchPage,
  flow,
  flowPage,
  flowRevisions,
  logEntries,
  logSearchPage,
  operationView,
  trigger,
  triggerPage,
  triggerSearchPage,
} from './response-schemas';

export interface ResponseDoc {
  description: string;
  /** A JSON answer's schema (from ./response-schemas.ts); absent for an empty answer. */
  schema?: z.ZodType;
  /** Another content type than JSON, e.g. `text/plain` (its body is a string). */
  contentType?: string;
}

export interface OperationDoc {
  summary: string;
  tag: 'Flows' | 'Triggers' | 'Executions' | 'Logs' | 'Kestra 2.x' | 'API';
  /** A body that is not JSON (flows are YAML). */
  bodyContentType?: string;
  responses: Record<number, ResponseDoc>;
}

const ok = (description: string, schema: z.ZodType): Record<number, ResponseDoc> => ({ 200: { description, schema } });
const bulk = ok('How many triggers changed.', bulkResponse);
const eventStream = (description: string): Record<number, ResponseDoc> => ({ 200: { description, contentType: 'text/event-stream' } });
/** A follow asked again after its `end` event (an EventSource reconnecting): nothing more to send, and an EventSource stops. */
const endedAlready: Record<number, ResponseDoc> = { 204: { description: 'The followed execution had already ended.' } };

const accepted: Record<number, ResponseDoc> = {
  202: { description: 'Accepted: carried out in the background; follow it with GET /{tenant}/operations/{operationId}.', schema: asyncOperationResponse },
};

const backfillActions = (['pause', 'unpause', 'delete'] as const).flatMap((action) => {
  const method = action === 'delete' ? 'POST' : 'PUT';
  return [
    [
      `${method} /triggers/backfill/${action}`,
      { summary: `${action[0]?.toUpperCase()}${action.slice(1)} a backfill`, tag: 'Triggers', responses: ok('The trigger.', trigger) },
    ],
    [`POST /triggers/backfill/${action}/by-triggers`, { summary: `${action} the backfills of the triggers listed`, tag: 'Triggers', responses: bulk }],
    [`POST /triggers/backfill/${action}/by-query`, { summary: `${action} the backfills of the triggers matching a query`, tag: 'Triggers', responses: bulk }],
    [
      `${method} /{tenant}/triggers/backfill/${action}`,
      { summary: `${action} a backfill (Kestra 2.x)`, tag: 'Kestra 2.x', responses: ok('The trigger state.', apiTriggerState) },
    ],
    [
      `POST /{tenant}/triggers/backfill/${action}/by-triggers`,
      { summary: `${action} the backfills of the triggers listed, in the background (Kestra 2.x)`, tag: 'Kestra 2.x', responses: accepted },
    ],
    [
      `POST /{tenant}/triggers/backfill/${action}/by-query`,
      {
        summary: `${action} the backfills of the triggers matching filters[FIELD][OP]=VALUE, in the background (Kestra 2.x)`,
        tag: 'Kestra 2.x',
        responses: accepted,
      },
    ],
  ] as const;
});

export const OPERATIONS: Record<string, OperationDoc> = {
  'GET /openapi.json': {
    summary: 'This document',
    tag: 'API',
    responses: { 200: { description: 'The OpenAPI 3.1 document of the whole API.', contentType: 'application/json' } },
  },
  'POST /flows': { summary: 'Create a flow', tag: 'Flows', bodyContentType: 'application/x-yaml', responses: ok('The flow.', flow) },
  'GET /flows/search': { summary: 'List flows', tag: 'Flows', responses: ok('A page of flows.', flowPage) },
  'GET /flows/{namespace}/{id}': { summary: 'Read a flow', tag: 'Flows', responses: ok('The flow.', flow) },
  'GET /flows/{namespace}/{id}/revisions': {
    summary: "List a flow's revisions (a backfill runs the one it pinned)",
    tag: 'Flows',
    responses: ok('Every revision kept, then the current one, oldest first.', flowRevisions),
  },
  'PUT /flows/{namespace}/{id}': {
    summary: 'Update a flow (a new revision)',
    tag: 'Flows',
    bodyContentType: 'application/x-yaml',
    responses: ok('The flow.', flow),
  },
  'DELETE /flows/{namespace}/{id}': { summary: 'Delete a flow', tag: 'Flows', responses: { 204: { description: 'Deleted.' } } },
  'PUT /triggers': {
    summary: 'Start a backfill (with `backfill`) or switch a trigger (with `disabled`)',
    tag: 'Triggers',
    responses: ok('The trigger.', trigger),
  },
  'POST /triggers/backfill/preview': {
    summary: 'Dry-run a backfill: what it would run (nothing written)',
    tag: 'Triggers',
    responses: ok('The plan.', backfillPreview),
  },
  ...Object.fromEntries(backfillActions),
  'POST /triggers/backfill/cancel': {
    summary:
      'Cancel a backfill: remove it and kill its running and queued executions (beyond Kestra; delete lets them run on). 400 `No backfill found` without one',
    tag: 'Triggers',
    responses: ok(
      'The trigger: without the backfill (lastBackfill CANCELLED), or with it and its `cancelling` while running executions stop (within seconds; it then leaves the trigger).',
      trigger,
    ),
  },
  'POST /triggers/backfill/cancel/by-triggers': {
    summary: "cancel the backfills of the triggers listed: each trigger's every backfill, their running and queued executions killed (beyond Kestra)",
    tag: 'Triggers',
    responses: bulk,
  },
  'POST /triggers/backfill/cancel/by-query': {
    summary: 'cancel the backfills of the triggers matching a query: their running and queued executions killed (beyond Kestra)',
    tag: 'Triggers',
    responses: bulk,
  },
  'PUT /triggers/backfill/update': {
    summary: "Change a running backfill's `maxConcurrency` (beyond Kestra; applies within seconds)",
    tag: 'Triggers',
    responses: ok('The trigger.', trigger),
  },
  'POST /triggers/set-disabled/by-triggers': { summary: 'Switch the triggers listed', tag: 'Triggers', responses: bulk },
  'POST /triggers/set-disabled/by-query': { summary: 'Switch the triggers matching a query', tag: 'Triggers', responses: bulk },
  'GET /triggers/search': { summary: 'Search triggers', tag: 'Triggers', responses: ok('Triggers with their state.', triggerSearchPage) },
  'GET /triggers/{namespace}/{flowId}': { summary: "A flow's trigger states", tag: 'Triggers', responses: ok('The trigger states.', triggerPage) },
  'GET /triggers/{namespace}/{flowId}/{triggerId}/backfill/timeline': {
    summary: "The running backfill's timeline (ours; 400 without a backfill)",
    tag: 'Triggers',
    responses: ok('Its window, cell by cell, with the ticks in each state.', backfillTimeline),
  },
  'GET /executions/search': { summary: 'Search executions', tag: 'Executions', responses: ok('A page of executions.', executionSearchPage) },
  'GET /executions/{id}': { summary: 'Read an execution', tag: 'Executions', responses: ok('The execution.', execution) },
  'GET /logs/search': { summary: "Page through an execution's log", tag: 'Logs', responses: ok('A page of log lines.', logSearchPage) },
  'GET /logs/{executionId}': { summary: "An execution's log", tag: 'Logs', responses: ok('Its lines (about 4 MB at most).', logEntries) },
  'GET /logs/{executionId}/download': {
    summary: "An execution's log as text",
    tag: 'Logs',
    responses: { 200: { description: 'The log, in parts of about 4 MB.', contentType: 'text/plain' } },
  },
  'GET /{tenant}/executions/search': {
    summary: 'Search executions with filters (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: ok('A page of executions.', apiExecutionSearchPage),
  },
  'GET /{tenant}/logs/search': {
    summary: "Search an execution's log with filters (Kestra 2.x)",
    tag: 'Kestra 2.x',
    responses: ok('A page of log lines.', kestra2LogSearchPage),
  },
  'GET /{tenant}/triggers/search': {
    summary: 'Search triggers with filters (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: ok('Triggers with their state.', apiTriggerAndStatePage),
  },
  'GET /{tenant}/triggers/export/by-query/csv': {
    summary: 'Export the triggers matching filters as CSV (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: { 200: { description: 'RFC 4180 CSV with a header row.', contentType: 'text/csv' } },
  },
  'GET /{tenant}/executions/{executionId}': {
    summary: 'Read an execution (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: ok('The execution.', apiExecution),
  },
  'DELETE /{tenant}/executions/{executionId}/actions/kill': {
    summary: 'Kill an execution: its running tasks are stopped, a queued one never starts (Kestra 2.x; 409 once ended)',
    tag: 'Kestra 2.x',
    responses: ok('The execution: KILLED, or KILLING while its tasks stop (its worker then ends it KILLED).', apiExecution),
  },
  'DELETE /{tenant}/executions/kill/by-ids': {
    summary: 'Kill the executions listed, in the background (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'DELETE /{tenant}/executions/kill/by-query': {
    summary: 'Kill the unfinished executions matching filters[FIELD][OP]=VALUE, in the background (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'POST /{tenant}/executions/{executionId}/restart': {
    summary: 'Restart a FAILED or KILLED execution in place: a new run of its tasks (Kestra 2.x; 409 otherwise)',
    tag: 'Kestra 2.x',
    responses: ok('The execution, RESTARTED until a worker takes it.', apiExecution),
  },
  'POST /{tenant}/executions/{executionId}/replay': {
    summary: 'Replay an ended execution: a new execution of the same flow, inputs and trigger (Kestra 2.x; 409 while it runs)',
    tag: 'Kestra 2.x',
    responses: ok('The new execution, `originalId` naming the one replayed.', apiExecution),
  },
  'POST /{tenant}/executions/restart/by-ids': {
    summary: 'Restart the executions listed, in the background (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'POST /{tenant}/executions/restart/by-query': {
    summary: 'Restart the FAILED and KILLED executions matching filters[FIELD][OP]=VALUE, in the background (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'POST /{tenant}/executions/replay/by-ids': {
    summary: 'Replay the executions listed, in the background (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'POST /{tenant}/executions/replay/by-query': {
    summary: 'Replay the ended executions matching filters[FIELD][OP]=VALUE, in the background (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'GET /{tenant}/executions/{executionId}/follow': {
    summary: 'Follow an execution as server-sent events (Kestra 2.x; on AWS a window of about 25 s, then reconnect)',
    tag: 'Kestra 2.x',
    responses: { ...eventStream('The execution each time it changes (`start`, `progress`, `end`).'), ...endedAlready },
  },
  'GET /{tenant}/logs/{executionId}': {
    summary: "An execution's log (Kestra 2.x)",
    tag: 'Kestra 2.x',
    responses: ok('Its lines (about 4 MB at most).', logEntries),
  },
  'GET /{tenant}/logs/{executionId}/download': {
    summary: "An execution's log as text (Kestra 2.x)",
    tag: 'Kestra 2.x',
    responses: { 200: { description: 'The log, in parts of about 4 MB.', contentType: 'text/plain' } },
  },
  'GET /{tenant}/logs/{executionId}/follow': {
    summary: "Follow an execution's log as server-sent events (Kestra 2.x; on AWS a window of about 25 s, then reconnect)",
    tag: 'Kestra 2.x',
    responses: { ...eventStream('Log lines as they are written, until the execution ends.'), ...endedAlready },
  },
  'PUT /{tenant}/triggers/backfill/create': {
    summary: 'Start a backfill (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: ok('The trigger state.', apiTriggerState),
  },
  'POST /{tenant}/triggers/backfill/cancel': {
    summary: 'Cancel a backfill: remove it and kill its running and queued executions (beyond Kestra; delete lets them run on). 409 without one',
    tag: 'Kestra 2.x',
    responses: ok(
      'The trigger state: without the backfill (lastBackfill CANCELLED), or with it and its `cancelling` while running executions stop (within seconds; it then leaves the trigger).',
      apiTriggerState,
    ),
  },
  'POST /{tenant}/triggers/backfill/cancel/by-triggers': {
    summary: 'cancel the backfills of the triggers listed, their running and queued executions killed, in the background (beyond Kestra)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'POST /{tenant}/triggers/backfill/cancel/by-query': {
    summary:
      'cancel the backfills of the triggers matching filters[FIELD][OP]=VALUE, their running and queued executions killed, in the background (beyond Kestra)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'PUT /{tenant}/triggers/backfill/update': {
    summary: "Change a running backfill's `maxConcurrency` (applies within seconds)",
    tag: 'Kestra 2.x',
    responses: ok('The trigger state.', apiTriggerState),
  },
  'PUT /{tenant}/triggers/set-disabled': {
    summary: 'Switch a trigger; on enabling, `recoverMissedSchedules` says what becomes of the ticks missed (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: ok('The trigger state.', apiTriggerState),
  },
  'POST /{tenant}/triggers/set-disabled/by-triggers': {
    summary: 'Switch the triggers listed, in the background (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'POST /{tenant}/triggers/set-disabled/by-query': {
    summary: 'Switch the triggers matching filters[FIELD][OP]=VALUE, in the background (Kestra 2.x)',
    tag: 'Kestra 2.x',
    responses: accepted,
  },
  'DELETE /{tenant}/triggers/{namespace}/{flowId}/{triggerId}': {
    summary: "Reset a trigger's state (409 while it has a backfill) (Kestra 2.x)",
    tag: 'Kestra 2.x',
    responses: { 204: { description: 'Reset: next tick from now, enabled unless the flow disables it, last run and last backfill forgotten.' } },
  },
  'GET /{tenant}/operations/{operationId}': {
    summary: 'How a bulk action is going (ours)',
    tag: 'Kestra 2.x',
    responses: ok('The operation.', operationView),
  },
  'GET /{tenant}/triggers/{namespace}/{flowId}/{triggerId}/backfill/timeline': {
    summary: "The running backfill's timeline (ours; 409 without a backfill) (Kestra 2.x)",
    tag: 'Kestra 2.x',
    responses: ok('Its window, cell by cell, with the ticks in each state.', backfillTimeline),
  },
  'GET /{tenant}/triggers/{namespace}/{flowId}': {
    summary: "A flow's trigger states (Kestra 2.x)",
    tag: 'Kestra 2.x',
    responses: ok('A page of trigger states.', apiTriggerStatePage),
  },
};
