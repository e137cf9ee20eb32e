import type { Settings } from '../config';
import type { BackfillRunInput } from '../ports';
import { type DispatchDeps, type DispatchOutput, dispatchBatch } from './dispatch';

export interface DispatchRoundDeps extends DispatchDeps {
  settings: Pick<Settings, 'dispatch'>;
  /** Waits between two checks for room (a timer on AWS and locally; tests let a manual clock pass). */
  sleep: (ms: number) => Promise<void>;
}

export interface RoundLimits {
  /**
   * Time the caller has left, in ms: the Lambda's remaining time less a margin, or, locally, zero
   * once the runtime is closing. The round starts no batch and no wait once it reaches zero.
   */
  remainingMs?: () => number;
}

/**
 * One invocation of the state machine's "Dispatch next batch" task: dispatches batch after batch
 * while there is room, and waits briefly for room inside the invocation, so that one state machine
 * loop iteration (two state transitions: the Task and the Choice) covers thousands of ticks instead
 * of one batch.
 *
 * It returns to the state machine:
 * - at once on PAUSED, CONTINUE_AS_NEW, DONE or GONE (every batch re-reads the backfill, so a pause
 *   or a delete stops dispatching after the batch in hand, and is noticed within `roundPollMs` while waiting);
 * - THROTTLED once it has waited `roundWaitSeconds` for room in vain: the state machine's Wait takes over;
 * - the last status once `roundSeconds` passed, or the caller's time ran out;
 * - an error as thrown, so that the state machine's Retry runs the invocation again.
 *
 * Why wait inside the Lambda at all, and for how long. A hand-over to the state machine's Wait costs
 * three Standard transitions (the Choice, the Wait, the Task again), 3 × $0.000025 = $0.000075,
 * however long the Wait. The dispatch Lambda (arm64, 1,024 MB: cdk/constructs/backfill-functions.ts)
 * costs 1 GB × $0.0000133334 = $0.0000133 per second it waits, plus its polls: a consistent GetItem
 * of the trigger row (1 read unit) and a count of up to `maxInFlight` keys on the unfinished index
 * (about 6 read units at 500), about $0.0000009 per poll at $0.125 per million read units, so
 * $0.0000037 per second at 4 polls a second. Waiting W seconds inside costs about $0.000017 × W: it
 * is cheaper than one hand-over up to about 4.4 s, and costs more after. Hence 4 s by default: a
 * throttle that clears within 4 s (the usual case: room for a batch opens as soon as a batch of
 * executions ends) costs less than the hand-over it saves, and one that lasts longer costs at most
 * about one hand-over more per 6 s (4 s inside, then the Wait's 2 s) than waiting outside alone would.
 * (x86 at $0.0000166667 per GB-s would move the break-even to about 3.7 s.)
 *
 * `iteration` still counts state machine loop iterations, since those are what grow the execution
 * history that continue-as-new bounds: every batch of the round gets the invocation's input, so
 * the round's output carries `iteration + 1` whatever the number of batches, and the
 * CONTINUE_AS_NEW check sees the same count as before.
 *
 * Idempotent as dispatchBatch is: a retried invocation starts again from the cursor stored with the
 * backfill, so the batches an earlier attempt completed are not redone, and the one it was in the
 * middle of is redone without a second execution for any tick.
 */
export async function dispatchRound(deps: DispatchRoundDeps, input: BackfillRunInput, limits: RoundLimits = {}): Promise<DispatchOutput> {
  const { roundSeconds, roundWaitSeconds, roundPollMs } = deps.settings.dispatch;
  const endsAt = deps.clock.now().getTime() + roundSeconds * 1000;
  const timeLeft = () => Math.min(endsAt - deps.clock.now().getTime(), limits.remainingMs?.() ?? Number.POSITIVE_INFINITY);
  // Counted in polls, not on the clock, so a wait ends even where the clock stands still (a test's manual clock).
  const pollsPerWait = Math.max(1, Math.floor((roundWaitSeconds * 1000) / roundPollMs));
  let polls = 0;
  for (;;) {
    const out = await dispatchBatch(deps, input);
    if (out.status === 'DISPATCHED') polls = 0;
    else if (out.status !== 'THROTTLED' || polls >= pollsPerWait) return out;
    if (timeLeft() <= 0) return out;
    if (out.status === 'THROTTLED') {
      polls++;
      await deps.sleep(roundPollMs);
      if (timeLeft() <= 0) return out;
    }
  }
}
