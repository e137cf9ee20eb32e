import { describe, expect, it } from 'vitest';
import { pausedNote } from '../../../lib/ui/client/paused-note';

describe('pausedNote', () => {
  it('says that running executions finish and that queued and undispatched ticks wait', () => {
    expect(pausedNote({ total: 80, dispatched: 24, queued: 2, running: 3 })).toBe(
      'Paused: 3 executions already running will finish (a pause stops none that has started). 2 queued and 56 not dispatched yet wait for Resume.',
    );
  });

  it('says a pause has nothing left to hold back when everything already runs (a small backfill)', () => {
    expect(pausedNote({ total: 4, dispatched: 4, queued: 0, running: 1 })).toBe(
      'Paused: 1 execution already running will finish (a pause stops none that has started). Nothing else is left to hold back.',
    );
  });

  it('once the running ones have ended, names only what waits', () => {
    expect(pausedNote({ total: 80, dispatched: 28, queued: 4, running: 0 })).toBe('Paused: 4 queued and 52 not dispatched yet wait for Resume.');
    expect(pausedNote({ total: 10, dispatched: 10, queued: 1, running: 0 })).toBe('Paused: 1 queued waits for Resume.');
    expect(pausedNote({ total: 10, dispatched: 10, queued: 0, running: 0 })).toBe('Paused: nothing is running or waiting.');
  });
});
