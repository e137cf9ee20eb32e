/** A running backfill's pace and expected end, in words (`progress.rate` and `progress.eta`). */
import type { Backfill } from './api';

/** A duration as a person says it: "less than a minute", "about 4 min", "about 2 h 10 min", "about 3 days". */
export function humanDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `about ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  const days = Math.round(hours / 24);
  return `about ${days} day${days === 1 ? '' : 's'}`;
}

/** Executions per minute, with as many decimals as a small rate needs. */
function perMinute(rate: number): string {
  return `${rate.toLocaleString('en-US', { maximumFractionDigits: rate < 1 ? 2 : rate < 100 ? 1 : 0 })}/min`;
}

/**
 * One line: "12.5/min · done in about 4 min" once the backfill has a pace, "measuring the pace…"
 * before (its first 30 s, or after a resume), and no estimate while it is paused.
 */
export function paceText(b: Pick<Backfill, 'paused' | 'progress'>, nowMs: number): string {
  if (b.paused) return 'paused: no estimate';
  const { rate, eta } = b.progress;
  if (rate === null) return 'measuring the pace…';
  if (eta === null) return `${perMinute(rate)} · no end in sight at this pace`;
  return `${perMinute(rate)} · done in ${humanDuration(Math.max(0, Date.parse(eta) - nowMs))}`;
}
