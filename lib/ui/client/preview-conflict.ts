/**
 * What the backfill dialog's dry run says about the trigger's active backfills. Several run on one
 * trigger as long as their windows do not overlap: a new window beside them is fine, one that
 * overlaps an active backfill is refused (409), so the dialog names that backfill before anyone
 * presses "Execute backfill". Pure, so unit-tested.
 */
import type { BackfillPreview, BackfillWindowRef } from './api';

export type PreviewConflict =
  /** The window overlaps this active backfill: the creation would be refused. */
  | { kind: 'overlap'; with: BackfillWindowRef }
  /** A server that runs one backfill per trigger: any active one refuses a new one. */
  | { kind: 'busy' }
  /** The window overlaps none of the trigger's `count` active backfills: it runs beside them. */
  | { kind: 'beside'; count: number };

/** @param active the trigger's active backfills, as the dialog last read them */
export function previewConflict(preview: Pick<BackfillPreview, 'conflict' | 'conflictsWith'>, active: number): PreviewConflict | undefined {
  if (preview.conflict) return preview.conflictsWith ? { kind: 'overlap', with: preview.conflictsWith } : { kind: 'busy' };
  return active > 0 ? { kind: 'beside', count: active } : undefined;
}
