import { describe, expect, it } from 'vitest';
import { type IndexedExecution, SearchCheckpoints, type SearchSignature } from '../../../lib/adapters/dynamodb/search-checkpoints';

/**
 * The checkpoints' bookkeeping, one case at a time (test/integration/search-checkpoints.test.ts
 * checks whole searches against dynalite). Sort keys here are plain letters: later sorts higher.
 */
const FLOW = 'ns|flow';
const LABELLED: SearchSignature = { flows: [FLOW], labelKeys: ['reason:outage'] };
const BY_STATE: SearchSignature = { flows: [FLOW], states: ['SUCCESS'] };

function execution(sortKey: string, overrides: Partial<IndexedExecution> = {}): IndexedExecution {
  return { flow: FLOW, id: `id-${sortKey}`, sortKey, state: 'SUCCESS', labelKeys: ['reason:outage'], ...overrides };
}

/** A search that passed matches at `m` (10 above it) and `f` (20 above it). */
function recordTwo(checkpoints: SearchCheckpoints, signature = LABELLED, seen: string[] = []) {
  const reading = checkpoints.reading(signature);
  reading.read(seen);
  reading.passed({ sortKey: 'm', above: 10 }, false);
  reading.passed({ sortKey: 'f', above: 20 }, true);
  return reading;
}

/** An end date: the first, second… day of March 2026. */
const DAY = (day: number) => `2026-03-0${day}T00:00:00.000Z`;

const checkpoints = () => new SearchCheckpoints({ spacing: 10 });

const positions = (checkpoints: SearchCheckpoints, signature = LABELLED) => {
  const reading = checkpoints.reading(signature);
  const found = [reading.startFor(15), reading.startFor(1_000)];
  reading.finish(false);
  return found.map((checkpoint) => checkpoint && `${checkpoint.sortKey}:${checkpoint.above}`);
};

describe('search checkpoints', () => {
  it('serves what a search passed, deepest first at or before the result asked for', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 10 });
    recordTwo(checkpoints).finish(true);
    const reading = checkpoints.reading(LABELLED);
    expect([reading.startFor(9), reading.startFor(10), reading.startFor(19), reading.startFor(25)]).toEqual([
      undefined,
      { sortKey: 'm', above: 10 },
      { sortKey: 'm', above: 10 },
      { sortKey: 'f', above: 20 },
    ]);
    expect(reading.deepest()).toEqual({ sortKey: 'f', above: 20 });
  });

  it('keeps nothing from a search that failed, or from another search', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 10 });
    recordTwo(checkpoints).finish(false);
    recordTwo(checkpoints, { flows: [FLOW] }).finish(true);
    expect(positions(checkpoints)).toEqual([undefined, undefined]);
  });

  it('counts a matching execution added above a checkpoint, not one below it or one that does not match', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 10 });
    recordTwo(checkpoints).finish(true);
    checkpoints.adding([execution('z')])('added');
    checkpoints.adding([execution('k')])('added');
    checkpoints.adding([execution('a')])('added');
    checkpoints.adding([execution('y', { labelKeys: ['reason:other'] })])('added');
    checkpoints.adding([execution('x', { flow: 'ns|other' })])('added');
    checkpoints.adding([execution('w')])('unchanged');
    expect(positions(checkpoints)).toEqual(['m:11', 'f:22']);
  });

  it('drops the checkpoints an execution that may have been added sorts above, and all of a flow after an unconditional put', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 10 });
    recordTwo(checkpoints).finish(true);
    checkpoints.adding([execution('k')])('maybe-added');
    expect(positions(checkpoints)).toEqual(['m:10', 'm:10']);
    checkpoints.adding([execution('b', { labelKeys: [] })])('unknown');
    expect(positions(checkpoints)).toEqual([undefined, undefined]);
  });

  it('counts a write in flight during a search once it lands, unless the search read it', () => {
    for (const [seen, expected] of [
      [true, 'f:20'],
      [false, 'f:21'],
    ] as const) {
      const checkpoints = new SearchCheckpoints({ spacing: 10 });
      const settle = checkpoints.adding([execution('k')]);
      const reading = recordTwo(checkpoints, LABELLED, seen ? ['id-k'] : []);
      reading.finish(true);
      // Not used while a write that overlapped the search is pending.
      expect(positions(checkpoints)).toEqual([undefined, undefined]);
      settle('added');
      expect(positions(checkpoints)).toEqual(['m:10', expected]);
    }
  });

  it('counts a write that began during a search and settled before it ended, unless the search read it', () => {
    for (const [seen, expected] of [
      [true, 'f:20'],
      [false, 'f:21'],
    ] as const) {
      const checkpoints = new SearchCheckpoints({ spacing: 10 });
      const reading = checkpoints.reading(LABELLED);
      const settle = checkpoints.adding([execution('k')]);
      reading.read(seen ? ['id-k'] : []);
      reading.passed({ sortKey: 'm', above: 10 }, false);
      reading.passed({ sortKey: 'f', above: 20 }, true);
      settle('added');
      reading.finish(true);
      expect(positions(checkpoints)).toEqual(['m:10', expected]);
    }
  });

  it('does not count a write the search read twice when it settles (an unconditional put may replace: then nothing is kept)', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 10 });
    const settle = checkpoints.adding([execution('k')]);
    recordTwo(checkpoints, LABELLED, ['id-k']).finish(true);
    settle('unknown');
    expect(positions(checkpoints)).toEqual([undefined, undefined]);
  });

  it('drops state-filtered checkpoints on any state change, and keeps none from a search that overlaps one', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 10 });
    recordTwo(checkpoints, BY_STATE).finish(true);
    recordTwo(checkpoints).finish(true);
    const end = checkpoints.changingStates();
    expect(positions(checkpoints, BY_STATE)).toEqual([undefined, undefined]);
    recordTwo(checkpoints, BY_STATE).finish(true); // began while a state change was in flight
    end();
    expect(positions(checkpoints, BY_STATE)).toEqual([undefined, undefined]);
    const reading = recordTwo(checkpoints, BY_STATE);
    checkpoints.changingStates()(); // began and ended during the search
    reading.finish(true);
    expect(positions(checkpoints, BY_STATE)).toEqual([undefined, undefined]);
    // Labels never change: a state change moves nothing in a search that does not filter on state.
    expect(positions(checkpoints)).toEqual(['m:10', 'f:20']);
  });

  it('drops the checkpoints of searches filtered on the end date on any state change (an end is set or taken away), not those filtered on the trigger', () => {
    const ENDED: SearchSignature = { flows: [FLOW], endDates: { from: DAY(1) } };
    const BY_TRIGGER: SearchSignature = { flows: [FLOW], triggerId: [{ operation: 'EQUALS', values: ['hourly'] }] };
    const kept = checkpoints();
    recordTwo(kept, ENDED).finish(true);
    recordTwo(kept, BY_TRIGGER).finish(true);
    expect(positions(kept, ENDED)).toEqual(['m:10', 'f:20']);
    const end = kept.changingStates();
    recordTwo(kept, ENDED).finish(true); // began while a state change was in flight
    end();
    expect(positions(kept, ENDED)).toEqual([undefined, undefined]);
    expect(positions(kept, BY_TRIGGER)).toEqual(['m:10', 'f:20']);
  });

  it('tells searches apart by their trigger conditions and end date range, and accounts for an added execution by its trigger and end', () => {
    const HOURLY: SearchSignature = { flows: [FLOW], triggerId: [{ operation: 'EQUALS', values: ['hourly'] }] };
    const NOT_HOURLY: SearchSignature = { flows: [FLOW], triggerId: [{ operation: 'NOT_EQUALS', values: ['hourly'] }] };
    const ENDED_SINCE_2: SearchSignature = { flows: [FLOW], endDates: { from: DAY(2) } };
    const kept = checkpoints();
    for (const signature of [HOURLY, ENDED_SINCE_2]) recordTwo(kept, signature).finish(true);
    expect(positions(kept, NOT_HOURLY)).toEqual([undefined, undefined]);
    expect(positions(kept, { flows: [FLOW], endDates: { from: DAY(3) } })).toEqual([undefined, undefined]);

    kept.adding([execution('l', { id: 'l1', triggerId: 'hourly' }), execution('k', { id: 'k1', triggerId: 'daily' }), execution('j', { id: 'j1' })])([
      'added',
      'added',
      'added',
    ]);
    kept.adding([execution('i', { id: 'i1', endDate: DAY(3) }), execution('h', { id: 'h1', endDate: DAY(1) }), execution('g', { id: 'g1' })])([
      'added',
      'added',
      'added',
    ]);
    // Between f and m: HOURLY counts l only; ENDED_SINCE_2 counts i only (h ended before day 2, j and g are unfinished).
    expect(positions(kept, HOURLY)).toEqual(['m:10', 'f:21']);
    expect(positions(kept, ENDED_SINCE_2)).toEqual(['m:10', 'f:21']);
  });

  it('accounts for an added execution by its state in a state-filtered search', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 10 });
    recordTwo(checkpoints, BY_STATE).finish(true);
    checkpoints.adding([execution('k', { state: 'FAILED' }), execution('l', { id: 'id-l' })])(['added', 'added']);
    expect(positions(checkpoints, BY_STATE)).toEqual(['m:10', 'f:21']);
  });

  it('records every `spacing` matches and where a page ended', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 10 });
    const reading = checkpoints.reading(LABELLED);
    for (let above = 1; above <= 25; above++) reading.passed({ sortKey: String.fromCharCode(123 - above), above }, false);
    reading.passed({ sortKey: String.fromCharCode(123 - 25), above: 25 }, true);
    reading.finish(true);
    const again = checkpoints.reading(LABELLED);
    expect([again.startFor(9), again.startFor(14), again.startFor(24), again.startFor(99)].map((c) => c?.above)).toEqual([undefined, 10, 20, 25]);
  });

  it('stays bounded: checkpoints per search, and searches (least recently used forgotten)', () => {
    const checkpoints = new SearchCheckpoints({ spacing: 1 });
    const reading = checkpoints.reading(LABELLED);
    for (let above = 1; above <= 5_000; above++) reading.passed({ sortKey: String(1_000_000 - above), above }, false);
    reading.finish(true);
    const kept = checkpoints.reading(LABELLED);
    expect(kept.deepest()?.above).toBe(5_000);
    const starts = new Set(Array.from({ length: 5_000 }, (_, from) => kept.startFor(from)?.above));
    expect(starts.size).toBeLessThanOrEqual(1_025);

    for (let i = 0; i < 32; i++) recordTwo(checkpoints, { flows: [`ns|flow${i}`] }).finish(true);
    expect(positions(checkpoints)).toEqual([undefined, undefined]);
    expect(positions(checkpoints, { flows: ['ns|flow31'] })).toEqual(['m:10', 'f:20']);
  });
});
