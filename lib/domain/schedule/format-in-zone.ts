/**
 * Instants rendered as Kestra renders trigger dates: Jackson's ISO-8601 form of a
 * `ZonedDateTime` in the trigger's zone (`trigger.date` and friends are stored as these strings).
 */
import { zoneOffsets } from './zone-offsets';

/**
 * ISO-8601 string of instant `ms` in `timezone`, Java ZonedDateTime/Jackson style:
 * `2024-03-28T06:30:00Z` when the offset is zero, `2022-04-01T09:12:00-04:00` otherwise.
 * Seconds are always shown; milliseconds only when non-zero (3 digits).
 * @throws InvalidScheduleError (field `timezone`) for an unknown zone.
 */
export function formatInZone(ms: number, timezone: string): string {
  if (!Number.isFinite(ms)) throw new RangeError(`formatInZone needs a finite instant, got ${ms}`);
  const offset = zoneOffsets(timezone).offsetAt(ms);
  const local = new Date(ms + offset);
  const year = local.getUTCFullYear();
  const date =
    `${year >= 0 && year <= 9999 ? pad(year, 4) : (year < 0 ? '-' : '+') + pad(Math.abs(year), 6)}` +
    `-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
  const time = `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}`;
  const millis = local.getUTCMilliseconds();
  return `${date}T${time}${millis === 0 ? '' : `.${pad(millis, 3)}`}${formatOffset(offset)}`;
}

/** java.time's offset id: `Z`, `+05:30`, or `+00:09:21` when seconds are non-zero. */
function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  const total = Math.abs(offsetMs) / 1000;
  const seconds = total % 60;
  const text = `${pad(Math.floor(total / 3600), 2)}:${pad(Math.floor(total / 60) % 60, 2)}`;
  return `${offsetMs < 0 ? '-' : '+'}${text}${seconds === 0 ? '' : `:${pad(seconds, 2)}`}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
