/// <reference lib="dom" />
/** The dry-run line of the backfill dialog: how many executions the request would create. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Backfill, type BackfillPreview, type Trigger, api } from './api';
import { estimateNote } from './backfill-estimate';
import { BackfillWindow } from './backfill-block';
import { type PreviewConflict, previewConflict } from './preview-conflict';
import { Time, html } from './ui';

/** The dry run's answer, or its error (`errorPath`: the field a 400 names, e.g. `backfill.maxConcurrency`). */
export type PreviewState = { preview?: BackfillPreview; error?: string; errorPath?: string; loading: boolean };

/**
 * The dry run of the request being filled in (POST /triggers/backfill/preview), asked again 300 ms
 * after the last change, so the count is in view before anyone presses "Execute backfill".
 *
 * @param body the request as JSON, or `undefined` while the form has errors (nothing is asked).
 */
export function usePreview(trigger: Trigger, body: string | undefined): PreviewState {
  const [state, setState] = useState<PreviewState>({ loading: false });
  useEffect(() => {
    if (!body) {
      setState({ loading: false });
      return;
    }
    let current = true;
    // The last answer stays in view while the next is asked; its error goes, as it may no longer hold.
    setState((s) => ({ preview: s.preview, loading: true }));
    const timer = setTimeout(async () => {
      try {
        const preview = await api.previewBackfill(trigger, JSON.parse(body));
        if (current) setState({ preview, loading: false });
      } catch (e) {
        if (current) setState({ error: e instanceof Error ? e.message : String(e), errorPath: e instanceof ApiError ? e.path : undefined, loading: false });
      }
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [trigger.namespace, trigger.flowId, trigger.triggerId, body]);
  return state;
}

/**
 * The preview as one sentence, with how many ticks earlier runs cover, then how the window stands
 * with the trigger's `active` backfills (beside them, or overlapping one, named).
 * `errorAtField`: the dialog shows the dry run's error at the field it names, so not here again.
 */
export function PreviewLine({ preview: { preview, error, loading }, errorAtField, active }: { preview: PreviewState; errorAtField?: boolean; active: number }) {
  if (error) return errorAtField ? null : html`<p class="preview field-error" role="status">${error}</p>`;
  if (!preview) return loading ? html`<p class="preview muted" role="status">Counting…</p>` : null;
  const runs = preview.count - (preview.skipped ?? 0);
  const n = runs.toLocaleString();
  const skippedNote =
    preview.skipped === null
      ? ` at most; ticks that earlier runs cover are skipped as the backfill goes`
      : preview.skipped > 0
        ? ` (${preview.skipped.toLocaleString()} of ${preview.count.toLocaleString()} ticks skipped: earlier runs cover them)`
        : '';
  return html`<p class="preview" role="status" data-count=${runs}>
    Will create <strong>${n} execution${runs === 1 ? '' : 's'}</strong>${skippedNote}${
      preview.count > 1
        ? html`, for the ticks from <${Time} iso=${preview.firstTick} /> to <${Time} iso=${preview.lastTick} />${preview.order === 'NEWEST_FIRST' ? ', newest first' : ''}`
        : html`, for the tick at <${Time} iso=${preview.firstTick} />`
    }.
  </p>
  <${ConflictLine} conflict=${previewConflict(preview, active)} />
  <${EstimateLine} preview=${preview} />`;
}

/**
 * Whether the window overlaps an active backfill of the trigger (which one), or runs beside them.
 * (htm drops whitespace that holds a line break, so each sentence stays on one line.)
 */
function ConflictLine({ conflict }: { conflict?: PreviewConflict }) {
  if (!conflict) return null;
  if (conflict.kind === 'beside') {
    const them =
      conflict.count === 1 ? 'active backfill: this window does not overlap it' : `${conflict.count} active backfills: this window overlaps none of them`;
    return html`<p class="preview-beside small muted" role="status" data-active=${conflict.count}>Runs beside the trigger's ${them}.</p>`;
  }
  if (conflict.kind === 'busy')
    return html`<p class="preview-conflict field-error" role="status">A backfill already runs on this trigger: delete it first.</p>`;
  const other = conflict.with;
  return html`<p class="preview-conflict field-error" role="status" data-conflicts-with=${other.id}>This window overlaps backfill <code>${other.id}</code> (<${BackfillWindow} backfill=${other} />), active on this trigger, so it would be refused: choose a window that does not overlap it, or delete that backfill first.</p>`;
}

/** How long and how much, from the dry run's estimate. */
function EstimateLine({ preview }: { preview: BackfillPreview }) {
  const note = estimateNote(preview);
  return html`<p class="preview-estimate small muted" data-seconds=${preview.estimatedDurationSeconds ?? ''} data-usd=${preview.estimatedCostUsd}>
    ${note.duration} ${note.cost}
  </p>`;
}

/**
 * The windows of the backfills already running on the trigger, under the dialog's Start and End: a
 * new backfill runs beside them as long as its window overlaps none.
 */
export function ActiveWindows({ backfills }: { backfills: Backfill[] }) {
  if (!backfills.length) return null;
  const intro =
    backfills.length === 1
      ? 'A backfill runs on this trigger; a new window must not overlap it:'
      : `${backfills.length} backfills run on this trigger; a new window must not overlap any of them:`;
  return html`<div class="active-windows hint" id="bf-active-windows">
    ${intro}
    <ul>${backfills.map((b) => html`<li key=${b.id} data-backfill-id=${b.id}><${BackfillWindow} backfill=${b} /></li>`)}</ul>
  </div>`;
}
