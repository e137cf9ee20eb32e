import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Synchronous work between two turns of the event loop, at most (unless one step alone takes
 * longer). Locally the API answers on the same loop as dispatch and the worker: a request waits
 * about this long behind a batch of slow renders, not the whole batch.
 */
const YIELD_EVERY_MS = 10;

export interface YieldOptions {
  everyMs?: number;
  /** The clock the work is measured on; tests pass one that moves with the work. */
  elapsedMs?: () => number;
}

/**
 * A checkpoint for a loop of synchronous steps: awaiting it gives the event loop a turn (timers,
 * I/O, HTTP requests) once `everyMs` of work has gone by since the last turn, and costs a clock read
 * otherwise. An `await` of a resolved promise is not enough: it only runs microtasks.
 */
export function yielder(options: YieldOptions = {}): () => Promise<void> {
  const everyMs = options.everyMs ?? YIELD_EVERY_MS;
  const elapsedMs = options.elapsedMs ?? (() => performance.now());
  let since = elapsedMs();
  return async () => {
    if (elapsedMs() - since < everyMs) return;
    await nextTurn();
    since = elapsedMs();
  };
}

/** Maps `fn` over `items` synchronously, with a `yielder` checkpoint between items. */
export async function mapYielding<T, R>(items: readonly T[], fn: (item: T, index: number) => R, options: YieldOptions = {}): Promise<R[]> {
  const breathe = yielder(options);
  const results: R[] = [];
  for (const [index, item] of items.entries()) {
    if (index > 0) await breathe();
    results.push(fn(item, index));
  }
  return results;
}
