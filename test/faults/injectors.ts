import type { LocalDependencies } from '../../local/runtime';
import type { ExecutionLane, ExecutionMessage, StoredExecution } from '../../lib/ports';
import { seededRandom } from '../support/seeded-random';

/** Faults of the queue, per message sent (at most one each). */
export interface QueueFaults {
  /** Delivered twice. */
  duplicate?: number;
  /** Delivered after up to `delayMs`. */
  delay?: number;
  delayMs?: number;
  /** Never delivered: only the sweep can bring it back. */
  lose?: number;
}

/** Faults inside the product's own functions. */
export interface ProcessFaults {
  /**
   * Share of executions whose worker crashes on their first run, after it wrote them RUNNING under
   * its lease: it stops there and never releases the lease (a dead worker cannot), so recovery takes
   * the lease's expiry and a redelivery.
   */
  workerCrash?: number;
  /** Chance that dispatch crashes just after opening a ledger page, or just after advancing the cursor (each time it does either). */
  dispatchCrash?: number;
}

export interface InjectedCounts {
  duplicated: number;
  delayed: number;
  lost: number;
  workerCrashes: number;
  dispatchCrashes: number;
}

class InjectedCrash extends Error {
  constructor(where: string) {
    super(`Injected crash: ${where}`);
    this.name = 'InjectedCrash';
  }
}

/**
 * Wraps the local runtime's ports (LocalInstrumentation.dependencies) with the faults asked for,
 * chosen by a seeded random source. Returns the wrapper and what it injected, and a `stop` that
 * cancels delayed messages still pending.
 */
export function faultInjector(
  seed: number,
  queueFaults: QueueFaults = {},
  processFaults: ProcessFaults = {},
): {
  wrap(deps: LocalDependencies): LocalDependencies;
  handler<I, O>(name: string, run: (input: I) => Promise<O>): (input: I) => Promise<O>;
  counts: InjectedCounts;
  stop(): void;
} {
  const random = seededRandom(seed);
  const counts: InjectedCounts = { duplicated: 0, delayed: 0, lost: 0, workerCrashes: 0, dispatchCrashes: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const crashedTokens = new Set<string>();
  // A crash ends the dispatch invocation it hits, as a Lambda dying would: the state machine's Retry
  // runs it again. At most one crash per invocation, and never more than two crashed invocations in
  // a row: the state machine gives a state entry five retries, counting every failed invocation of
  // the entry however far each got, and then backs off for minutes (see the README).
  let crashedInARow = 0;
  let crashedThisInvocation = false;
  const maybeCrashDispatch = (where: string) => {
    if (crashedThisInvocation || crashedInARow >= 2 || random() >= (processFaults.dispatchCrash ?? 0)) return;
    crashedThisInvocation = true;
    counts.dispatchCrashes++;
    throw new InjectedCrash(where);
  };
  const handler = <I, O>(name: string, run: (input: I) => Promise<O>) => {
    if (name !== 'dispatch' || !processFaults.dispatchCrash) return run;
    return async (input: I) => {
      crashedThisInvocation = false;
      try {
        return await run(input);
      } finally {
        crashedInARow = crashedThisInvocation ? crashedInARow + 1 : 0;
      }
    };
  };

  const wrap = (deps: LocalDependencies): LocalDependencies => {
    const realSend = deps.queue.send.bind(deps.queue);
    const send = async (messages: ExecutionMessage[], lane: ExecutionLane) => {
      const now: ExecutionMessage[] = [];
      for (const message of messages) {
        const roll = random();
        let edge = queueFaults.lose ?? 0;
        if (roll < edge) {
          counts.lost++;
          continue;
        }
        edge += queueFaults.duplicate ?? 0;
        if (roll < edge) {
          counts.duplicated++;
          now.push(message, message);
          continue;
        }
        edge += queueFaults.delay ?? 0;
        if (roll < edge) {
          counts.delayed++;
          const timer = setTimeout(
            () => {
              timers.delete(timer);
              void realSend([message], lane);
            },
            Math.floor(random() * (queueFaults.delayMs ?? 2000)),
          );
          timers.add(timer);
          continue;
        }
        now.push(message);
      }
      if (now.length) await realSend(now, lane);
    };
    const queue = new Proxy(deps.queue, { get: (target, name, receiver) => (name === 'send' ? send : Reflect.get(target, name, receiver)) });

    const executions = deps.executions;
    const save = async (stored: StoredExecution, leaseToken: string) => {
      const saved = await executions.save(stored, leaseToken);
      const runs = stored.execution.state.histories.filter((h) => h.state === 'RUNNING').length;
      if (saved && runs === 1 && random() < (processFaults.workerCrash ?? 0)) {
        counts.workerCrashes++;
        crashedTokens.add(leaseToken);
        throw new InjectedCrash(`worker running execution ${stored.execution.id}`);
      }
      return saved;
    };
    const releaseLease = async (id: string, leaseToken: string) => {
      if (crashedTokens.has(leaseToken)) return; // a crashed worker releases nothing
      await executions.releaseLease(id, leaseToken);
    };
    const wrappedExecutions = new Proxy(executions, {
      get: (target, name, receiver) => (name === 'save' ? save : name === 'releaseLease' ? releaseLease : Reflect.get(target, name, receiver)),
    });

    const ledger = deps.ledger;
    const open: typeof ledger.open = async (page) => {
      const opened = await ledger.open(page);
      maybeCrashDispatch(`dispatch after opening ledger page ${page.id}`);
      return opened;
    };
    const wrappedLedger = new Proxy(ledger, { get: (target, name, receiver) => (name === 'open' ? open : Reflect.get(target, name, receiver)) });
    const triggers = deps.triggers;
    const advanceBackfill: typeof triggers.advanceBackfill = async (...args) => {
      const advanced = await triggers.advanceBackfill(...args);
      maybeCrashDispatch('dispatch after advancing the cursor');
      return advanced;
    };
    const wrappedTriggers = new Proxy(triggers, {
      get: (target, name, receiver) => (name === 'advanceBackfill' ? advanceBackfill : Reflect.get(target, name, receiver)),
    });

    return { ...deps, queue, executions: wrappedExecutions, ledger: wrappedLedger, triggers: wrappedTriggers };
  };
  return {
    wrap,
    handler,
    counts,
    stop: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
