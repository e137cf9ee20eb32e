/** The dry run's estimate as the backfill dialog says it: how long, and what it would cost on AWS. */
import type { BackfillPreview } from './api';

/** Seconds as a person reads them: `under a second`, `42 s`, `4 min 10 s`, `2 h 5 min`, `3 d 4 h`. */
export function humanDuration(seconds: number): string {
  if (seconds < 1) return 'under a second';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const parts: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  let rest = Math.round(seconds);
  const shown: string[] = [];
  for (const [size, unit] of parts) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    // The two largest units: "2 h 5 min", not "2 h 5 min 12 s".
    if (count > 0 || shown.length > 0) shown.push(`${count} ${unit}`);
    if (shown.length === 2) break;
  }
  return shown.filter((part) => !part.startsWith('0 ')).join(' ');
}

/** Dollars to the cent; under a cent, to its first two significant digits (a small backfill costs fractions of a cent). */
export function usdText(usd: number): string {
  if (usd >= 0.01) return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (usd <= 0) return '$0';
  const decimals = Math.min(6, Math.ceil(-Math.log10(usd)) + 1);
  return `$${usd.toFixed(decimals).replace(/0+$/, '')}`;
}

/** The estimate's two sentences. */
export function estimateNote(preview: Pick<BackfillPreview, 'estimate'>): { duration: string; cost: string } {
  const { duration, cost } = preview.estimate;
  const basis = duration.basis;
  const durationText =
    duration.seconds === null || basis === null
      ? `Duration unknown${duration.reason ? `: ${duration.reason.charAt(0).toLowerCase()}${duration.reason.slice(1)}` : ''}.`
      : `About ${humanDuration(duration.seconds)}${
          duration.p90Seconds !== null && duration.p90Seconds > duration.seconds ? ` (up to ${humanDuration(duration.p90Seconds)})` : ''
        }: ${duration.concurrency.toLocaleString()} at once${duration.limitedBy === 'workers' ? ' (all the workers take)' : ''}, the latest ${basis.executions} run${basis.executions === 1 ? '' : 's'} of this flow took ${humanDuration(basis.medianSeconds)} (median).`;
  const where = cost.billed ? 'on AWS' : 'on AWS (the local default bills nothing)';
  const costText = cost.complete
    ? `Costs about ${usdText(cost.usd)} ${where}.`
    : `Costs at least ${usdText(cost.usd)} ${where}; its tasks' time is not counted without an earlier run.`;
  return { duration: durationText, cost: costText };
}
