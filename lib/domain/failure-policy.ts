/**
 * A backfill's failure policy (beyond Kestra; after Step Functions Distributed Map's
 * `ToleratedFailureCount` and `ToleratedFailurePercentage`): how many of its executions may FAIL
 * before it stops, and how it stops.
 *
 * - Only executions that ended FAILED count. KILLED ones do not: someone asked for them to stop,
 *   which says nothing about the flow; nor do ticks skipped by `reprocess`.
 * - `maxFailurePercent` is a share of the window's ticks (`totalTicks`, fixed at creation), as
 *   Distributed Map's percentage is of the total items: known from the start, so the first failure
 *   of a large backfill does not trip it the way a share of the executions ended so far would.
 * - Both given: the lower of the two tolerated counts applies. It trips once the failures counted
 *   exceed it (`maxFailures: 0` stops at the first one).
 * - Failures are counted since the backfill was created or last resumed: resuming a backfill the
 *   policy paused gives it the same allowance again, rather than tripping at once on the failures
 *   it was paused for (Distributed Map and Airflow have no resume to copy).
 */
export const FAILURE_POLICY_ACTIONS = ['PAUSE', 'CANCEL'] as const;
export type FailurePolicyAction = (typeof FAILURE_POLICY_ACTIONS)[number];

export interface FailurePolicy {
  /** FAILED executions tolerated; at least one of the two thresholds is set. */
  maxFailures?: number;
  /** FAILED executions tolerated, as a percentage (0 to 100) of the window's ticks. */
  maxFailurePercent?: number;
  /** PAUSE (resumable) or CANCEL (its executions killed, see `cancelBackfill`). */
  action: FailurePolicyAction;
}

/** Why a failure policy stopped a backfill: its `pausedReason` while paused, or the cancelled one's `lastBackfill.cancelledReason`. */
export interface FailurePolicyTrip {
  kind: 'FAILURE_POLICY';
  /** FAILED executions counted when it tripped (since the backfill was created or last resumed). */
  failed: number;
  /** FAILED executions the policy tolerates: `failed` exceeded it. */
  threshold: number;
  /** When it tripped. */
  at: string;
}

/**
 * How many FAILED executions the policy tolerates over a window of `totalTicks` ticks. The
 * percentage's share is rounded down (10% of 25 ticks tolerates 2); a hair of slack keeps binary
 * fractions from rounding a whole share down (0.29 × 100 is 28.999…).
 */
export function toleratedFailures(policy: FailurePolicy, totalTicks: number): number {
  const limits: number[] = [];
  if (policy.maxFailures !== undefined) limits.push(policy.maxFailures);
  if (policy.maxFailurePercent !== undefined) limits.push(Math.floor((policy.maxFailurePercent * totalTicks) / 100 + 1e-9));
  return limits.length ? Math.min(...limits) : Number.POSITIVE_INFINITY;
}

/** The trip, when `failed` FAILED executions (counted since creation or the last resume) exceed what the policy tolerates. */
export function failurePolicyTrip(policy: FailurePolicy, totalTicks: number, failed: number, at: Date): FailurePolicyTrip | undefined {
  const threshold = toleratedFailures(policy, totalTicks);
  return failed > threshold ? { kind: 'FAILURE_POLICY', failed, threshold, at: at.toISOString() } : undefined;
}

/** The trip in words, for logs and the UI. */
export function describeTrip(trip: FailurePolicyTrip): string {
  return `${trip.failed} execution${trip.failed === 1 ? '' : 's'} FAILED, more than the ${trip.threshold} its failure policy tolerates`;
}
