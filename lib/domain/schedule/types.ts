/** A Kestra `Schedule` trigger's timing properties, as written in the flow. */
export interface ScheduleSpec {
  /** Five fields (minute hour day-of-month month day-of-week), six with `withSeconds`, or a nickname such as `@daily`. */
  cron: string;
  /** When true the expression has a leading seconds field. Defaults to false. */
  withSeconds?: boolean;
  /** IANA time zone id the expression is evaluated in. Defaults to `'UTC'`. */
  timezone?: string;
}

/**
 * A validated schedule with fast tick arithmetic.
 *
 * All instants are epoch milliseconds. Results equal those of cron-parser (see
 * `referenceTicksBetween`), which agrees with Kestra's cron-utils + java.time evaluation.
 */
export interface CompiledSchedule {
  /** The spec with defaults applied. */
  readonly spec: Required<ScheduleSpec>;
  /** Ticks t (epoch ms) with fromMs <= t <= toMs, ascending, at most `limit` of them. Both bounds inclusive. */
  ticksBetween(fromMs: number, toMs: number, limit: number): number[];
  /**
   * The same ticks as `ticksBetween(fromMs, toMs, Infinity)`, newest first, at most `limit` of them
   * (the latest ones): a backfill run newest first takes its batches from here, moving `toMs` down.
   */
  ticksBetweenNewestFirst(fromMs: number, toMs: number, limit: number): number[];
  /** First tick strictly after `afterMs`, or null if none within ~10 years. */
  next(afterMs: number): number | null;
  /** Last tick strictly before `beforeMs`, or null if none within ~10 years. */
  previous(beforeMs: number): number | null;
  /**
   * Number of ticks in [fromMs, toMs], stopping early and returning `cap` once it reaches `cap`.
   * Counts whole days arithmetically, so a year of per-minute ticks costs a few hundred additions.
   */
  countBetween(fromMs: number, toMs: number, cap: number): number;
}
