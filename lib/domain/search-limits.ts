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
 * Counting costs what it reads, on AWS in read units and locally in time (about 35 µs an entry in
 * dynalite): 200 keeps the first page of a big flow cheap; a UI shows "200+" and pages on.
 */
export const SEARCH_LIMITS: SearchLimits = { countUpTo: 200, examineAtMost: 100_000 };

/**
 * The deepest result a page may reach (`page × size`): deeper pages are refused with a 400. A page
 * costs what lies before it (DynamoDB has no offsets), so this bounds every page's cost; like
 * GitHub's search (the first 1,000 results), narrower filters reach the rest.
 */
export const DEEPEST_SEARCH_RESULT = 1_000;

/** How many matches a search counts before `total` becomes a lower bound, for a page starting at `from`. */
export function countTarget(limits: SearchLimits, from: number, size: number): number {
  return Math.max(limits.countUpTo, from + size);
}
