import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type Follow, type FollowEvent, type FollowPace, openExecutionFollow, openLogFollow } from '../../../lib/app/follow';
import { type KestraExecution, transition } from '../../../lib/domain/execution';
import type { LogEntry, LogLine, StoredExecution } from '../../../lib/ports';
import { aStoredExecution, aLogEntry } from '../../support/factories';
import { InMemoryExecutionStore } from '../../support/fakes/in-memory-execution-store';
import { InMemoryLogStore } from '../../support/fakes/in-memory-log-store';
import { ManualClock } from '../../support/manual-clock';

const PACE: FollowPace = { pollMs: 1000, heartbeatMs: 5000 };
const LEASE = 'lease';

const line = (seq: number): LogLine => ({ seq, entry: aLogEntry(`line ${seq}`) });

/** What a test reads of an event: its type, the state or message it carries, and its cursor. */
function summary(event: FollowEvent<KestraExecution | LogEntry>): string {
  switch (event.type) {
    case 'heartbeat':
      return 'heartbeat';
    case 'reconnect':
      return `reconnect${event.cursor === undefined ? '' : ` ${event.cursor}`}`;
    default: {
      const data = event.data as Partial<KestraExecution> & Partial<LogEntry>;
      return `${event.type} ${data.state?.current ?? data.message ?? JSON.stringify(data)}`;
    }
  }
}

describe('following', () => {
  let clock: ManualClock;
  let executions: InMemoryExecutionStore;
  let logs: InMemoryLogStore;
  let deps: { clock: ManualClock; sleep: ManualClock['sleep']; executions: InMemoryExecutionStore; logs: InMemoryLogStore };

  beforeEach(() => {
    clock = new ManualClock('2026-03-01T12:00:00.000Z');
    executions = new InMemoryExecutionStore();
    logs = new InMemoryLogStore();
    deps = { clock, sleep: clock.sleep, executions, logs };
  });

  /** The next event, summarised ('done' once the follow ended). */
  async function next<T extends KestraExecution | LogEntry>(events: AsyncGenerator<FollowEvent<T>>): Promise<string> {
    const result = await events.next();
    return result.done ? 'done' : summary(result.value);
  }

  /** Every event until the follow ends (a follow that never ends fails the test after `atMost`). */
  async function all<T extends KestraExecution | LogEntry>(events: AsyncGenerator<FollowEvent<T>>, atMost = 100): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < atMost; i++) {
      const event = await next(events);
      if (event === 'done') return seen;
      seen.push(event);
    }
    throw new Error(`the follow did not end after ${atMost} events: ${seen.slice(-5).join(', ')}`);
  }

  /** Takes the execution as a worker does: RUNNING under a lease. */
  async function claim(id = 'e1'): Promise<StoredExecution> {
    const claimed = await executions.claim(id, LEASE, clock.now().getTime() + 60_000, clock.now());
    if (claimed.outcome !== 'CLAIMED') throw new Error(`could not claim ${id}: ${claimed.outcome}`);
    return claimed.stored;
  }

  async function finish(stored: StoredExecution, final: 'SUCCESS' | 'FAILED' = 'SUCCESS', keptLogs?: LogLine[]): Promise<void> {
    const execution = { ...stored.execution, state: transition(stored.execution.state, final, clock.now()) };
    expect(await executions.finish({ ...stored, execution, logs: keptLogs }, LEASE)).toBe(true);
  }

  describe('an execution', () => {
    const open = async (id = 'e1') => (await openExecutionFollow(deps, id, PACE)) as Follow<KestraExecution>;

    it('is not followed when it does not exist (the route answers 404)', async () => {
      expect(await openExecutionFollow(deps, 'nope', PACE)).toBeUndefined();
    });

    it('sends its state at once, then each change as it is read, and ends with the final state', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1' }));
      const events = (await open())({ maxMs: 60_000 });

      expect(await next(events)).toBe('start {"id":"e1"}');
      expect(await next(events)).toBe('progress CREATED');
      const running = await claim();
      expect(await next(events)).toBe('progress RUNNING');
      await finish(running);
      expect(await all(events)).toEqual(['progress SUCCESS', 'end SUCCESS']);
    });

    it('sends the Execution as the API answers it, with the fields Kestra 2.x requires', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'RUNNING' }));
      const events = (await open())({ maxMs: 60_000 });
      await events.next();

      const progress = (await events.next()).value as FollowEvent<KestraExecution>;

      expect(progress).toMatchObject({ type: 'progress', data: { id: 'e1', originalId: 'e1', deleted: false, metadata: { attemptNumber: 1 } } });
    });

    it('sends only `start` and `end` for an execution that has ended already, as Kestra does', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'FAILED' }));

      expect(await all((await open())({ maxMs: 60_000 }))).toEqual(['start {"id":"e1"}', 'end FAILED']);
    });

    it('reads the store once per poll interval, and sends a heartbeat after a silence', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'RUNNING' }));
      const events = (await open())({ maxMs: 60_000 });
      await events.next();
      await events.next();
      const reads = vi.spyOn(executions, 'get');
      const from = clock.now().getTime();

      expect(await next(events)).toBe('heartbeat');

      expect(clock.now().getTime() - from).toBe(PACE.heartbeatMs);
      expect(reads).toHaveBeenCalledTimes(PACE.heartbeatMs / PACE.pollMs);
    });

    it('ends with `reconnect` when its window closes before the execution ends', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'RUNNING' }));
      const from = clock.now().getTime();

      expect(await all((await open())({ maxMs: 12_000 }))).toEqual(['start {"id":"e1"}', 'progress RUNNING', 'heartbeat', 'heartbeat', 'reconnect']);
      expect(clock.now().getTime() - from).toBe(12_000);
    });

    it('stops as soon as its client goes away, even in the middle of a wait', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'RUNNING' }));
      const gone = new AbortController();
      // A wait that lasts until the client goes: the follow must not need it to end.
      const follow = (await openExecutionFollow({ ...deps, sleep: () => new Promise(() => undefined) }, 'e1', PACE))!;
      const events = follow({ maxMs: 60_000, signal: gone.signal });
      await events.next();
      await events.next();

      const waiting = events.next();
      gone.abort();

      expect(await waiting).toEqual({ done: true, value: undefined });
    });
  });

  describe('a log', () => {
    const open = async (cursor?: number, id = 'e1') => (await openLogFollow(deps, id, cursor, PACE)) as Follow<LogEntry>;

    it('is not followed when its execution does not exist (the route answers 404)', async () => {
      expect(await openLogFollow(deps, 'nope', undefined, PACE)).toBeUndefined();
    });

    it('sends the lines there are, then each new one as it is written, and ends once the execution ended and its last line is sent', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1' }));
      const running = await claim();
      await logs.append([line(1_000_000), line(1_000_001)]);
      const events = (await open())({ maxMs: 60_000 });

      expect(await next(events)).toBe('start {"namespace":"dev","flowId":"reports","executionId":"e1"}');
      expect(await next(events)).toBe('progress line 1000000');
      expect(await next(events)).toBe('progress line 1000001');
      await logs.append([line(1_000_002)]);
      expect(await next(events)).toBe('progress line 1000002');
      // The last lines ride on the final write (a short log), as the worker saves them.
      await finish(running, 'SUCCESS', [line(1_000_003)]);
      expect(await all(events)).toEqual(['progress line 1000003', 'end {"namespace":"dev","flowId":"reports","executionId":"e1"}']);
    });

    it('gives each line its cursor, and starts after the cursor it is given', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'SUCCESS' }));
      await logs.append([line(1_000_000), line(1_000_001), line(1_000_002)]);

      const events = (await open(1_000_000))({ maxMs: 60_000 });
      await events.next();

      expect((await events.next()).value).toEqual({ type: 'progress', data: line(1_000_001).entry, cursor: '1000001' });
      expect(await all(events)).toEqual(['progress line 1000002', expect.stringMatching(/^end /)]);
    });

    it('reads a long log on without waiting between reads', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'SUCCESS' }));
      await logs.append(Array.from({ length: 1200 }, (_, i) => line(1_000_000 + i)));
      const from = clock.now().getTime();

      const events = await all((await open())({ maxMs: 60_000 }), 2000);

      expect(events.filter((e) => e.startsWith('progress'))).toHaveLength(1200);
      expect(clock.now().getTime()).toBe(from);
    });

    it('ends with `reconnect` from the cursor of its last line sent when its window closes first', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'RUNNING' }));
      await logs.append([line(1_000_000), line(1_000_001)]);

      expect((await all((await open())({ maxMs: 3000 }))).slice(-2)).toEqual(['progress line 1000001', 'reconnect 1000001']);
    });

    it('ends with `reconnect` from the cursor it was given when no line came in its window', async () => {
      await executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'RUNNING' }));

      expect(await all((await open(1_000_005))({ maxMs: 3000 }))).toEqual([expect.stringMatching(/^start /), 'reconnect 1000005']);
    });
  });
});
