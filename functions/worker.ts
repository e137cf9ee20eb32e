import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { TERMINAL_STATES } from '../lib/domain/execution';
import { type RunOutcome, type WorkerDeps, createExecutionRunner } from '../lib/app/worker';
import type { ExecutionMessage, ExecutionQueue, StoredExecution, Telemetry } from '../lib/ports';
import { decorate } from './runtime/decorate';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export interface WorkerHandlerDeps extends WorkerDeps {
  queue: Pick<ExecutionQueue, 'retryAfter'>;
  telemetry: Telemetry;
}

/** The part of Lambda's context the worker reads (the local queue passes its own). */
export interface WorkerContext {
  getRemainingTimeInMillis(): number;
}

export type WorkerHandler = (event: SQSEvent, context?: WorkerContext) => Promise<SQSBatchResponse>;

/**
 * SQS → runs each execution. Records that must come back later (another worker holds the
 * execution, or an error) are reported as batch item failures, so the rest of the batch is deleted;
 * one whose execution is leased elsewhere comes back when that lease ends, not after the queue's
 * (long) visibility timeout.
 *
 * Per invocation it emits `ExecutionsEnded` by final state (dimension `state`), `WorkerRetries`
 * (messages sent back for later: another worker holds the execution, or the run failed) and
 * `RunsRejected` (runs that failed with an error, not a failed task), and logs errors with the
 * message's `executionId` and `backfillId`.
 */
export function createWorkerHandler(deps: WorkerHandlerDeps): WorkerHandler {
  const { telemetry } = deps;
  const ends = new ExecutionEnds();
  const runner = createExecutionRunner({ ...deps, executions: ends.observe(deps.executions) });
  return async (event, context) => {
    const counts = { retries: 0, rejected: 0 };
    try {
      return await handle(event, context, counts);
    } finally {
      const byState = new Map<string, number>();
      for (const end of ends.take(event.Records.map(executionIdOf))) {
        telemetry.debug('execution ended', { ...end });
        byState.set(end.state, (byState.get(end.state) ?? 0) + 1);
      }
      for (const [state, n] of byState) telemetry.metric('ExecutionsEnded', 'Count', n, { state });
      telemetry.metric('WorkerRetries', 'Count', counts.retries);
      telemetry.metric('RunsRejected', 'Count', counts.rejected);
      telemetry.publish();
    }
  };

  async function handle(event: SQSEvent, context: WorkerContext | undefined, counts: { retries: number; rejected: number }): Promise<SQSBatchResponse> {
    // Without a context (a direct call), the invocation gets the whole WORKER_TIMEOUT_SECONDS from now.
    const deadline = Date.now() + deps.settings.worker.timeoutSeconds * 1000;
    const limits = { remainingMs: () => context?.getRemainingTimeInMillis() ?? deadline - Date.now() };
    // A run that failed (an error, not a failed task) comes back after a delay that doubles with each
    // delivery, instead of after the queue's visibility timeout (90 minutes on AWS).
    const retryLater = async (record: SQSRecord) => {
      const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1;
      const seconds = Math.min(MAX_RETRY_DELAY_SECONDS, (deps.settings.worker.retryBaseMs / 1000) * 2 ** (receives - 1));
      await deps.queue.retryAfter({ eventSourceArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, seconds).catch((error: unknown) => {
        telemetry.error('Could not delay the retry of a message; it comes back after the visibility timeout', { ...idsOf(record), error });
      });
      counts.retries++;
      failed.push(record.messageId);
    };
    const runnable: { record: SQSRecord; message: ExecutionMessage }[] = [];
    const failed: string[] = [];
    for (const record of event.Records) {
      const message = messageOf(record);
      // Unreadable: retried, then the dead-letter queue keeps it.
      if (message === null) {
        counts.retries++;
        failed.push(record.messageId);
      } else if (message !== undefined) runnable.push({ record, message });
    }
    let results: PromiseSettledResult<RunOutcome>[];
    try {
      results = await runner.runExecutions(
        runnable.map((r) => r.message),
        limits,
      );
    } catch (error) {
      // The batch's claim read failed: nothing ran, every message comes back.
      telemetry.error('Claiming the batch failed; its messages will be retried', { messages: runnable.length, error });
      counts.rejected += runnable.length;
      for (const { record } of runnable) await retryLater(record);
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
    }
    await Promise.all(
      runnable.map(async ({ record, message }, i) => {
        const result = results[i];
        try {
          if (!result) throw new Error(`No run result for execution ${message.executionId}`);
          if (result.status === 'rejected') throw result.reason;
          if (result.value.outcome === 'DONE') return;
          await deps.queue.retryAfter({ eventSourceArn: record.eventSourceARN, receiptHandle: record.receiptHandle }, result.value.afterSeconds);
          telemetry.debug('Execution held by another worker; the message comes back when its lease ends', {
            ...idsOf(record, message),
            afterSeconds: result.value.afterSeconds,
          });
          counts.retries++;
          failed.push(record.messageId);
        } catch (error) {
          telemetry.error('Execution message failed; it will be retried', { ...idsOf(record, message), error });
          counts.rejected++;
          await retryLater(record);
        }
      }),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  }

  /** The message with the ids a log line about it carries (as far as the message tells them). */
  function messageOf(record: SQSRecord): ExecutionMessage | undefined | null {
    try {
      const message = JSON.parse(record.body) as ExecutionMessage;
      if (typeof message.executionId !== 'string') {
        telemetry.error('Dropping a message without executionId', { messageId: record.messageId });
        return undefined;
      }
      // Only this service sends these; a document that does not name the message's execution is not one of ours.
      if (message.created !== undefined && message.created?.execution?.id !== message.executionId) {
        telemetry.error('Dropping a message whose document is not its execution', idsOf(record, message));
        return undefined;
      }
      return message;
    } catch (error) {
      telemetry.error('Execution message is not JSON; it will be retried', { messageId: record.messageId, error });
      return null;
    }
  }
}

function idsOf(record: SQSRecord, message?: ExecutionMessage): { messageId: string; executionId?: string; backfillId?: string } {
  return { messageId: record.messageId, executionId: message?.executionId, backfillId: message?.created?.origin.backfillId };
}

/** The execution id a record names, read again only for counting (unreadable: none). */
function executionIdOf(record: SQSRecord): string {
  try {
    return String((JSON.parse(record.body) as Partial<ExecutionMessage>).executionId ?? '');
  } catch {
    return '';
  }
}

/**
 * The final states the worker wrote, by execution id, until the invocation whose message named the
 * execution takes them: the local queue runs several invocations of one handler side by side, so a
 * count shared by the handler would mix theirs. An end is an execution store write that landed with a
 * terminal state: `finish` (under the lease), or `createIfAbsent` (a flow of instant tasks, written
 * once, ended).
 */
class ExecutionEnds {
  private readonly ends = new Map<string, ExecutionEnd>();

  observe(executions: WorkerDeps['executions']): WorkerDeps['executions'] {
    const record = (stored: StoredExecution, written: boolean) => {
      const { id: executionId, state } = stored.execution;
      if (written && TERMINAL_STATES.has(state.current))
        this.ends.set(executionId, { executionId, backfillId: stored.origin.backfillId, state: state.current });
      return written;
    };
    return decorate(executions, {
      finish: async (stored: StoredExecution, leaseToken: string) => record(stored, await executions.finish(stored, leaseToken)),
      createIfAbsent: async (stored: StoredExecution) => record(stored, await executions.createIfAbsent(stored)),
    });
  }

  /** The ends among `ids`, forgotten once taken. */
  take(ids: string[]): ExecutionEnd[] {
    return ids.flatMap((id) => {
      const end = this.ends.get(id);
      this.ends.delete(id);
      return end ? [end] : [];
    });
  }
}

interface ExecutionEnd {
  executionId: string;
  backfillId?: string;
  state: string;
}

/** The longest delay a retry waits (SQS allows up to 12 hours; past a few deliveries the dead-letter consumer takes over anyway). */
const MAX_RETRY_DELAY_SECONDS = 15 * 60;

export const handler = onFirstCall(() => createWorkerHandler(awsDependencies()));
