import type { ExecutionStore, LogEntry, LogStore } from '../ports';

export interface ExecutionLogsDeps {
  executions: Pick<ExecutionStore, 'get'>;
  logs: Pick<LogStore, 'list'>;
}

/**
 * An execution's log in `seq` order: the lines in the logs table (earlier attempts', and those of
 * an attempt that logged more than a few lines) merged with those kept with the execution (its
 * last attempt's log, when short).
 */
export async function executionLogs(deps: ExecutionLogsDeps, executionId: string): Promise<LogEntry[]> {
  const [stored, lines] = await Promise.all([deps.executions.get(executionId), deps.logs.list(executionId)]);
  return [...lines, ...(stored?.logs ?? [])].sort((a, b) => a.seq - b.seq).map((line) => line.entry);
}
