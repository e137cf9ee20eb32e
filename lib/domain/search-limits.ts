/**
 * How far an executions search reads, whatever the number of executions: its cost is bounded by
 * these, not by the size of the flow. The same approach as Elasticsearch's `track_total_hits` (count
 * exactly up to a bound, then say "at least") and `max_result_window` (no page past a depth).
 */
export interface SearchLimits {
  /** `total` is exact up to this many matches (or up to the end of the page asked for, if deeper); past it, a lower bound. */
  countUpTo: number;
  /** Index entries read at most (filters read non-matching entries too); past it the search stops and `total` is a lower bound. */
  examineAtMost: number;
}

/**
 * Kestra's clients page by `total` (they stop once they hold `total` results) and count with
 * `size=1`, so `total` is exact, and pages reach, as far as a search may read: the cost bound is
 * the number of index entries read, 100,000 (about 15 MB of keys and labels, under 2,000 read units
 * on AWS), not a smaller count that would cut clients' paging short.
 */
export const SEARCH_LIMITS: SearchLimits = { countUpTo: 100_000, examineAtMost: 100_000 };

/**
 * The deepest result a page may reach (`page × size`): deeper pages are refused with a 400. A page
 * costs what lies before it (DynamoDB has no offsets); past the entries a search may read there is
 * nothing it could answer exactly.
 */
export const DEEPEST_SEARCH_RESULT = 100_000;

/** How many matches a search counts before `total` becomes a lower bound, for a page starting at `from`. */
export function countTarget(limits: SearchLimits, from: number, size: number): number {
  return Math.max(limits.countUpTo, from + size);
}
