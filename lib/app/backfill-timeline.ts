import { NoBackfillError } from '../domain/errors';
import { type LedgerPage, inFlightOf } from '../domain/ledger';
import { type CompiledSchedule, formatInZone } from '../domain/schedule';
import { type TimelineBucket, type TimelineLayout, assembleTimeline, mergeCells, ticksPerCell, timelineLayout } from '../domain/timeline';
import { type BackfillState, type TriggerState, findBackfill, type BackfillTarget } from '../domain/trigger-state';
import type { DispatchLedger, ExecutionStore, FlowStore, TriggerStore } from '../ports';
import { backfillFlow } from './backfill-flow';
import { refOf } from './backfill-targets';
import { resolveTrigger } from './backfills';
import { scheduleOf } from './schedules';

export interface BackfillTimelineDeps {
  flows: Pick<FlowStore, 'get' | 'getRevision'>;
  triggers: Pick<TriggerStore, 'get'>;
  ledger: Pick<DispatchLedger, 'read'>;
  executions: Pick<ExecutionStore, 'runningOf'>;
}

/** `GET …/triggers/{namespace}/{flowId}/{triggerId}/backfill/timeline`: the running backfill's window, cell by cell. */
export interface BackfillTimeline {
  backfillId: string;
  /** The window (as the backfill shows it) and its ticks. */
  start: string;
  end: string;
  ticks: number;
  /**
   * Whether folded ticks are split by state: false for a backfill created before timelines existed
   * (its cells then count them as `ended`).
   */
  split: boolean;
  buckets: TimelineBucket[];
}

/** Reads of the row and its pages before giving up on a consistent pair (a fold between them, each time). */
const ATTEMPTS = 5;

/**
 * A running backfill's timeline (`backfillId`'s, or the earliest's), in at most `buckets` cells (see lib/domain/timeline.ts). A
 * bounded read whatever the window: the flow (its pinned revision), the trigger row, its open
 * ledger pages (at most its executions in flight), the ids of its RUNNING executions (at most as
 * many); the cells' tick counts are enumerated once per backfill and process, then kept.
 *
 * The row and its pages must agree: a page folded between the two reads is gone from the table and
 * not yet in the row as read, so the row is read again (a fold moves both in one write).
 */
export async function backfillTimeline(deps: BackfillTimelineDeps, target: BackfillTarget, buckets: number): Promise<BackfillTimeline> {
  const ref = refOf(target);
  const { state: first, trigger: current } = await resolveTrigger(deps, ref);
  // The one asked for, or Kestra's one: the earliest.
  const id = target.backfillId ?? first.backfill?.id;
  let state: TriggerState | undefined = first;
  for (let attempt = 1; ; attempt++) {
    const backfill = id === undefined ? undefined : findBackfill(state, id);
    if (!backfill) throw new NoBackfillError(target.backfillId);
    const pages = await deps.ledger.read(backfill.openPages);
    if (pages.length === backfill.openPages.length || attempt >= ATTEMPTS) {
      // The pinned revision's schedule: the one dispatch enumerates (the current one if it has none left).
      const trigger = (await backfillFlow(deps.flows, ref, backfill))?.trigger ?? current;
      return timelineOf(backfill, pages, scheduleOf(trigger), trigger.timezone, deps, buckets);
    }
    state = await deps.triggers.get(ref);
  }
}

async function timelineOf(
  backfill: BackfillState,
  pages: LedgerPage[],
  schedule: CompiledSchedule,
  timezone: string,
  deps: BackfillTimelineDeps,
  buckets: number,
): Promise<BackfillTimeline> {
  const inFlight = pages.reduce((sum, page) => sum + inFlightOf(page), 0);
  const running = new Set(inFlight > 0 ? await deps.executions.runningOf(backfill.id, inFlight) : []);
  const layout = timelineLayout(backfill, schedule);
  const cells = assembleTimeline({
    backfill,
    layout,
    cellTicks: cellTicksOf(backfill, layout, schedule),
    countTicks: (fromMs, toMs) => schedule.countBetween(fromMs, toMs, backfill.totalTicks + 1),
    pages,
    running,
    format: (ms) => formatInZone(ms, timezone),
  });
  return {
    backfillId: backfill.id,
    start: backfill.start,
    end: backfill.end,
    ticks: backfill.totalTicks,
    split: backfill.timeline !== undefined,
    buckets: mergeCells(cells, buckets),
  };
}

/** Backfills whose cells' tick counts are known; a few hundred numbers each. */
const CELL_TICKS_KEPT = 64;
const cellTicksKept = new Map<string, number[]>();

/**
 * Ticks per cell: counting them walks the whole window (about 5 ms for the seed's 46,000 ticks, 0.1 s
 * at the 1,000,000 limit), so they are counted once per backfill and process. The key holds
 * everything they derive from (a latestRevision backfill's cron may change), so a kept count is
 * never stale.
 */
function cellTicksOf(backfill: BackfillState, layout: TimelineLayout, schedule: CompiledSchedule): number[] {
  const { cron, withSeconds, timezone } = schedule.spec;
  const key = [backfill.id, backfill.start, backfill.end, layout.cells, cron, withSeconds, timezone].join('\u0000');
  let counts = cellTicksKept.get(key);
  if (!counts) {
    counts = ticksPerCell(layout, schedule, backfill.totalTicks + 1);
    if (cellTicksKept.size >= CELL_TICKS_KEPT) cellTicksKept.delete(cellTicksKept.keys().next().value as string);
    cellTicksKept.set(key, counts);
  }
  return counts;
}
