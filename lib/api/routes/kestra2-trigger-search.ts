/**
 * Kestra 2.x's triggers search and CSV export (`/api/v1/{tenant}/triggers/search`,
 * `…/triggers/export/by-query/csv`), selecting triggers with `filters[…]`
 * (lib/api/kestra2/trigger-filters.ts, shared with the by-query actions). Like the 1.x search they
 * list the trigger rows (one small item per trigger) and read the flows of the rows they answer.
 */
import { stringify } from 'csv-stringify/sync';
import { type TriggerJson, triggerView } from '../../app/trigger-view';
import { ValidationError } from '../../domain/flow/errors';
import type { Flow, Trigger } from '../../domain/flow/model';
import { type TriggerSelection, selectsTrigger } from '../../domain/trigger-selection';
import { type TriggerState, toTriggerJson } from '../../domain/trigger-state';
import { mapLimit } from '../../util/map-limit';
import { type HttpResponse, json } from '../http';
import type { ApiTriggerAndState } from '../kestra2/api-trigger-and-state';
import { toApiTriggerState } from '../kestra2/api-trigger-state';
import { triggerSelectionFromQuery, withLegacy } from '../kestra2/trigger-filters';
import type { PagedResults } from '../responses';
import type { ApiDeps, Route } from '../router';
import { type SortOrder, type TriggerSortField, kestra2TriggerExportQuery, kestra2TriggerSearchQuery, pageOf, parseQuery } from '../schemas';

/** Trigger views (each reads its backfill's open ledger pages) built at once. */
const VIEWS_IN_FLIGHT = 8;

/**
 * Triggers one export holds at most: with their backfills' progress about 300 bytes a row, so the
 * CSV stays within Lambda's 6 MB response, and the views it reads stay a bounded number.
 */
const EXPORT_MAX_TRIGGERS = 10_000;

const BY_NAME: SortOrder<TriggerSortField>[] = [
  { field: 'namespace', order: 'asc' },
  { field: 'flowId', order: 'asc' },
  { field: 'triggerId', order: 'asc' },
];

/** What a trigger row shows under each sort field (ApiTriggerState's names); dates are ISO, so they sort as text. */
function sortValue(row: TriggerState, field: TriggerSortField): string | undefined {
  switch (field) {
    case 'nextEvaluationDate':
      return toTriggerJson(row).nextExecutionDate;
    case 'updatedAt':
      return row.updatedDate;
    default:
      return row[field];
  }
}

/** Orders by each sort in turn, then by name, so pages never overlap; a trigger without the value comes last. */
function byOrders(sorts: SortOrder<TriggerSortField>[]): (a: TriggerState, b: TriggerState) => number {
  const orders = [...sorts, ...BY_NAME];
  return (a, b) => {
    for (const { field, order } of orders) {
      const [x, y] = [sortValue(a, field), sortValue(b, field)];
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (x < y ? -1 : 1) * (order === 'asc' ? 1 : -1);
    }
    return 0;
  };
}

/** The trigger rows the selection takes, sorted. */
async function selectedRows(deps: ApiDeps, selection: TriggerSelection, sorts: SortOrder<TriggerSortField>[]): Promise<TriggerState[]> {
  return (await deps.triggers.list()).filter((row) => selectsTrigger(selection, row)).sort(byOrders(sorts));
}

/** Each row's view and its trigger as its flow defines it, reading each flow once. */
async function withDefinitions(deps: ApiDeps, rows: TriggerState[]): Promise<{ view: TriggerJson; trigger: Trigger | null }[]> {
  const flows = new Map<string, Promise<Flow | undefined>>();
  const flowOf = (row: TriggerState) => {
    const key = `${row.namespace}|${row.flowId}`;
    if (!flows.has(key)) flows.set(key, deps.flows.get(row.namespace, row.flowId));
    return flows.get(key) as Promise<Flow | undefined>;
  };
  return mapLimit(rows, VIEWS_IN_FLIGHT, async (row) => ({
    view: await triggerView(deps, row),
    trigger: (await flowOf(row))?.triggers.find((t) => t.id === row.triggerId) ?? null,
  }));
}

/** The CSV's columns, in order: a header row names them. */
const CSV_COLUMNS = [
  'namespace',
  'flowId',
  'triggerId',
  'type',
  'cron',
  'timezone',
  'disabled',
  'nextEvaluationDate',
  'lastTriggeredDate',
  'updatedAt',
  'backfillStart',
  'backfillEnd',
  'backfillCurrentDate',
  'backfillPaused',
  'backfillTotal',
  'backfillDispatched',
  'backfillQueued',
  'backfillRunning',
  'backfillSucceeded',
  'backfillFailed',
  'backfillSkipped',
  'lastBackfillOutcome',
  'lastBackfillEndedDate',
] as const;

type CsvRow = Record<(typeof CSV_COLUMNS)[number], string | number | boolean | undefined>;

function csvRow({ view, trigger }: { view: TriggerJson; trigger: Trigger | null }): CsvRow {
  const state = toApiTriggerState(view);
  const backfill = state.backfill;
  return {
    namespace: state.namespace,
    flowId: state.flowId,
    triggerId: state.triggerId,
    type: trigger?.type,
    cron: trigger?.cron,
    timezone: trigger?.timezone,
    disabled: state.disabled,
    nextEvaluationDate: state.nextEvaluationDate,
    lastTriggeredDate: state.lastTriggeredDate,
    updatedAt: state.updatedAt,
    backfillStart: backfill?.start,
    backfillEnd: backfill?.end,
    backfillCurrentDate: backfill?.currentDate,
    backfillPaused: backfill?.paused,
    backfillTotal: backfill?.progress.total,
    backfillDispatched: backfill?.progress.dispatched,
    backfillQueued: backfill?.progress.queued,
    backfillRunning: backfill?.progress.running,
    backfillSucceeded: backfill?.progress.succeeded,
    backfillFailed: backfill?.progress.failed,
    backfillSkipped: backfill?.progress.skipped,
    lastBackfillOutcome: state.lastBackfill?.outcome,
    lastBackfillEndedDate: state.lastBackfill?.endedDate,
  };
}

/** RFC 4180: CRLF between records, and a field quoted when it holds a comma, a quote or a line break of any kind. */
function toCsv(rows: CsvRow[]): string {
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows', quoted_match: /[\r\n]/, cast: { boolean: String } });
}

export const kestra2TriggerSearchRoutes: Route[] = [
  {
    method: 'GET',
    path: '/triggers/search',
    handler: async (deps, request) => {
      const selection = triggerSelectionFromQuery(request.query);
      const { sort, namespace, flowId, ...paging } = parseQuery(kestra2TriggerSearchQuery, request.query);
      const rows = await selectedRows(deps, withLegacy(selection, { namespace, flowId }), sort);
      const results = (await withDefinitions(deps, pageOf(rows, paging))).map(
        ({ view, trigger }): ApiTriggerAndState => ({ trigger, state: toApiTriggerState(view) }),
      );
      const page: PagedResults<ApiTriggerAndState> = { results, total: rows.length };
      return json(200, page);
    },
  },
  {
    method: 'GET',
    path: '/triggers/export/by-query/csv',
    handler: async (deps, request): Promise<HttpResponse> => {
      const selection = triggerSelectionFromQuery(request.query);
      const rows = await selectedRows(deps, withLegacy(selection, parseQuery(kestra2TriggerExportQuery, request.query)), []);
      if (rows.length > EXPORT_MAX_TRIGGERS) {
        throw new ValidationError(
          'filters',
          `the query selects ${rows.length} triggers; an export holds at most ${EXPORT_MAX_TRIGGERS.toLocaleString('en-US')}: narrow it with filters`,
        );
      }
      const body = toCsv((await withDefinitions(deps, rows)).map(csvRow));
      return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="triggers.csv"' }, body };
    },
  },
];
