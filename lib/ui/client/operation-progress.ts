/**
 * A bulk action's progress: Kestra 2.x's bulk routes answer 202 `{operationId, totalItems}` and carry
 * the action out in the background; `GET main/operations/{operationId}` (ours) says how far it got.
 * No Preact and no fetch here (both are handed in), so the polling and the wording are unit-tested.
 */
import type { AsyncOperationResponse, OperationView } from '../../api/responses';

/** What the UI shows of an operation: the 202 alone at first, then each view read. */
export type OperationProgress = Pick<OperationView, 'totalItems' | 'done' | 'failed' | 'state'> & Partial<Pick<OperationView, 'errors' | 'errorsOmitted'>>;

/** The operation as the 202 describes it, before its first read: nothing handled yet. */
export function acceptedProgress(accepted: AsyncOperationResponse): OperationProgress {
  return { totalItems: accepted.totalItems, done: 0, failed: 0, state: 'RUNNING' };
}

const triggers = (n: number) => `${n} trigger${n === 1 ? '' : 's'}`;

/**
 * The progress in words and numbers: `handled` (changed or failed) out of `total`, and one sentence
 * led by the action's label.
 */
export function describeOperation(label: string, p: OperationProgress): { handled: number; total: number; percent: number; ended: boolean; text: string } {
  const handled = p.done + p.failed;
  const total = p.totalItems;
  const percent = total > 0 ? Math.floor((handled / total) * 100) : 100;
  const ended = p.state !== 'RUNNING';
  let text: string;
  if (!ended) text = `${label}: ${handled} of ${triggers(total)} handled…`;
  else if (p.failed === 0) text = `${label}: done, ${p.done} of ${triggers(total)} changed.`;
  else text = `${label}: done, ${p.done} of ${triggers(total)} changed, ${p.failed} failed.`;
  return { handled, total, percent, ended, text };
}

/** The wait before the next read: short at first (most operations end within a second), then up to `maxMs`. */
export function pollDelay(reads: number, firstMs = 250, maxMs = 2000): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, reads - 1));
}

export interface FollowOperationDeps {
  /** Reads the operation (`GET main/operations/{operationId}`). */
  read: (operationId: string) => Promise<OperationView>;
  /** Each view read, in order. */
  onUpdate: (view: OperationView) => void;
  wait: (ms: number) => Promise<void>;
  /** True once nobody looks any more (the page was left): the reads stop. */
  stopped?: () => boolean;
  /** Reads in a row that may fail (a network blip) before the follow gives up with the last error. */
  maxFailures?: number;
  /** Reads at most: an operation still running after them is left to run on, unwatched. */
  maxReads?: number;
}

/**
 * Reads the operation until it has ended, handing each view to `onUpdate`, waiting `pollDelay`
 * between reads. Resolves to the last view read (still RUNNING if `maxReads` ran out), or
 * `undefined` when stopped before any read; rejects after `maxFailures` failed reads in a row.
 */
export async function followOperation(operationId: string, deps: FollowOperationDeps): Promise<OperationView | undefined> {
  const { maxFailures = 3, maxReads = 600 } = deps;
  let last: OperationView | undefined;
  let failures = 0;
  for (let reads = 1; reads <= maxReads; reads++) {
    if (deps.stopped?.()) return last;
    let view: OperationView | undefined;
    try {
      view = await deps.read(operationId);
      failures = 0;
    } catch (error) {
      if (++failures >= maxFailures) throw error;
    }
    if (view) {
      last = view;
      if (deps.stopped?.()) return last;
      deps.onUpdate(view);
      if (view.state !== 'RUNNING') return view;
    }
    if (reads < maxReads) await deps.wait(pollDelay(reads));
  }
  return last;
}
