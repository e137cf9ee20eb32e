/**
 * Durations as people read them ("16.3 s", "2 min 5 s", "1 h 3 min", "2 d 4 h") from the ISO-8601
 * durations the API answers, in java.time.Duration's form as Kestra writes them (`PT16.28S`,
 * `PT2M5S`, `PT1H3M`; hours past a day stay hours, `PT49H`). Pure, so it is unit-tested; the one
 * formatter every duration in the UI goes through.
 *
 * A dozen lines of parsing rather than a library: the one that parses these (luxon, which the server
 * uses) would more than double the UI's bundle for it, and `Intl.DurationFormat` is not in every
 * browser we serve (nor in Node 20, where the unit tests run).
 */

/** `P[nD]T[nH][nM][n.nS]`, every part optional but one; what java.time.Duration#toString writes (plus days). */
const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds of an ISO-8601 duration, or `undefined` when it is not one this parser reads (negative ones, years, months, weeks). */
export function parseIsoDuration(iso: string): number | undefined {
  const match = ISO_DURATION.exec(iso);
  if (!match || iso === 'P' || iso.endsWith('T')) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  // Whole milliseconds: the seconds' fraction goes to nanoseconds in Java, and a float would keep noise.
  return Math.round(((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000);
}

/**
 * A duration in milliseconds, with the precision a person wants at its size: milliseconds under a
 * second, tenths of a second under a minute, then whole seconds, minutes, hours. Each size rounds
 * first, so 59.96 s reads "1 min", never "60 s".
 */
export function humanDuration(ms: number): string {
  if (ms <= 0) return '0 s';
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${tenths / 10} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return pair(Math.floor(seconds / 60), 'min', seconds % 60, 's');
  const minutes = Math.round(ms / 60_000);
  if (minutes < 24 * 60) return pair(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  const hours = Math.round(ms / 3_600_000);
  return pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function pair(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
}

/** An ISO-8601 duration in words (see {@link humanDuration}); one this cannot read is shown as written. */
export function formatIsoDuration(iso: string): string {
  const ms = parseIsoDuration(iso);
  return ms === undefined ? iso : humanDuration(ms);
}
