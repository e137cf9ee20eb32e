/// <reference lib="dom" />
import htm from 'htm';
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { SESSION_ENDED, SIGN_IN_URL } from './api';
import { formatIsoDuration } from './duration';

export const html = htm.bind(h);

/** An API error above a page's content; a session that ended on AWS gets a way to sign in again. */
export function ErrorNote({ error }: { error?: string }) {
  if (error === SESSION_ENDED && SIGN_IN_URL) {
    return html`<p class="error-box" role="alert">Your session has ended. <a href=${SIGN_IN_URL}>Sign in again</a></p>`;
  }
  return error ? html`<p class="error-box" role="alert">${error}</p>` : null;
}

/** An ISO date shown in the viewer's zone, with UTC on hover. */
export function Time({ iso }: { iso?: string | null }) {
  if (!iso) return html`<span class="muted">—</span>`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return html`<span>${iso}</span>`;
  const local = d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
  return html`<time datetime=${d.toISOString()} title=${`${d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$|Z$/, '')} UTC`}>${local}</time>`;
}

/** An ISO-8601 duration in words ("16.3 s", "2 min 5 s"), the ISO form on hover. */
export function Duration({ iso }: { iso?: string | null }) {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<span class="duration" title=${iso} data-iso=${iso}>${formatIsoDuration(iso)}</span>`;
}

/**
 * An id (a backfill's, a state machine execution's, `namespace.flow.trigger`) that wraps only after
 * its separators (`.`, `-`, `_`, `|`, `:`, `/`: a `<wbr>` after each, while the CSS forbids breaks
 * elsewhere) and scrolls when one part is wider than its box, so it never reads as two words; with a
 * button that copies it whole (the `<wbr>`s are no text). Without a clipboard (a page not served
 * over HTTPS or localhost, or a refused permission) the button selects it instead, for Ctrl+C.
 */
export function Id({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState<{ value: string; ok: boolean } | undefined>(undefined);
  const text = useRef<HTMLElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied({ value, ok: true });
    } catch {
      const range = document.createRange();
      if (text.current) range.selectNodeContents(text.current);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      setCopied({ value, ok: false });
    }
  };
  const state = copied?.value === value ? copied : undefined;
  const parts = value.split(/(?<=[.\-_|:/])/);
  return html`<span class="id">
    <code class="id-text" ref=${text}>${parts.map((part, i) => (i ? [html`<wbr />`, part] : part))}</code>
    <button type="button" class="copy" aria-label=${`Copy ${label}`} onClick=${copy}>${state?.ok ? 'Copied' : 'Copy'}</button>
    ${state && !state.ok ? html`<span class="muted small" role="status">Selected: press Ctrl+C to copy</span>` : null}
  </span>`;
}

export function StateBadge({ state }: { state: string }) {
  return html`<span class=${`badge state-${state.toLowerCase()}`}>${state}</span>`;
}

/** Runs `load` now and every `ms` while mounted (and when `deps` change); keeps the last good value. */
export function usePoll<T>(load: () => Promise<T>, ms: number, deps: unknown[]): { data?: T; error?: string; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const tick = useRef(0);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      const mine = ++tick.current;
      try {
        const value = await load();
        if (alive && mine === tick.current) {
          setData(value);
          setError(undefined);
        }
      } catch (e) {
        if (alive) setError(e instanceof Error ? e.message : String(e));
      }
      if (alive && ms > 0) timer = setTimeout(run, ms);
    };
    void run();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  return { data, error, reload: () => setNonce((n) => n + 1) };
}

/** A native modal `<dialog>`: focus is trapped and Escape closes it (its `cancel` event). */
export function Modal({
  open,
  onClose,
  className,
  label,
  children,
}: {
  open: boolean;
  onClose: () => void;
  className?: string;
  label: string;
  children?: unknown;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog
    ref=${ref}
    class=${className ?? ''}
    aria-label=${label}
    onCancel=${(e: Event) => {
      e.preventDefault();
      onClose();
    }}
    onClose=${() => open && onClose()}
  >
    ${open ? children : null}
  </dialog>`;
}
