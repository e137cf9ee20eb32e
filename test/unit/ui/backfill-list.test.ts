import { describe, expect, it } from 'vitest';
import type { Backfill } from '../../../lib/ui/client/api';
import { aBackfillProgress } from '../../support/factories';
import { activeBackfills, backfillsSummary, cursorOf, findBackfill, progressOf } from '../../../lib/ui/client/backfill-list';

const progress = aBackfillProgress;
const backfill = (id: string, extra: Partial<Backfill> = {}) =>
  ({
    id,
    start: '2026-02-01T00:00:00Z',
    end: '2026-02-01T09:00:00Z',
    currentDate: '2026-02-01T03:00:00Z',
    paused: false,
    progress: progress(),
    ...extra,
  }) as Backfill;

describe('activeBackfills', () => {
  it('lists every active backfill the server sends in `backfills`, in its order (earliest window first)', () => {
    const early = backfill('early');
    const late = backfill('late', { start: '2026-02-02T00:00:00Z', end: '2026-02-02T09:00:00Z' });

    expect(activeBackfills({ backfill: early, backfills: [early, late] }).map((b) => b.id)).toEqual(['early', 'late']);
  });

  it('falls back to `backfill` alone from a server that sends no `backfills`', () => {
    expect(activeBackfills({ backfill: backfill('only') }).map((b) => b.id)).toEqual(['only']);
    expect(activeBackfills({})).toEqual([]);
  });

  it('finds a backfill by its id, and none once it has ended', () => {
    const trigger = { backfill: backfill('a'), backfills: [backfill('a'), backfill('b')] };

    expect(findBackfill(trigger, 'b')?.id).toBe('b');
    expect(findBackfill(trigger, 'gone')).toBeUndefined();
    expect(findBackfill({ backfill: backfill('a') }, 'a')?.id).toBe('a');
  });
});

describe('progressOf', () => {
  it('counts every finished tick (succeeded, failed, killed, skipped) against the total', () => {
    expect(progressOf(backfill('a', { progress: progress({ succeeded: 3, failed: 1, killed: 1, skipped: 1, running: 2 }) }))).toEqual({
      done: 6,
      total: 10,
      percent: 60,
    });
    expect(progressOf(backfill('a', { progress: progress({ total: 0 }) }))).toEqual({ done: 0, total: 0, percent: 0 });
  });
});

describe('cursorOf', () => {
  it("is the backfill's next tick while ticks remain to dispatch, none once all are dispatched", () => {
    expect(cursorOf(backfill('a', { progress: progress({ dispatched: 2 }) }))).toBe('2026-02-01T03:00:00Z');
    expect(cursorOf(backfill('a', { progress: progress({ dispatched: 10 }) }))).toBeUndefined();
  });
});

describe('backfillsSummary', () => {
  it("shows one backfill's status as the Triggers tab does, with what a paused one still does", () => {
    expect(backfillsSummary([backfill('a', { progress: progress({ succeeded: 4 }) })])).toEqual({
      label: 'Running',
      badge: 'state-running',
      state: 'running',
      count: 1,
      done: 4,
      total: 10,
      percent: 40,
    });
    expect(backfillsSummary([backfill('a', { paused: true, progress: progress({ dispatched: 10, succeeded: 10 }) })])).toMatchObject({
      label: 'Paused',
      badge: 'state-paused',
      state: 'paused',
      title: 'Paused: nothing is running or waiting.',
    });
  });

  it('counts several backfills, summing their progress', () => {
    const two = [backfill('a', { progress: progress({ succeeded: 5 }) }), backfill('b', { progress: progress({ total: 30, succeeded: 3 }) })];

    expect(backfillsSummary(two)).toEqual({
      label: '2 backfills running',
      badge: 'state-running',
      state: 'running',
      count: 2,
      done: 8,
      total: 40,
      percent: 20,
    });
    expect(backfillsSummary(two.map((b) => ({ ...b, paused: true })))).toMatchObject({ label: '2 backfills paused', badge: 'state-paused', state: 'paused' });
  });

  it('says how many are in each state when they differ, the badge running while any runs', () => {
    const cancelling = backfill('c', { cancelling: { at: '2026-03-01T12:00:00.000Z', by: 'x' } });
    const mixed = [backfill('a'), backfill('b', { paused: true }), cancelling, backfill('d')];

    expect(backfillsSummary(mixed)).toMatchObject({ label: '4 backfills: 2 running, 1 paused, 1 cancelling', badge: 'state-running', state: 'running' });
    expect(backfillsSummary([backfill('b', { paused: true }), cancelling])).toMatchObject({
      label: '2 backfills: 1 paused, 1 cancelling',
      badge: 'state-paused',
      state: 'paused',
    });
  });

  it('is nothing without an active backfill', () => {
    expect(backfillsSummary([])).toBeUndefined();
  });
});
