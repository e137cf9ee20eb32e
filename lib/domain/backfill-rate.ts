/**
 * A running backfill's pace (`progress.rate`, executions ended per minute over the last few minutes)
 * and when it would be done at that pace (`progress.eta`), at next to no cost per tick.
 *
 * The executions' ends are already counted: the row's folded counter plus the ended slots of the
 * open ledger pages, which dispatch reads every batch and every poll, and the trigger view on every
 * read. A rate needs the same count some minutes ago: the row keeps a few samples `{at, ended}`,
 * taken by dispatch with the live count it has just read, and written only within the row writes it
 * makes anyway (a batch's cursor move, a fold of ended pages): no write of its own, at most one new
 * sample a minute, six kept (about 90 bytes on the row). The view then divides the ends since the
 * oldest sample of the last five minutes by the time since.
 */

/** The backfill's executions ended by `atMs` (epoch ms, whole seconds). */
export interface RateSample {
  atMs: number;
  ended: number;
}

/** At most one new sample this often. */
const RATE_SAMPLE_EVERY_MS = 60_000;
/** Samples kept: with one a minute at most, the oldest is at least five minutes old once all are there. */
const RATE_SAMPLES_KEPT = 6;
/** The rate is measured over about this long (longer only when no sample falls within it). */
const RATE_WINDOW_MS = 5 * 60_000;
/** No rate from less than this: the basis a rate needs. */
const RATE_MIN_BASIS_MS = 30_000;

/**
 * `samples` with one more, the count `ended` at `nowMs`, when one is due (none yet, or the newest
 * one is a minute old), the oldest dropped past `RATE_SAMPLES_KEPT`; undefined when none is due.
 */
export function withRateSample(samples: readonly RateSample[], nowMs: number, ended: number): RateSample[] | undefined {
  const newest = samples.at(-1);
  if (newest && nowMs - newest.atMs < RATE_SAMPLE_EVERY_MS) return undefined;
  return [...samples, { atMs: Math.floor(nowMs / 1000) * 1000, ended }].slice(-RATE_SAMPLES_KEPT);
}

/** The backfill's first sample: nothing ended when it was created. */
export function firstRateSample(createdMs: number): RateSample[] {
  return [{ atMs: Math.floor(createdMs / 1000) * 1000, ended: 0 }];
}

/**
 * Executions ended per minute: since the oldest sample of the last `RATE_WINDOW_MS`, or, when none
 * falls within it, since the newest one before it; null without a sample `RATE_MIN_BASIS_MS` old.
 */
export function rateOf(samples: readonly RateSample[], nowMs: number, ended: number): number | null {
  const aged = samples.filter((s) => nowMs - s.atMs >= RATE_MIN_BASIS_MS);
  const basis = aged.find((s) => nowMs - s.atMs <= RATE_WINDOW_MS) ?? aged.at(-1);
  if (!basis) return null;
  return (Math.max(0, ended - basis.ended) / (nowMs - basis.atMs)) * 60_000;
}

/** When `remaining` executions would have ended at `perMinute` (ISO, whole seconds), or null at a standstill. */
export function etaOf(perMinute: number | null, remaining: number, nowMs: number): string | null {
  if (perMinute === null || (perMinute <= 0 && remaining > 0)) return null;
  const ms = remaining > 0 ? (remaining / perMinute) * 60_000 : 0;
  return new Date(Math.ceil((nowMs + ms) / 1000) * 1000).toISOString();
}
