import { type Execution, type KillRequest, runsStarted } from '../domain/execution';
import type { LogLine } from '../ports';

/**
 * The seq of the line a kill writes for an execution it ends itself: the last of the run's share of
 * the log (LogWriter numbers a run's lines from `run × 1,000,000` and keeps them below this), so it
 * never overwrites a line a dead worker wrote for that run.
 */
const KILL_LINE_OFFSET = 999_999;

/** The log line of an execution ended KILLED by whoever asked (a kill, a backfill's cancel) rather than by its worker. */
export function killLogLine(execution: Execution, killed: KillRequest): LogLine {
  return {
    seq: runsStarted(execution) * 1_000_000 + KILL_LINE_OFFSET,
    entry: {
      namespace: execution.namespace,
      flowId: execution.flowId,
      executionId: execution.id,
      ...(execution.trigger ? { triggerId: execution.trigger.id } : {}),
      timestamp: killed.at,
      level: 'ERROR',
      message: `Execution killed: ${killed.by}, at ${killed.at}`,
    },
  };
}
