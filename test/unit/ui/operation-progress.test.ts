import { describe, expect, it } from 'vitest';
import type { OperationView } from '../../../lib/api/responses';
import { acceptedProgress, describeOperation, followOperation, pollDelay } from '../../../lib/ui/client/operation-progress';

const view = (over: Partial<OperationView> = {}): OperationView => ({
  operationId: 'op1',
  kind: 'BACKFILL_PAUSE',
  totalItems: 3,
  done: 0,
  failed: 0,
  errors: [],
  errorsOmitted: 0,
  state: 'RUNNING',
  createdAt: '2026-03-01T10:00:00.000Z',
  ...over,
});

/** A read that answers `views` in turn (the last one again once they run out), counting its calls and waits. */
function scripted(views: (OperationView | Error)[]) {
  const waits: number[] = [];
  const seen: OperationView[] = [];
  let reads = 0;
  return {
    waits,
    seen,
    reads: () => reads,
    deps: {
      read: async (id: string) => {
        expect(id).toBe('op1');
        const next = views[Math.min(reads++, views.length - 1)]!;
        if (next instanceof Error) throw next;
        return next;
      },
      onUpdate: (v: OperationView) => seen.push(v),
      wait: async (ms: number) => {
        waits.push(ms);
      },
    },
  };
}

describe('describeOperation', () => {
  it('counts changed and failed triggers as handled while it runs', () => {
    expect(describeOperation('Pause backfills', view({ done: 1, failed: 1 }))).toEqual({
      handled: 2,
      total: 3,
      percent: 66,
      ended: false,
      text: 'Pause backfills: 2 of 3 triggers handled…',
    });
  });

  it('says how many changed once done, and how many failed', () => {
    expect(describeOperation('Disable', view({ totalItems: 1, done: 1, state: 'SUCCESS' })).text).toBe('Disable: done, 1 of 1 trigger changed.');
    const failed = describeOperation('Resume backfills', view({ done: 2, failed: 1, state: 'FAILED' }));
    expect(failed).toMatchObject({ ended: true, percent: 100, text: 'Resume backfills: done, 2 of 3 triggers changed, 1 failed.' });
  });

  it('starts from the 202 alone: nothing handled, running', () => {
    expect(describeOperation('Enable', acceptedProgress({ operationId: 'op1', totalItems: 4 }))).toMatchObject({
      handled: 0,
      total: 4,
      percent: 0,
      ended: false,
    });
  });

  it('is complete for an operation with no trigger', () => {
    expect(describeOperation('Enable', view({ totalItems: 0, state: 'SUCCESS' })).percent).toBe(100);
  });
});

describe('pollDelay', () => {
  it('doubles from a quarter of a second up to two seconds', () => {
    expect([1, 2, 3, 4, 5, 9].map((reads) => pollDelay(reads))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });
});

describe('followOperation', () => {
  it('reads until the operation has ended, handing on each view and waiting between reads', async () => {
    const script = scripted([view(), view({ done: 2 }), view({ done: 3, state: 'SUCCESS', endedAt: '2026-03-01T10:00:01.000Z' })]);
    const last = await followOperation('op1', script.deps);
    expect(last?.state).toBe('SUCCESS');
    expect(script.seen.map((v) => v.done)).toEqual([0, 2, 3]);
    expect(script.waits).toEqual([250, 500]);
  });

  it('ends on FAILED too, with its errors', async () => {
    const errors = [{ namespace: 'dev', flowId: 'f', triggerId: 't', message: 'No backfill found' }];
    const script = scripted([view({ done: 2, failed: 1, errors, state: 'FAILED' })]);
    expect((await followOperation('op1', script.deps))?.errors).toEqual(errors);
    expect(script.waits).toEqual([]);
  });

  it('reads on through a failed read, and gives up after maxFailures in a row', async () => {
    const blip = scripted([view(), new Error('network'), view({ done: 3, state: 'SUCCESS' })]);
    expect((await followOperation('op1', blip.deps))?.state).toBe('SUCCESS');
    expect(blip.seen).toHaveLength(2); // a failed read hands on nothing

    const down = scripted([view(), new Error('down')]);
    await expect(followOperation('op1', { ...down.deps, maxFailures: 2 })).rejects.toThrow('down');
    expect(down.reads()).toBe(3);
  });

  it('stops reading once stopped (the page was left)', async () => {
    let stopped = false;
    const script = scripted([view()]);
    const last = await followOperation('op1', {
      ...script.deps,
      wait: async () => {
        stopped = script.reads() >= 2;
      },
      stopped: () => stopped,
    });
    expect(last?.state).toBe('RUNNING');
    expect(script.reads()).toBe(2);
  });

  it('leaves an operation that never ends after maxReads, returning its last view', async () => {
    const script = scripted([view({ done: 1 })]);
    const last = await followOperation('op1', { ...script.deps, maxReads: 4 });
    expect(last).toMatchObject({ done: 1, state: 'RUNNING' });
    expect(script.reads()).toBe(4);
    expect(script.waits).toHaveLength(3);
  });
});
