import { type BackfillState, type BackfillStateJson, type TriggerState, type TriggerStateJson, toTriggerJson } from '../domain/trigger-state';
import type { Settings } from '../config';
import { etaOf, rateOf } from '../domain/backfill-rate';
import { endedIn, failuresOf, inFlightOf } from '../domain/ledger';
import type { Clock, DispatchLedger, ExecutionStore } from '../ports';
import { type ExecutionLinks, executionLinks } from './console-links';

export interface TriggerViewDeps {
  settings: Pick<Settings, 'stateMachineArn'>;
  clock: Clock;
  executions: Pick<ExecutionStore, 'countRunning'>;
  ledger: Pick<DispatchLedger, 'read'>;
}

/** Where a backfill's ticks are: counted from its ledger (see `triggerView`). */
export interface BackfillProgress {
  /** Ticks in the window. */
  total: number;
  /** Ticks dispatched so far (executions created, or skipped). */
  dispatched: number;
  queued: number;
  running: number;
  succeeded: number;
  /** Ended FAILED. */
  failed: number;
  /** Ended KILLED (backfills started before they were counted apart count them in `failed`). */
  killed: number;
  /** Ticks an earlier execution covered (see `reprocess`): dispatched, but no execution made. */
  skipped: number;
  /**
   * Executions ended per minute over about the last five minutes (see `rateOf`); null while paused,
   * and until dispatch has sampled the count at least 30 s earlier (after the start, or a resume).
   */
  rate: number | null;
  /** When the executions left would have ended at `rate` (ISO date-time); null when `rate` is, or is 0. */
  eta: string | null;
}

/** A backfill as the API shows it: Kestra's fields, ours, its progress and, on AWS, its execution's links. */
export interface BackfillJson extends BackfillStateJson, Partial<ExecutionLinks> {
  progress: BackfillProgress;
}

/** A trigger as the API shows it: Kestra's Trigger JSON with each backfill's progress. */
export interface TriggerJson extends Omit<TriggerStateJson, 'backfill' | 'backfills'> {
  backfill?: BackfillJson;
  backfills?: BackfillJson[];
}

/**
 * Kestra's Trigger JSON, with each active backfill's progress (see `backfillProgress`): `backfill`
 * (Kestra's one) and every one in `backfills`.
 */
export async function triggerView(deps: TriggerViewDeps, state: TriggerState): Promise<TriggerJson> {
  const json = toTriggerJson(state);
  const { backfill: backfillJson, backfills: backfillsJson, ...withoutBackfill } = json;
  if (!state.backfill && !state.backfills.length) return withoutBackfill;
  const nowMs = deps.clock.now().getTime();
  // `backfill` is one of `backfills` (the earliest, or the one just created): its progress is read once.
  const read = new Map<BackfillState, Promise<BackfillProgress>>();
  const progressOf = (backfill: BackfillState) => {
    if (!read.has(backfill)) read.set(backfill, backfillProgress(deps, backfill, nowMs));
    return read.get(backfill) as Promise<BackfillProgress>;
  };
  // On AWS: the execution's ARN and console page (locally the state machine has neither).
  const withProgress = async (backfill: BackfillState, shown: BackfillStateJson): Promise<BackfillJson> => ({
    ...shown,
    progress: await progressOf(backfill),
    ...executionLinks(deps.settings.stateMachineArn, backfill.executionName),
  });
  const [first, all] = await Promise.all([
    state.backfill && backfillJson ? withProgress(state.backfill, backfillJson) : undefined,
    backfillsJson ? Promise.all(state.backfills.map((backfill, i) => withProgress(backfill, backfillsJson[i] as BackfillStateJson))) : undefined,
  ]);
  // Spread from the whole JSON so that `backfill` keeps its place among the fields.
  const view: TriggerJson = { ...json, backfill: first, backfills: all };
  if (!first) delete view.backfill;
  if (!all) delete view.backfills;
  return view;
}

/**
 * A backfill's progress from its dispatch ledger (see LedgerPage): the folded pages' counters on its
 * row, plus its open pages (at most `maxInFlight` executions), whose slots a redelivered execution
 * marks again at no harm; `running` from the unfinished index (only executions of longer tasks are
 * written RUNNING), and `succeeded` what remains of the dispatched ticks. A bounded read whatever the
 * backfill's size: its few open pages, one count.
 */
async function backfillProgress(deps: TriggerViewDeps, backfill: BackfillState, nowMs: number): Promise<BackfillProgress> {
  const pages = await deps.ledger.read(backfill.openPages);
  const inFlight = pages.reduce((sum, page) => sum + inFlightOf(page), 0);
  // `failed` counters hold every execution that did not succeed; the KILLED ones among them are told apart.
  const notSucceeded = backfill.failed + pages.reduce((sum, page) => sum + failuresOf(page).failed, 0);
  const killed = backfill.killed + pages.reduce((sum, page) => sum + failuresOf(page).killed, 0);
  const running = inFlight > 0 ? await deps.executions.countRunning(backfill.id, inFlight) : 0;
  const queued = inFlight - running;
  const succeeded = Math.max(0, backfill.dispatched - backfill.skipped - inFlight - notSucceeded);
  // A paused backfill has no pace to speak of; running, its pace since a recent sample of the same count.
  const ended = backfill.ended + endedIn(pages);
  const rate = backfill.paused ? null : rateOf(backfill.rateSamples, nowMs, ended);
  // What is left to end: the ticks not dispatched yet (some may still be skipped) and those in flight.
  const remaining = Math.max(0, backfill.totalTicks - backfill.skipped - ended);
  return {
    total: backfill.totalTicks,
    dispatched: backfill.dispatched,
    queued,
    running,
    succeeded,
    failed: Math.max(0, notSucceeded - killed),
    killed,
    skipped: backfill.skipped,
    rate: rate === null ? null : Math.round(rate * 100) / 100,
    eta: etaOf(rate, remaining, nowMs),
  };
}
