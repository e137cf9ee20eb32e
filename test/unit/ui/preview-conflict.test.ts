import { describe, expect, it } from 'vitest';
import { previewConflict } from '../../../lib/ui/client/preview-conflict';

const other = { id: 'bf-early', start: '2026-02-01T00:00:00.000Z', end: '2026-02-01T09:00:00.000Z' };

describe('previewConflict', () => {
  it('names the active backfill the window overlaps', () => {
    expect(previewConflict({ conflict: true, conflictsWith: other }, 2)).toEqual({ kind: 'overlap', with: other });
  });

  it('says the window runs beside the active backfills it does not overlap, instead of blocking it', () => {
    expect(previewConflict({ conflict: false }, 2)).toEqual({ kind: 'beside', count: 2 });
    expect(previewConflict({ conflict: false }, 1)).toEqual({ kind: 'beside', count: 1 });
  });

  it('says nothing on a trigger with no active backfill', () => {
    expect(previewConflict({ conflict: false }, 0)).toBeUndefined();
  });

  it('keeps the old note for a server that runs one backfill per trigger (a conflict naming none)', () => {
    expect(previewConflict({ conflict: true }, 1)).toEqual({ kind: 'busy' });
  });
});
