/**
 * UTC offsets of IANA time zones, read from Intl.
 *
 * One `Intl.DateTimeFormat` per zone, asked for the `longOffset` name ("GMT+05:30"), costs about
 * a microsecond a lookup, roughly 5× less than reading the local date parts as luxon does. Zones
 * that never change offset are recognised by name so they need no lookups at all.
 */
import { InvalidScheduleError } from './errors';

/** The UTC offset of one zone at any instant. */
export interface ZoneOffsets {
  readonly timezone: string;
  /** The offset when it never changes (UTC, Etc/GMT+5…), else null. */
  readonly fixedOffsetMs: number | null;
  /** Offset (local − UTC) in ms at instant `ms`. */
  offsetAt(ms: number): number;
}

/** Intl accepts instants within ±8.64e15 ms; stay a little inside so offset arithmetic cannot leave it. */
export const MAX_INSTANT_MS = 8.64e15 - 2 * 86_400_000;

const FIXED_ZONE = /^(?:Etc\/)?(?:UTC|UCT|GMT|GMT[+-]?0|Universal|Zulu|Greenwich)$|^Etc\/GMT[+-]\d{1,2}$/i;

const cache = new Map<string, ZoneOffsets>();

/** True when `timezone` is an IANA zone id this runtime knows (offset strings such as "+02:00" are not ids). */
function isValidTimeZone(timezone: unknown): timezone is string {
  if (typeof timezone !== 'string' || !/^[A-Za-z]/.test(timezone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** @throws InvalidScheduleError (field `timezone`) when the zone is unknown. */
export function assertTimeZone(timezone: unknown): asserts timezone is string {
  if (!isValidTimeZone(timezone)) {
    const shown = typeof timezone === 'string' ? `"${timezone}"` : String(timezone);
    throw new InvalidScheduleError('timezone', `unknown time zone ${shown}: expected an IANA time zone id such as "Europe/Paris" or "UTC"`);
  }
}

/** Offsets of a validated zone; instances are shared, so per-zone work is done once per process. */
export function zoneOffsets(timezone: string): ZoneOffsets {
  let offsets = cache.get(timezone);
  if (offsets === undefined) {
    assertTimeZone(timezone);
    offsets = new IntlZoneOffsets(timezone);
    cache.set(timezone, offsets);
  }
  return offsets;
}

class IntlZoneOffsets implements ZoneOffsets {
  readonly fixedOffsetMs: number | null;
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timezone: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
    this.fixedOffsetMs = FIXED_ZONE.test(timezone) ? this.lookUp(0) : null;
  }

  offsetAt(ms: number): number {
    return this.fixedOffsetMs ?? this.lookUp(ms);
  }

  private lookUp(ms: number): number {
    const text = this.format.format(Math.max(-MAX_INSTANT_MS, Math.min(MAX_INSTANT_MS, ms)));
    return parseLongOffset(text.slice(text.lastIndexOf('GMT')));
  }
}

/** "GMT", "GMT+01:00", "GMT-03:30", "GMT+00:09:21" → ms. */
function parseLongOffset(text: string): number {
  const match = /^GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/.exec(text);
  if (match === null) throw new Error(`unexpected time zone offset "${text}" from Intl`);
  if (match[1] === undefined) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
  return (match[1] === '-' ? -seconds : seconds) * 1000;
}
