import { describe, expect, it } from 'vitest';
import { humanDuration, paceText } from '../../../lib/ui/client/backfill-pace';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const progress = { total: 100, dispatched: 40, queued: 5, running: 5, succeeded: 30, failed: 0, killed: 0, skipped: 0 };

describe('humanDuration', () => {
  it('says a duration as a person would, never as ISO', () => {
    expect(humanDuration(20_000)).toBe('less than a minute');
    expect(humanDuration(4 * 60_000 + 10_000)).toBe('about 4 min');
    expect(humanDuration(2 * 3_600_000)).toBe('about 2 h');
    expect(humanDuration(2 * 3_600_000 + 10 * 60_000)).toBe('about 2 h 10 min');
    expect(humanDuration(26 * 3_600_000)).toBe('about 1 day');
    expect(humanDuration(80 * 3_600_000)).toBe('about 3 days');
  });
});

describe('paceText', () => {
  it('gives the rate and the time left once there is a pace', () => {
    expect(paceText({ paused: false, progress: { ...progress, rate: 12.5, eta: '2026-12-01T10:04:48.000Z' } }, NOW)).toBe('12.5/min · done in about 5 min');
    expect(paceText({ paused: false, progress: { ...progress, rate: 0.25, eta: '2026-12-01T14:00:00.000Z' } }, NOW)).toBe('0.25/min · done in about 4 h');
    expect(paceText({ paused: false, progress: { ...progress, rate: 1234.4, eta: '2026-12-01T10:00:10.000Z' } }, NOW)).toBe(
      '1,234/min · done in less than a minute',
    );
  });

  it('says when there is no pace yet, none at all, or the backfill is paused', () => {
    expect(paceText({ paused: false, progress: { ...progress, rate: null, eta: null } }, NOW)).toBe('measuring the pace…');
    expect(paceText({ paused: false, progress: { ...progress, rate: 0, eta: null } }, NOW)).toBe('0/min · no end in sight at this pace');
    expect(paceText({ paused: true, progress: { ...progress, rate: null, eta: null } }, NOW)).toBe('paused: no estimate');
  });
});
