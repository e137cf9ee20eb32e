/**
 * The API's response shapes, typed once: the producers return them and the web UI imports them
 * from here (`import type` only, so no server code reaches its bundle). Types the domain or a use
 * case produces are defined there and re-exported; the rest are the API's envelopes.
 */
import type { Trigger } from '../domain/flow/model';
import type { TriggerJson } from '../app/trigger-view';
import type { LogEntry } from '../ports';

export type { BackfillPreview } from '../app/backfills';
export type { BackfillTimeline } from '../app/backfill-timeline';
export type { TimelineBucket } from '../domain/timeline';
export type { AsyncOperationResponse, OperationView } from '../app/operations';
export type { FlowJson } from '../app/flows';
export type { BackfillJson, TriggerJson } from '../app/trigger-view';
export type { Reprocess } from '../domain/backfill';
export type { KestraExecution as ExecutionJson } from '../domain/execution';
export type { FlowInput, Label, Trigger as FlowTriggerJson } from '../domain/flow/model';
export type { TriggerRef } from '../domain/trigger-state';
export type { LogEntry as LogLineJson } from '../ports';
export type { ApiExecution } from './kestra2/api-execution';
export type { ApiTriggerAndState } from './kestra2/api-trigger-and-state';
export type { ApiTriggerState } from './kestra2/api-trigger-state';
export type { Kestra2LogSearchPage } from './routes/kestra2-searches';

/** Kestra's `PagedResults`: one page of results and how many there are in all. */
export interface PagedResults<T> {
  results: T[];
  total: number;
}

/**
 * The executions search's page: `total` is exact, or (our extension, `totalIsLowerBound`) at least that
 * many match, and then more than the page's end, so a client paging until it holds `total` results goes on.
 */
export interface ExecutionSearchPage<T> extends PagedResults<T> {
  totalIsLowerBound: boolean;
}

/**
 * A page of `GET /logs/search`: the lines after the cursor asked for; `nextCursor` continues after
 * the last of them (the cursor asked for when none came; absent when the log is still empty), and
 * `more` says whether lines follow already (else the log may still grow: ask again later).
 */
export interface LogSearchPage {
  results: LogEntry[];
  nextCursor?: string;
  more: boolean;
}

/** A row of `GET /triggers/search`: the trigger as the flow defines it (null if the flow lost it) and its state. */
export interface TriggerSearchResult {
  abstractTrigger: Trigger | null;
  triggerContext: TriggerJson;
}

/** Kestra's `BulkResponse`: how many triggers a by-triggers or by-query action changed. */
export interface BulkResponse {
  count: number;
}
