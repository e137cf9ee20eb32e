/**
 * Keyset checkpoints for the executions search, kept exact by the writes that move them.
 *
 * WHY: DynamoDB has no offsets, so page 400 of a search merges the 10,000 index entries before it
 * (about 13 µs each in dynalite and 9 µs on the API thread, measured: 200–330 ms idle, 760 ms under a
 * backfill). A checkpoint remembers, for one search (flows covered + filters), a sort key the merge
 * passed and how many matches sort at or above it; a deeper page then starts each partition's Query
 * just below that key and skips only the matches past the checkpoint.
 *
 * A checkpoint stays exact only if every change to the entries above it is accounted for, and the
 * index itself cannot tell us cheaply (counting them again costs what the checkpoint saves: a COUNT
 * query still reads every entry, 7 µs each in dynalite). Nor can a time window: an execution is
 * written with the `startDate` of the ledger page that dispatched it, which a paused backfill's held
 * slots keep for as long as the pause lasts, so an execution can land anywhere below the newest
 * ones. So this is fed by the writes themselves, and is only used by a store that makes every write
 * to its table (the local default, whose data folder lock keeps every other writer out). On AWS the
 * writers are other Lambdas: no checkpoints there, and a page's read units stay bounded without them.
 *
 * What moves a search's positions, and how each is accounted for:
 * - A new execution (its sort key, state and labels never change later): every checkpoint it sorts
 *   above counts one more match, if it matches. A write whose outcome is unclear (a conditional put
 *   refused after a retry, which may be refusing our own first attempt; an error) drops the
 *   checkpoints it may sort above. An unconditional put may replace an execution (its old entry
 *   unknown): it drops the flow's checkpoints.
 * - A state change (claim, finish, kill, restart): only searches filtered on the state or on the end
 *   date (set as an execution ends, taken away by a restart) see it, and which entry changes is not
 *   known before the write: it drops every checkpoint of such a search, and such a search that
 *   overlaps one keeps none.
 * - Labels and trigger ids never change; executions are never deleted (a store that deletes must
 *   report it here).
 * - A write in flight while a search reads may or may not be in what the search read. The search
 *   notes which of those it read (by id); one it did not read is counted once it lands, as for a
 *   write made after the search. A search's checkpoints are used only once every write that
 *   overlapped it has settled.
 *
 * Bounded: at most MAX_SIGNATURES searches (the least recently used forgotten), MAX_CHECKPOINTS each.
 */
import { type TriggerIdCondition, optionalMatchesAll } from '../../domain/text-match';

/** An execution as the search index holds it: where it sorts and what filters see. */
export interface IndexedExecution {
  /** `flowKey(namespace, flowId)`. */
  flow: string;
  id: string;
  /** `<startDate>#<id>` (see EXECUTIONS_SEARCH). */
  sortKey: string;
  state: string;
  /** `key:value` of each label. */
  labelKeys: string[];
  /** The trigger that started it, if one did. */
  triggerId?: string;
  /** Its end, once it ended. */
  endDate?: string;
}

/** A search as checkpoints tell searches apart: the flows it merges and everything it filters on. */
export interface SearchSignature {
  flows: string[];
  states?: string[];
  /** `key:value` labels an execution must carry. */
  labelKeys?: string[];
  /** `key:value` labels it must not carry. */
  excludedLabelKeys?: string[];
  /** Text its id contains. */
  idContains?: string;
  /** Its sort key from `from` (inclusive) and before `before`: the start date range. */
  sortKeys?: { from?: string; before?: string };
  /** Conditions on its trigger id. */
  triggerId?: TriggerIdCondition[];
  /** Its end date from `from` (inclusive) and before `before`. */
  endDates?: { from?: string; before?: string };
}

/** A position in a search: `above` matches sort at or above `sortKey` (its own entry included). */
export interface Checkpoint {
  sortKey: string;
  above: number;
}

/**
 * How a write of new executions ended:
 * - `added`: a new index entry at its sort key;
 * - `unchanged`: nothing written (a conditional put refused on its only attempt);
 * - `maybe-added`: a new entry at its sort key, or nothing (refused after a retry, or an error);
 * - `unknown`: anything in its flow (an unconditional put may have replaced an execution).
 */
export type WriteOutcome = 'added' | 'unchanged' | 'maybe-added' | 'unknown';

/**
 * Matches between two checkpoints a merge records: a page reads at most about this many entries
 * before its own (100: a few milliseconds in dynalite).
 */
const CHECKPOINT_SPACING = 100;
/** Every 100 matches down to the deepest page served (100,000 results), and where pages ended. */
const MAX_CHECKPOINTS = 1_024;
/** About 150 bytes a checkpoint: at most about 5 MB in all. */
const MAX_SIGNATURES = 32;
/** Groups of checkpoints still waiting for writes that overlapped their search, per search. */
const MAX_UNSETTLED = 8;

class PendingWrite {
  outcome: WriteOutcome | undefined;
  constructor(readonly execution: IndexedExecution) {}
}

/** Checkpoints from one search, usable once every write that overlapped it has settled. */
interface UnsettledGroup {
  checkpoints: Checkpoint[];
  /** Each overlapping write not settled yet, and whether the search read its entry. */
  pending: Map<PendingWrite, boolean>;
}

class SignatureCheckpoints {
  /** Sorted newest first (so by `above`, ascending). */
  settled: Checkpoint[] = [];
  unsettled: UnsettledGroup[] = [];
  private readonly flows: Set<string>;
  private readonly states: Set<string> | undefined;

  constructor(private readonly signature: SearchSignature) {
    this.flows = new Set(signature.flows);
    this.states = signature.states?.length ? new Set(signature.states) : undefined;
  }

  /** Whether a state change can move this search's positions (see changesWithStates). */
  get changesWithStates(): boolean {
    return changesWithStates(this.signature);
  }

  covers(flow: string): boolean {
    return this.flows.has(flow);
  }

  /** Whether the search finds this execution: the same conditions as its Query's (searchFilter in execution-search.ts). */
  matches(execution: IndexedExecution): boolean {
    const { labelKeys = [], excludedLabelKeys = [], idContains, sortKeys, triggerId, endDates } = this.signature;
    return (
      this.flows.has(execution.flow) &&
      (this.states === undefined || this.states.has(execution.state)) &&
      labelKeys.every((label) => execution.labelKeys.includes(label)) &&
      !excludedLabelKeys.some((label) => execution.labelKeys.includes(label)) &&
      (idContains === undefined || execution.id.includes(idContains)) &&
      inRange(execution.sortKey, sortKeys) &&
      optionalMatchesAll(execution.triggerId, triggerId) &&
      (endDates === undefined || (execution.endDate !== undefined && inDateRange(execution.endDate, endDates)))
    );
  }

  /** A write of new executions settled: accounted for in every checkpoint it moves. */
  settle(write: PendingWrite, outcome: WriteOutcome): void {
    const moves = this.moves(write, outcome);
    if (moves) this.settled = account(this.settled, write.execution, outcome);
    for (const group of [...this.unsettled]) {
      // A write the group's search read is in its counts already, unless it may have replaced another entry.
      const seen = group.pending.get(write) === true && outcome !== 'unknown';
      if (moves && !seen) group.checkpoints = account(group.checkpoints, write.execution, outcome);
      if (group.pending.delete(write) && !group.pending.size) this.adopt(group);
    }
  }

  /** Whether a write's outcome can move this search's positions. */
  moves(write: PendingWrite, outcome: WriteOutcome): boolean {
    return outcome === 'unknown' ? this.covers(write.execution.flow) : outcome !== 'unchanged' && this.matches(write.execution);
  }

  /** Adds a search's checkpoints once nothing that overlapped it is pending. */
  adopt(group: UnsettledGroup): void {
    if (group.pending.size) {
      this.unsettled.push(group);
      if (this.unsettled.length > MAX_UNSETTLED) this.unsettled.shift();
      return;
    }
    this.unsettled = this.unsettled.filter((other) => other !== group);
    const bySortKey = new Map(this.settled.map((checkpoint) => [checkpoint.sortKey, checkpoint]));
    for (const checkpoint of group.checkpoints) bySortKey.set(checkpoint.sortKey, checkpoint);
    this.settled = thin([...bySortKey.values()].sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0)));
  }

  dropAll(): void {
    this.settled = [];
    this.unsettled = [];
  }
}

/** Whether a value is in [from, before) (ISO dates and sort keys compare as strings), either bound optional. */
function inRange(value: string, range: { from?: string; before?: string } | undefined): boolean {
  return (range?.from === undefined || value >= range.from) && (range?.before === undefined || value < range.before);
}

/** Whether an ISO date is in [from, before), as instants (the index compares end dates as epoch ms). */
function inDateRange(date: string, range: { from?: string; before?: string }): boolean {
  const ms = Date.parse(date);
  return (range.from === undefined || ms >= Date.parse(range.from)) && (range.before === undefined || ms < Date.parse(range.before));
}

/**
 * Whether a search filters on what a state change rewrites in its index entries: the state, and the
 * end date (an execution gets one as it ends, and loses it when restarted).
 */
function changesWithStates(signature: SearchSignature): boolean {
  return Boolean(signature.states?.length) || signature.endDates !== undefined;
}

/** What a settled write does to checkpoints of a search it matches. */
function account(checkpoints: Checkpoint[], execution: IndexedExecution, outcome: WriteOutcome): Checkpoint[] {
  switch (outcome) {
    case 'unchanged':
      return checkpoints;
    case 'unknown':
      return [];
    case 'maybe-added':
      return checkpoints.filter((checkpoint) => checkpoint.sortKey > execution.sortKey);
    case 'added':
      // In place: only the lists they belong to hold checkpoints (a reading copies what it uses).
      for (const checkpoint of checkpoints) if (checkpoint.sortKey < execution.sortKey) checkpoint.above++;
      // A new entry with a checkpoint's own key cannot be (sort keys end with the id): keep only what is certain.
      return checkpoints.some((checkpoint) => checkpoint.sortKey === execution.sortKey)
        ? checkpoints.filter((checkpoint) => checkpoint.sortKey !== execution.sortKey)
        : checkpoints;
  }
}

/** At most MAX_CHECKPOINTS, dropping those closest to the one before them (the deepest stays). */
function thin(checkpoints: Checkpoint[]): Checkpoint[] {
  const kept = [...checkpoints];
  while (kept.length > MAX_CHECKPOINTS) {
    let closest = 0;
    for (let i = 1; i < kept.length - 1; i++) {
      if ((kept[i]?.above ?? 0) - (kept[i - 1]?.above ?? 0) < (kept[closest]?.above ?? 0) - (kept[closest - 1]?.above ?? 0)) closest = i;
    }
    kept.splice(closest, 1);
  }
  return kept;
}

function signatureKey(signature: SearchSignature): string {
  const sorted = (values: string[] | undefined) => [...new Set(values ?? [])].sort();
  return JSON.stringify([
    sorted(signature.flows),
    sorted(signature.states),
    sorted(signature.labelKeys),
    sorted(signature.excludedLabelKeys),
    signature.idContains ?? null,
    signature.sortKeys?.from ?? null,
    signature.sortKeys?.before ?? null,
    // Conditions in the order given: the same set in another order is only another key, never a wrong match.
    (signature.triggerId ?? []).map(({ operation, values }) => [operation, [...values].sort()]),
    signature.endDates ? [signature.endDates.from ?? null, signature.endDates.before ?? null] : null,
  ]);
}

export class SearchCheckpoints {
  /** Matches between two checkpoints a merge records. */
  readonly spacing: number;
  private readonly signatures = new Map<string, SignatureCheckpoints>();
  private readonly inFlight = new Set<PendingWrite>();
  private readonly readings = new Set<SearchReading>();
  private stateEpoch = 0;
  private statesChanging = 0;

  constructor(options: { spacing?: number } = {}) {
    this.spacing = options.spacing ?? CHECKPOINT_SPACING;
  }

  /** Before writing new executions: returns what to call with each one's outcome once the write settled. */
  adding(executions: IndexedExecution[]): (outcomes: WriteOutcome | WriteOutcome[]) => void {
    const writes = executions.map((execution) => new PendingWrite(execution));
    for (const write of writes) {
      this.inFlight.add(write);
      for (const reading of this.readings) reading.overlaps(write);
    }
    let settled = false;
    return (outcomes) => {
      if (settled) return;
      settled = true;
      writes.forEach((write, i) => {
        const outcome = typeof outcomes === 'string' ? outcomes : (outcomes[i] ?? 'unknown');
        write.outcome = outcome;
        this.inFlight.delete(write);
        for (const signature of this.signatures.values()) signature.settle(write, outcome);
      });
    };
  }

  /** Before a write that may change executions' states (which ones is not known before): returns its end. */
  changingStates(): () => void {
    this.stateEpoch++;
    this.statesChanging++;
    this.dropChangingWithStates();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.stateEpoch++;
      this.statesChanging--;
      this.dropChangingWithStates();
    };
  }

  /** A search about to read: where it may start, and what it records on the way (see SearchReading). */
  reading(signature: SearchSignature): SearchReading {
    const key = signatureKey(signature);
    const known = this.signatures.get(key);
    if (known) {
      // Least recently used goes first: a Map iterates in insertion order.
      this.signatures.delete(key);
      this.signatures.set(key, known);
    }
    const reading = new SearchReading(this, key, signature, known?.settled ?? [], {
      recordable: !changesWithStates(signature) || this.statesChanging === 0,
      stateEpoch: this.stateEpoch,
    });
    for (const write of this.inFlight) reading.overlaps(write);
    this.readings.add(reading);
    return reading;
  }

  /** @internal SearchReading's end: keeps its checkpoints if they can be trusted. */
  record(reading: SearchReading, key: string, signature: SearchSignature, group: UnsettledGroup, stateEpoch: number): void {
    this.readings.delete(reading);
    if (!group.checkpoints.length) return;
    if (changesWithStates(signature) && stateEpoch !== this.stateEpoch) return;
    let entry = this.signatures.get(key);
    if (!entry) {
      entry = new SignatureCheckpoints(signature);
      this.signatures.set(key, entry);
      const oldest = this.signatures.keys().next().value;
      if (this.signatures.size > MAX_SIGNATURES && oldest !== undefined) this.signatures.delete(oldest);
    }
    entry.adopt(group);
  }

  /** @internal */
  forget(reading: SearchReading): void {
    this.readings.delete(reading);
  }

  private dropChangingWithStates(): void {
    for (const signature of this.signatures.values()) if (signature.changesWithStates) signature.dropAll();
  }
}

/**
 * One search's use of the checkpoints: it takes where to start (`startFor`) and what it knows of the
 * total (`deepest`) as they stood when it began, reports the ids it reads (`read`) and the positions
 * its merge passes (`passed`), then `finish`es.
 */
export class SearchReading {
  private readonly snapshot: Checkpoint[];
  private readonly overlapping = new Map<string, PendingWrite>();
  private readonly seen = new Set<PendingWrite>();
  private readonly passedCheckpoints: Checkpoint[] = [];
  private finished = false;
  private readonly matcher: SignatureCheckpoints;

  constructor(
    private readonly owner: SearchCheckpoints,
    private readonly key: string,
    private readonly signature: SearchSignature,
    settled: Checkpoint[],
    private readonly state: { recordable: boolean; stateEpoch: number },
  ) {
    this.snapshot = settled.map((checkpoint) => ({ ...checkpoint }));
    this.matcher = new SignatureCheckpoints(signature);
  }

  /** The deepest checkpoint at or before result `from` (0-based): the merge starts below it, `above` matches already behind. */
  startFor(from: number): Checkpoint | undefined {
    let best: Checkpoint | undefined;
    for (const checkpoint of this.snapshot) if (checkpoint.above <= from) best = checkpoint;
    return best;
  }

  /** The deepest checkpoint: at least `above` matches exist. */
  deepest(): Checkpoint | undefined {
    return this.snapshot[this.snapshot.length - 1];
  }

  /** @internal A write began while this search reads (or was in flight when it began). */
  overlaps(write: PendingWrite): void {
    if (this.matcher.covers(write.execution.flow)) this.overlapping.set(write.execution.id, write);
  }

  /** The ids of a page of index entries the merge read. */
  read(ids: string[]): void {
    if (!this.overlapping.size) return;
    for (const id of ids) {
      const write = this.overlapping.get(id);
      if (write) this.seen.add(write);
    }
  }

  /**
   * The merge took the match at `sortKey`, the `above`-th from the top; `last`: the last it took.
   * Kept every `spacing` matches, and where a page deeper than that ended (the next page starts there).
   */
  passed(checkpoint: Checkpoint, last: boolean): void {
    const { spacing } = this.owner;
    if (!this.state.recordable || checkpoint.above < spacing) return;
    if (checkpoint.above % spacing === 0 ? !last || this.passedCheckpoints.at(-1)?.sortKey !== checkpoint.sortKey : last) {
      this.passedCheckpoints.push(checkpoint);
    }
  }

  /** The search is over (`keep`: it ended normally, so what it passed is true). */
  finish(keep: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (!keep || !this.passedCheckpoints.length) {
      this.owner.forget(this);
      return;
    }
    const group: UnsettledGroup = { checkpoints: this.passedCheckpoints, pending: new Map() };
    for (const write of new Set(this.overlapping.values())) {
      const seen = this.seen.has(write);
      if (write.outcome === undefined) group.pending.set(write, seen);
      else if ((!seen || write.outcome === 'unknown') && this.matcher.moves(write, write.outcome)) {
        group.checkpoints = account(group.checkpoints, write.execution, write.outcome);
      }
    }
    this.owner.record(this, this.key, this.signature, group, this.state.stateEpoch);
  }
}
