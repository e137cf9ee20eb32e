import type { DispatchOutput } from '../lib/app/dispatch';
import { type DispatchRoundDeps, dispatchRound } from '../lib/app/dispatch-round';
import type { BackfillRunInput, Telemetry } from '../lib/ports';
import { decorate } from './runtime/decorate';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

/**
 * Start no batch this close to the Lambda timeout: room for the batch in hand to finish (a batch is
 * a few requests of at most 100 items each). The round itself ends long before (BACKFILL_DISPATCH_ROUND_SECONDS).
 */
const MARGIN_MS = 30_000;

/** What the handler reads of a Lambda context; the local runtime passes one too (its time runs out when it closes). */
export interface TaskContext {
  getRemainingTimeInMillis(): number;
}

export interface DispatchHandlerDeps extends DispatchRoundDeps {
  telemetry: Telemetry;
}

export type DispatchHandler = (input: BackfillRunInput, context?: TaskContext) => Promise<DispatchOutput>;

/**
 * State machine task "Dispatch next batch": one round of batches (see dispatchRound). Per round it
 * emits `DispatchBatches` and `TicksDispatched` (the batches whose cursor move landed: each is one
 * `advanceBackfill` that returned true), `DispatchThrottled` (a round that ended waiting for room)
 * and `DispatchLag` (seconds from the backfill's next tick to now: how far behind real time it
 * still is), and logs the round with its `backfillId`.
 */
export function createDispatchHandler(deps: DispatchHandlerDeps): DispatchHandler {
  const { telemetry } = deps;
  return async (input, context) => {
    const round = { batches: 0, ticks: 0 };
    const triggers = decorate(deps.triggers, {
      advanceBackfill: async (...args: Parameters<DispatchRoundDeps['triggers']['advanceBackfill']>) => {
        const advanced = await deps.triggers.advanceBackfill(...args);
        if (advanced) {
          round.batches++;
          round.ticks += args[3].dispatchedDelta;
        }
        return advanced;
      },
    });
    const ids = { backfillId: input.backfill.id, generation: input.generation };
    try {
      const limits = context ? { remainingMs: () => context.getRemainingTimeInMillis() - MARGIN_MS } : {};
      const out = await dispatchRound({ ...deps, triggers }, input, limits);
      const lagSeconds = out.currentDate && out.status !== 'DONE' && out.status !== 'GONE' ? lagOf(deps.clock.now(), out.currentDate) : undefined;
      const fields = { ...ids, status: out.status, ...round, currentDate: out.currentDate, lagSeconds };
      // A round that only waited for room says nothing new; its end does (THROTTLED is the state machine's Wait).
      if (round.batches > 0 || (out.status !== 'THROTTLED' && out.status !== 'DISPATCHED')) telemetry.info('dispatch round', fields);
      else telemetry.debug('dispatch round', fields);
      telemetry.metric('DispatchBatches', 'Count', round.batches);
      telemetry.metric('TicksDispatched', 'Count', round.ticks);
      telemetry.metric('DispatchThrottled', 'Count', out.status === 'THROTTLED' ? 1 : 0);
      if (lagSeconds !== undefined) telemetry.metric('DispatchLag', 'Seconds', lagSeconds);
      return out;
    } catch (error) {
      // Thrown on: the state machine's Retry runs the round again.
      telemetry.error('Dispatch round failed; the state machine retries it', { ...ids, ...round, error });
      throw error;
    } finally {
      telemetry.publish();
    }
  };
}

/** Seconds from the backfill's next tick to now; 0 when the tick is still ahead. */
function lagOf(now: Date, currentDate: string): number | undefined {
  const tickMs = Date.parse(currentDate);
  return Number.isNaN(tickMs) ? undefined : Math.max(0, Math.floor((now.getTime() - tickMs) / 1000));
}

export const handler = onFirstCall(() => createDispatchHandler(awsDependencies()));
