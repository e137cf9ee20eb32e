import type { ScheduledExecution } from '../domain/scheduled-execution';
import type { LogEntry } from '../ports';

/**
 * The log line of an execution created FAILED because its labels or inputs could not be rendered
 * or validated, so its logs say why (Kestra does the same); undefined for a healthy one.
 */
export function creationFailureLog(built: ScheduledExecution, at: Date): { seq: number; entry: LogEntry } | undefined {
  if (!built.failure) return undefined;
  const { execution } = built;
  return {
    seq: 0,
    entry: {
      namespace: execution.namespace,
      flowId: execution.flowId,
      executionId: execution.id,
      triggerId: execution.trigger?.id,
      timestamp: at.toISOString(),
      level: 'ERROR',
      message: `Execution could not be created: ${built.failure}`,
    },
  };
}
