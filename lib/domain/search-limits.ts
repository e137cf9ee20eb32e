/**
 * How far an executions search reads, whatever the number of executions: its cost is bounded by
 * these, not by the size of the flow. The same approach as Elasticsearch's `track_total_hits` (count
 * exactly up to a bound, then say "at least") and `max_result_window` (no page past a depth).
 */
export interface SearchLimits {
  /** `total` is exact when at most this many match (or, for a deeper page, when no match lies past the page); otherwise a lower bound. */
  countUpTo: number;
  /** Index entries read at most (filters read non-matching entries too); past it the search stops and `total` is a lower bound. */
  examineAtMost: number;
}

/**
 * A page counts at most 1,000 matches, so its cost does not grow with the flow: a count reads the
 * index entries it counts (DynamoDB's COUNT queries still read them), about 35 µs each in dynalite
 * and 4 kB of entries per half read unit on AWS. Past the bound `total` is "at least" (said by
 * `totalIsLowerBound`), and that lower bound always exceeds the end of the page served (see
 * `countTarget`): Kestra's clients, which page until they hold `total` results, therefore ask for
 * the next page while more exist, and the last page, which finds no match past it, answers the exact
 * `total`. A count with `size=1` is exact up to 1,000.
 * The examine bound is what a page may read in all (the entries before a deep page, non-matching
 * ones under a filter): 100,000 entries, about 15 MB of keys and labels, under 2,000 read units.
 */
export const SEARCH_LIMITS: SearchLimits = { countUpTo: 1_000, examineAtMost: 100_000 };

/**
 * The deepest result a page may reach (`page × size`): deeper pages are refused with a 400. A page
 * costs what lies before it (DynamoDB has no offsets); past the entries a search may read there is
 * nothing it could answer exactly.
 */
export const DEEPEST_SEARCH_RESULT = 100_000;

/**
 * The most a search counts, for a page of `size` starting at `from`: the count is exact when at most
 * this many match; when more match, `total` is this number with `totalIsLowerBound`. It exceeds the
 * page's end by at least one, so a client that pages until it holds `total` results always asks for
 * the page after a full one while more exist.
 */
export function countTarget(limits: SearchLimits, from: number, size: number): number {
  return Math.max(limits.countUpTo, from + size + 1);
}
