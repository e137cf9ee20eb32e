/**
 * Kestra `Schedule` trigger timing: validation of `cron`/`withSeconds`/`timezone`, fast tick
 * enumeration and counting for backfills, and Kestra's date formatting.
 *
 * Pure domain code: no I/O. cron-parser defines the semantics (it agrees with Kestra's cron-utils
 * and java.time), `compileSchedule` reproduces them 100-1000× faster.
 */
export type { CompiledSchedule, ScheduleSpec } from './types';
export { InvalidScheduleError } from './errors';
export { compileSchedule } from './compile-schedule';
export { referenceTicksBetween } from './reference-ticks';
export { formatInZone } from './format-in-zone';
