/// <reference lib="dom" />
/** A running backfill's timeline: its window as a strip of cells coloured by state, with a legend. */
import { useState } from 'preact/hooks';
import type { TimelineBucket } from '../../api/responses';
import { type Backfill, type Trigger, api } from './api';
import { STATE_HINTS, TIMELINE_STATES, cellBackground, describeCell, mainState } from './timeline-cells';
import { html, usePoll } from './ui';

/**
 * Read again whenever the trigger's own poll brings other progress counts (or a pause), so the strip
 * follows the table's refresh without a timer of its own, and reads nothing while nothing moves.
 */
export function BackfillTimelineStrip({ trigger, backfill }: { trigger: Trigger; backfill: Backfill }) {
  const moved = JSON.stringify([backfill.progress, backfill.paused]);
  const { data, error } = usePoll(() => api.backfillTimeline(trigger, backfill.id), 0, [backfill.id, moved]);
  const [shown, setShown] = useState<number | undefined>(undefined);
  if (!data) return error ? html`<p class="field-error timeline-error">Timeline: ${error}</p>` : null;
  const hovered = shown === undefined ? undefined : data.buckets[shown];
  // Every state in the key, `ended` only for a backfill whose folded ticks are not split by state.
  const present = TIMELINE_STATES.filter((state) => state !== 'ended' || !data.split);
  return html`<div class="timeline" data-backfill-id=${data.backfillId} data-ticks=${data.ticks} data-cells=${data.buckets.length}>
    <div class="timeline-strip" role="list" aria-label="Backfill timeline" onMouseLeave=${() => setShown(undefined)}>
      ${data.buckets.map((bucket, i) => html`<${Cell} bucket=${bucket} key=${bucket.from} onShow=${() => setShown(i)} />`)}
    </div>
    <div class="timeline-tooltip" role="status" aria-live="polite">${hovered ? describeCell(hovered) : '\u00a0'}</div>
    <ul class="timeline-legend">
      ${present.map((state) => html`<li title=${STATE_HINTS[state]}><span class=${`timeline-swatch tl-${state}`}></span>${state}</li>`)}
    </ul>
  </div>`;
}

/** One cell: a link to its execution when it is one tick that has one, else a focusable box. */
function Cell({ bucket, onShow }: { bucket: TimelineBucket; onShow: () => void }) {
  const label = describeCell(bucket);
  const attrs = {
    role: 'listitem',
    class: `timeline-cell tl-cell-${mainState(bucket)}`,
    style: { background: cellBackground(bucket) },
    'aria-label': label,
    'data-state': mainState(bucket),
    'data-from': bucket.from,
    'data-ticks': bucket.ticks,
    onMouseEnter: onShow,
    onFocus: onShow,
  };
  return bucket.executionId
    ? html`<a ...${attrs} href=${`#/executions/${encodeURIComponent(bucket.executionId)}`} data-execution-id=${bucket.executionId}></a>`
    : html`<span ...${attrs} tabindex="0"></span>`;
}
