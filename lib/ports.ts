/**
 * Ports: what the application needs from the outside world. Adapters implement them for AWS
 * (DynamoDB, SQS, Step Functions) and for the local default (dynalite, an in-process queue,
 * aws-local-stepfunctions). Nothing in here knows about AWS.
 */
import type { Execution, ExecutionOrigin, KillRequest, StateType } from './domain/execution';
import type { LedgerPage, SlotMark } from './domain/ledger';
import type { RateSample } from './domain/backfill-rate';
import type { CellFold } from './domain/timeline';
import type { Operation, OperationTarget, PartOutcome } from './domain/operation';
import type { Flow } from './domain/flow/model';
import type { TextCondition, TriggerIdCondition } from './domain/text-match';
import type { BackfillEvent } from './domain/backfill-events';
import type { FailurePolicyTrip } from './domain/failure-policy';
import type {
  BackfillCancel,
  BackfillOutcome,
  BackfillRecord,
  BackfillState,
  LastBackfill,
  NotifyStatus,
  TriggerRef,
  TriggerState,
} from './domain/trigger-state';

export interface Clock {
  now(): Date;
}

/**
 * Flows, and every revision they had: a revision is kept, as it was, before the flow moves past it
 * (replaced or deleted), and never changes, so a backfill pinned to a revision can always read it.
 * The current revision is kept only as the flow itself.
 */
export interface FlowStore {
  get(namespace: string, id: string): Promise<Flow | undefined>;
  /**
   * The flow as it was at `revision`: the current flow when it is at that revision (whether or not a
   * copy is kept), else the copy kept when it was replaced or deleted. Undefined for a revision never
   * written, or replaced before revisions were kept (flows written by earlier versions).
   */
  getRevision(namespace: string, id: string, revision: number): Promise<Flow | undefined>;
  /** Every revision kept and the current one, oldest first; empty for an unknown flow. */
  listRevisions(namespace: string, id: string): Promise<Flow[]>;
  /** The flow's highest revision, current or kept (0 if none): a flow created again after a delete goes on from it. */
  highestRevision(namespace: string, id: string): Promise<number>;
  /** Throws FlowAlreadyExistsError when the flow exists. */
  create(flow: Flow): Promise<void>;
  /**
   * Replaces the flow if its stored revision is still `expectedRevision`, keeping that revision first;
   * throws FlowChangedConcurrentlyError otherwise.
   */
  update(flow: Flow, expectedRevision: number): Promise<void>;
  /** Deletes the flow, keeping its last revision first; false if there was none. */
  delete(namespace: string, id: string): Promise<boolean>;
  /** Flows of one namespace (or all when omitted), sorted by namespace then id. */
  list(namespace?: string): Promise<Flow[]>;
}

export interface AdvanceCursor {
  cursorMs: number;
  currentDate: string;
  dispatchedDelta: number;
  /** Of those, the ticks skipped because earlier executions cover them. */
  skippedDelta?: number;
  /** The ledger page the batch was sent under, now open (none when every tick was skipped). */
  openedPage?: string;
  /** The backfill's rate samples with a new one, when one is due (see `withRateSample`): set in the same write. */
  rateSamples?: RateSample[];
}

/** A ledger page whose executions all ended, as the trigger row's counters take it in. */
export interface PageFold {
  pageId: string;
  ended: number;
  /** Those that did not succeed (FAILED or KILLED), and of those the KILLED ones. */
  failed: number;
  killed: number;
}

/**
 * What a fold adds to the backfill's timeline (see `FoldedCell`): its cells' counts, or, for a fold
 * spanning more cells than one write can take, `drop`: the per-cell counts are removed in the same
 * write, and the timeline shows folded ticks as ended from then on (never counts that are wrong).
 */
export type TimelineFold = { cells: CellFold[] } | { drop: true };

/** What else a fold writes (see `foldPages`). */
export interface FoldExtras {
  /** Replace the backfill's rate samples in the same write. */
  rateSamples?: RateSample[];
  timeline?: TimelineFold;
}

/** A backfill's open ledger pages as its ending found them: which, and their failed (of which killed) and unended executions. */
export interface OpenPagesAtEnd {
  pages: string[];
  failed: number;
  killed: number;
  unfinished: number;
}

/** What else a pause or an unpause records (see `setBackfillPaused`). */
export interface PauseOptions {
  /** Pausing: why (the failure policy tripped), shown as `pausedReason` until it is resumed. */
  reason?: FailurePolicyTrip;
  /** Unpausing: restart the failure policy's count (see `BackfillState.rebaseFailures`). */
  rebaseFailures?: boolean;
}

/** A backfill as a write left it, and the parked task token the write took off it, if any. */
export interface BackfillWrite {
  backfill: BackfillState;
  taskToken?: string;
}

/** A backfill's final notification still PENDING (see `listPendingNotifications`). */
export interface PendingNotification {
  ref: TriggerRef;
  lastBackfill: LastBackfill;
}

/** How one attempt at a final notification went (see `recordNotification`). */
export interface NotificationAttempt {
  status: NotifyStatus;
  lastError?: string;
  /** Whether the ending event is published (a retry then only POSTs the webhook again). */
  eventSent: boolean;
  /** PENDING: no retry starts before this (epoch ms). */
  nextAttemptMs?: number;
}

/**
 * Trigger states and their backfills. A trigger may run several backfills at once on disjoint
 * windows; each is addressed by its id, and every write to one holds only while it is still active
 * (so a late writer never touches a backfill that ended, nor another one).
 */
export interface TriggerStore {
  /** The trigger's state with its active backfills (earliest window first) and its most recently ended one. */
  get(ref: TriggerRef): Promise<TriggerState | undefined>;
  listByFlow(namespace: string, flowId: string): Promise<TriggerState[]>;
  /**
   * Backfill `backfillId` alone, in one strongly consistent read of its own row (the trigger's other
   * rows unread: what dispatch, the worker and the state machine's tasks need, whatever else runs on
   * the trigger). Undefined once its row was pruned, or for an id the trigger never had.
   */
  getBackfill(ref: TriggerRef, backfillId: string): Promise<BackfillRecord | undefined>;
  /** Every trigger (the triggers search). */
  list(): Promise<TriggerState[]>;
  /**
   * Sets the backfill's pause flag; returns undefined when `backfillId` is not active. Unpausing
   * also takes the parked task token off the backfill and returns it, so exactly one caller resumes
   * with it, clears `pausedReason`, and drops the rate samples, so that the paused time counts in no rate.
   */
  setBackfillPaused(ref: TriggerRef, backfillId: string, paused: boolean, updatedDate: string, options?: PauseOptions): Promise<BackfillWrite | undefined>;
  /** Sets `failureBaseline` and clears `rebaseFailures`, if the backfill is still active; returns whether it did. */
  setFailureBaseline(ref: TriggerRef, backfillId: string, baseline: number): Promise<boolean>;
  /**
   * Records a cancel on the backfill if it is still active (a cancel already recorded is kept: the
   * first one's time and reason stand) and takes its parked task token; returns the backfill after
   * the write and the token, or undefined when it is gone. From then on `advanceBackfill` refuses
   * to move its cursor.
   */
  markBackfillCancelling(ref: TriggerRef, backfillId: string, cancel: BackfillCancel, updatedDate: string): Promise<BackfillWrite | undefined>;
  /** Sets the backfill's `maxConcurrency`; returns it after the write, or undefined when it is not active. */
  setBackfillMaxConcurrency(ref: TriggerRef, backfillId: string, maxConcurrency: number, updatedDate: string): Promise<BackfillState | undefined>;
  /** Every trigger that has an active backfill (the sweeps, and the local default resuming state machines after a restart). */
  listWithBackfill(): Promise<TriggerState[]>;
  /** Writes the row unless one exists; returns whether it wrote. */
  createIfAbsent(state: TriggerState): Promise<boolean>;
  /** Moves the live schedule to its next tick if it is still at `expected`; returns whether it did. */
  advanceSchedule(ref: TriggerRef, expected: string, next: string | null, date: string | undefined, updatedDate: string): Promise<boolean>;
  /** Updates the live-schedule fields of an existing row (keeps its backfills). */
  updateSchedule(ref: TriggerRef, fields: { nextExecutionDate: string | null; disabled: boolean; updatedDate: string }): Promise<void>;
  /** Removes the trigger, its backfills and what is kept of ended ones. */
  delete(ref: TriggerRef): Promise<void>;
  /**
   * Attaches a backfill beside the trigger's active ones. Throws TriggerNotFoundError without a
   * row, and BackfillAlreadyActiveError when its window overlaps an active backfill's (or one
   * being created at the same moment: see `WindowReservation`), naming it, or when the trigger has
   * `maxActive` active backfills already. Two concurrent creations of overlapping windows: one wins.
   */
  startBackfill(ref: TriggerRef, backfill: BackfillState, updatedDate: string, limits: { maxActive: number }): Promise<void>;
  /**
   * Ends the backfill if it is still active, recording its outcome (and the reason of a FAILED
   * one); returns whether it did. It becomes the trigger's `lastBackfill` (the most recently ended
   * one), with its summary (window, start, labels, reprocess, counts), its counters taken as the
   * write finds them. With `open` (what its open ledger pages held, read just before), it holds only
   * while the open pages are exactly `open.pages`, so a page folded meanwhile is not counted twice
   * (see `endBackfill`). A CANCELLED one keeps its cancel's reason (`lastBackfill.cancelledReason`).
   * The same write opens its final notification's outbox (PENDING).
   */
  finishBackfill(ref: TriggerRef, backfillId: string, outcome: BackfillOutcome, updatedDate: string, reason?: string, open?: OpenPagesAtEnd): Promise<boolean>;
  /**
   * Claims one attempt at the final notification of the ended backfill `backfillId`: holds only
   * while it is PENDING and due (no `nextAttemptMs`, or at most `nowMs`), counts the attempt and
   * sets `nextAttemptMs` (no other sender starts one before then, so two senders never overlap).
   * Returns the ended backfill's summary after the write, or undefined when it was not claimed.
   */
  claimNotification(ref: TriggerRef, backfillId: string, nowMs: number, nextAttemptMs: number): Promise<LastBackfill | undefined>;
  /**
   * Records how an attempt went, if the notification of `backfillId` is still PENDING: DELIVERED,
   * FAILED (given up), or PENDING again with its error (retried once `result.nextAttemptMs` passed);
   * and whether the ending event is published. Returns whether it wrote.
   */
  recordNotification(ref: TriggerRef, backfillId: string, result: NotificationAttempt): Promise<boolean>;
  /** Ended backfills whose final notification is PENDING (the sweep retries the due ones). */
  listPendingNotifications(): Promise<PendingNotification[]>;
  /**
   * Adds ended pages' counts to the backfill and takes them off its open pages, in one write that
   * holds only while every one of them is still open (so a repeated fold counts nothing twice);
   * returns whether it did. `rateSamples`, when given, replace the backfill's in the same write; with
   * `timeline`, the same write adds the pages' counts to the cells they fall in (nothing for a
   * backfill without per-cell counts).
   */
  foldPages(ref: TriggerRef, backfillId: string, folds: PageFold[], extras?: FoldExtras): Promise<boolean>;
  /** Moves the cursor if the backfill is still active at `expectedCursorMs`, and no cancel is recorded; returns whether it did. */
  advanceBackfill(ref: TriggerRef, backfillId: string, expectedCursorMs: number, advance: AdvanceCursor): Promise<boolean>;
  /**
   * Stores the task token of the parked state machine with the backfill, if it is still active;
   * returns the backfill as it is after the write (undefined if it is gone).
   */
  storeTaskToken(ref: TriggerRef, backfillId: string, taskToken: string): Promise<BackfillState | undefined>;
  /** Records the state machine execution now driving the backfill (continue-as-new). */
  setBackfillExecution(ref: TriggerRef, backfillId: string, generation: number, executionName: string): Promise<boolean>;
  /**
   * Replaces the trigger's state with `fresh` (its last run, ended backfills and switch forgotten)
   * if it exists and has no active backfill; returns whether it did.
   */
  reset(fresh: TriggerState): Promise<boolean>;
}

/** An execution as stored: Kestra's document plus where it came from and who is running it. */
export interface StoredExecution {
  execution: Execution;
  origin: ExecutionOrigin;
  /**
   * Log lines kept with the execution rather than in the LogStore: the whole log of an attempt
   * that wrote only a few hundred bytes (a `Log` task), saved by `finish` with the final state, so
   * such an execution's log costs no write of its own.
   */
  logs?: LogLine[];
  /**
   * Runs of it that a worker gave up and released after an infrastructure error (a DynamoDB error,
   * say), so that a redelivery takes over at once: not counted as attempts whose worker died.
   */
  releasedRuns?: number;
  /** A kill asked while a worker held it (see KillRequest): its worker, or whoever takes it over, ends it KILLED. */
  killed?: KillRequest;
}

/**
 * What asking to kill an execution came to: KILLED at once (no worker held it: queued, or its worker
 * died), KILLING (its worker holds it: the request is stored for the worker and its task runner to
 * see), FINISHED before (nothing to kill), or MISSING.
 */
export type KillResult =
  | { outcome: 'KILLED'; stored: StoredExecution }
  | { outcome: 'KILLING'; stored: StoredExecution }
  | { outcome: 'FINISHED'; stored: StoredExecution }
  | { outcome: 'MISSING' };

/** What restarting an execution came to: RESTARTED (queue it), NOT_RESTARTABLE (not FAILED or KILLED: its state says why), or MISSING. */
export type RestartResult =
  | { outcome: 'RESTARTED'; stored: StoredExecution }
  | { outcome: 'NOT_RESTARTABLE'; stored: StoredExecution }
  | { outcome: 'MISSING' };

export type ClaimResult =
  | { outcome: 'CLAIMED'; stored: StoredExecution }
  | { outcome: 'FINISHED'; stored: StoredExecution }
  | { outcome: 'BUSY'; leaseUntilMs: number }
  | { outcome: 'MISSING' };

export interface ExecutionQuery {
  /** Exactly this namespace (not the ones below it). */
  namespace?: string;
  flowId?: string;
  /** Conditions on the flow's namespace and id (Kestra 2.x's filters), all of which must hold: they choose the flows searched. */
  flowConditions?: { namespace?: TextCondition[]; flowId?: TextCondition[] };
  /** `key:value` pairs; all must match. */
  labels?: { key: string; value: string }[];
  /** `key:value` pairs none of which the execution may carry (an execution without the key has none of them). */
  excludedLabels?: { key: string; value: string }[];
  states?: StateType[];
  /**
   * Executions started from `from` (inclusive) and before `before` (exclusive), both as
   * `Date.toISOString` writes them. The search index is sorted by start date, so a range narrows
   * what a search reads instead of filtering what it reads.
   */
  startDate?: { from?: string; before?: string };
  /**
   * Conditions on the id of the trigger that started the execution (`trigger.id`), all of which must
   * hold; an execution without a trigger meets only NOT_EQUALS and NOT_IN (see optionalMatchesAll).
   */
  triggerId?: TriggerIdCondition[];
  /**
   * Executions ended from `from` (inclusive) and before `before` (exclusive), both as `Date.toISOString`
   * writes them; an unfinished execution has no end date and is never in a range. Filtered in the
   * search index, which carries each execution's end date (unlike `startDate`, not its sort key).
   */
  endDate?: { from?: string; before?: string };
  /** Only executions whose id contains this text (Kestra's `q`). */
  idContains?: string;
  page: number;
  size: number;
}

/** One page of a search, and how many match: exactly, or at least `total` when `totalIsLowerBound` (see SearchLimits). */
export interface ExecutionSearchResult {
  results: Execution[];
  total: number;
  totalIsLowerBound: boolean;
}

export interface ExecutionStore {
  get(id: string): Promise<StoredExecution | undefined>;
  /**
   * Bytes of the item `stored` is written as, by DynamoDB's size rules: what each write of it is
   * billed on (a write unit per started KB). Reads and writes nothing; the dry run's cost estimate
   * sizes the flow's executions with it.
   */
  storedBytes(stored: StoredExecution): number;
  /** The ids among `ids` that exist, with their current state. Batched reads. */
  statesOf(ids: string[]): Promise<Map<string, StateType>>;
  /** Writes new executions in batches. Callers only pass ids that do not exist yet. */
  createMany(executions: StoredExecution[]): Promise<void>;
  /** Writes one execution unless its id exists; returns whether it wrote. */
  createIfAbsent(stored: StoredExecution): Promise<boolean>;
  /**
   * Writes one execution, RUNNING and leased to `leaseToken` (see `claim`), unless its id exists:
   * how a worker takes an execution that dispatch sent as a document rather than wrote.
   */
  createClaimed(stored: StoredExecution, leaseToken: string, leaseUntilMs: number): Promise<boolean>;
  /**
   * Takes the execution for running: CREATED, or RUNNING with an expired lease (its worker died).
   * The lease token makes every later write conditional on still holding it.
   */
  claim(id: string, leaseToken: string, leaseUntilMs: number, now: Date): Promise<ClaimResult>;
  /**
   * The trigger's scheduled executions (live and backfilled) at ticks in [fromMs, toMs], by tick:
   * what a backfill that skips covered ticks consults.
   */
  statesByTick(trigger: TriggerRef, fromMs: number, toMs: number): Promise<Map<number, { id: string; state: StateType }[]>>;
  /** `claim` for a batch of messages: one read for all, a result per entry (duplicates allowed). */
  claimMany(claims: { id: string; leaseToken: string }[], leaseUntilMs: number, now: Date): Promise<ClaimResult[]>;
  /**
   * Saves progress (task runs) while holding the lease and while no kill was asked; returns false
   * otherwise (the lease was lost, or see `killRequestOf`).
   */
  save(stored: StoredExecution, leaseToken: string): Promise<boolean>;
  /**
   * Asks for the execution to be killed, in one conditional write: written KILLED at once (out of
   * the unfinished index, its lease dropped) when no worker holds a live lease on it; otherwise the
   * request is stored beside it for its worker. A second request keeps the first one's time.
   */
  requestKill(id: string, request: KillRequest, now: Date): Promise<KillResult>;
  /** The kill request stored with the execution, if any (a strongly consistent read of two attributes). */
  killRequestOf(id: string): Promise<KillRequest | undefined>;
  /**
   * Puts a FAILED or KILLED execution back to run again in place, in one write conditional on the
   * state read: RESTARTED (see `restartedState`), back in the unfinished index under its trigger's
   * live owner (what the sweep reads whether or not a backfill is active), its kill request, released
   * runs and kept log lines (`logs`: the caller moves them to the LogStore first) forgotten. The
   * caller queues it; a worker claims it as a CREATED one.
   */
  restart(id: string, now: Date): Promise<RestartResult>;
  /** Saves a terminal state (and `stored.logs`, if any) and releases the lease; returns false if the lease was lost. */
  finish(stored: StoredExecution, leaseToken: string): Promise<boolean>;
  /** Gives the lease up early (after an infrastructure error) so a redelivery can take the execution over at once. */
  releaseLease(id: string, leaseToken: string): Promise<void>;
  /** Executions of a backfill RUNNING now, counted up to `limit`. */
  countRunning(backfillId: string, limit: number): Promise<number>;
  /** Ids of a backfill's executions RUNNING now, up to `limit` (the same index entries `countRunning` counts). */
  runningOf(backfillId: string, limit: number): Promise<string[]>;
  /** The ids among `ids` that exist, with their state and the end of their lease (0 without one). */
  leasesOf(ids: string[]): Promise<Map<string, { state: StateType; leaseUntilMs: number }>>;
  /** Unfinished (CREATED or RUNNING) executions of a live schedule (`liveOwner`), up to `limit`. */
  unfinishedOf(owner: string, limit: number): Promise<string[]>;
  /** Newest first; reads a bounded number of index entries whatever the number of executions (see SearchLimits). */
  search(query: ExecutionQuery): Promise<ExecutionSearchResult>;
}

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Kestra's LogEntry. */
export interface LogEntry {
  namespace: string;
  flowId: string;
  executionId: string;
  taskId?: string;
  taskRunId?: string;
  attemptNumber?: number;
  triggerId?: string;
  timestamp: string;
  level: LogLevel;
  message: string;
}

/** A log line and its place in the execution's log. */
export interface LogLine {
  seq: number;
  entry: LogEntry;
}

/** Which of an execution's lines to list: those after `afterSeq`, at most `limit` of them. */
export interface LogRange {
  afterSeq?: number;
  limit?: number;
}

export interface LogStore {
  /** Appends lines; `seq` orders them within the execution and makes a rewrite of the same line idempotent. */
  append(entries: LogLine[]): Promise<void>;
  /** The execution's lines in `seq` order; all of them, or the range asked for (a page of a long log). */
  list(executionId: string, range?: LogRange): Promise<LogLine[]>;
}

/**
 * One message per execution to run: its id, and for a backfill's executions the document itself
 * (dispatch writes none: the worker does, see LedgerPage). Without `created` the execution exists.
 */
export interface ExecutionMessage {
  executionId: string;
  created?: Pick<StoredExecution, 'execution' | 'origin'>;
}

/** The dispatch ledger's pages (see LedgerPage). */
export interface DispatchLedger {
  /** Writes the page unless one with its id exists; returns the page as stored (the earlier one, on a re-run). */
  open(page: LedgerPage): Promise<LedgerPage>;
  /** The pages among `ids` that exist. */
  read(ids: string[]): Promise<LedgerPage[]>;
  /**
   * Records ended executions on their pages: idempotent, and nothing for a page that no longer
   * exists. Returns the marked pages as they are after the marks.
   */
  markEnded(marks: SlotMark[]): Promise<LedgerPage[]>;
  /** Records when the sweep last sent the page's stuck executions again (nothing if the page is gone). */
  markSwept(pageId: string, at: string): Promise<void>;
  /** Records slots whose execution a worker held back, its backfill being paused (nothing if the page is gone). */
  hold(pageId: string, slots: number[]): Promise<void>;
  /** Forgets held slots, once they were sent again. */
  release(pageId: string, slots: number[]): Promise<void>;
  remove(ids: string[]): Promise<void>;
}

/**
 * Live executions and backfilled ones travel apart, so that live work never waits behind a
 * backfill's queue (two SQS queues on AWS, two lanes locally, live first).
 */
export type ExecutionLane = 'live' | 'backfill';

/** A received message, as the SQS event names it. */
export interface Delivery {
  eventSourceArn: string;
  receiptHandle: string;
}

export interface ExecutionQueue {
  send(messages: ExecutionMessage[], lane: ExecutionLane): Promise<void>;
  /** Makes a received message come back after `seconds` instead of the queue's visibility timeout. */
  retryAfter(delivery: Delivery, seconds: number): Promise<void>;
}

/**
 * Asynchronous bulk operations (see Operation): a small head item with the counts, and the
 * targets (triggers, or execution ids) in parts of their own, written before any message names them.
 */
export interface OperationStore {
  /** Writes the parts, then the head: a message never names a part that is not stored. */
  create(operation: Operation, parts: OperationTarget[][]): Promise<void>;
  get(id: string): Promise<Operation | undefined>;
  /** The targets of one part; undefined if there is no such part. */
  part(id: string, part: number): Promise<OperationTarget[] | undefined>;
  /**
   * Records a part's outcome unless it is recorded already, in one conditional write: adds its
   * counts, and as many of its errors as MAX_OPERATION_ERRORS leaves room for (counting the others
   * in `errorsOmitted`). Returns false when the part was recorded before (a redelivery, a retried
   * write) or the operation is unknown: nothing is counted twice.
   */
  recordPart(id: string, outcome: PartOutcome, at: string): Promise<boolean>;
}

/** One part of an operation to apply. */
export interface OperationMessage {
  operationId: string;
  part: number;
}

/** The queue of operation parts (SQS on AWS, an in-process queue with SQS's contract locally). */
export interface OperationQueue {
  /** Sends the messages; returns those that could not be sent (after retries), so their parts can be recorded failed. */
  send(messages: OperationMessage[]): Promise<OperationMessage[]>;
  /** Makes a received message come back after `seconds` instead of the queue's visibility timeout. */
  retryAfter(delivery: Delivery, seconds: number): Promise<void>;
}

/** Input of every backfill state machine execution; small on purpose (no tick lists). */
export interface BackfillRunInput {
  backfill: TriggerRef & { id: string };
  generation: number;
  iteration: number;
}

/** A state machine execution's status, as DescribeExecution names it (PENDING_REDRIVE counts as RUNNING). */
export type WorkflowStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface BackfillWorkflows {
  /**
   * Starts (idempotently, by name) a state machine execution for a backfill. Returns false when
   * an execution of that name already exists and was not started now (one that ended, whatever
   * its status: Step Functions never runs a name twice; `status` tells how it went).
   */
  start(name: string, input: BackfillRunInput): Promise<boolean>;
  /** The status of the execution of that name; undefined if there is none. */
  status(name: string): Promise<WorkflowStatus | undefined>;
  /** Stops the execution if it runs; no error if it does not. */
  stop(name: string): Promise<void>;
  /** Hands a parked task token back (SendTaskSuccess). */
  resume(taskToken: string, output: unknown): Promise<void>;
}

/**
 * Repairs only the local default needs after a crash, kept off the production ports: on AWS nothing
 * calls them (DynamoDB writes an item and its index entries atomically, and a Lambda's lease simply
 * runs out), so no use case can come to depend on them.
 */
export interface LocalRecovery {
  /** Every unfinished execution and its lane, to queue again after a restart. */
  listUnfinished(): Promise<{ executionId: string; lane: ExecutionLane }[]>;
  /**
   * Ends the leases of these executions whoever holds them. Only safe because the data folder's
   * lock proves every earlier worker of the local default is gone.
   */
  expireLeases(ids: string[]): Promise<void>;
  /**
   * Rewrites every unfinished execution so its index entries are rebuilt: dynalite writes index
   * entries and the item in separate steps, so a killed process can leave an unfinished execution
   * missing from the index.
   */
  repairUnfinishedIndex(): Promise<number>;
  /**
   * Operations with parts not recorded yet, not expired: the local queue lived in memory, so their
   * messages are sent again at start (on AWS, SQS keeps them).
   */
  unfinishedOperations(nowMs: number): Promise<Operation[]>;
}

/** A Shell Commands task's script after templating: what the process runner needs. */
export interface ShellScript {
  commands: string[];
  beforeCommands: string[];
  env: Record<string, string>;
}

export interface ShellRun {
  /**
   * The execution the task belongs to: where its runner looks for a kill request (on AWS the runner
   * function polls the execution's kill flag; locally LocalTaskRunner does, and tells its runner process).
   */
  executionId?: string;
  task: ShellScript;
  timeoutMs: number;
  log: (level: LogLevel, message: string) => void;
  /**
   * The attempt's log caps (LogWriter's): where the task runs elsewhere, lines past them are counted
   * there instead of sent (see ShellResult.unsent), so an endless printer costs no bandwidth.
   */
  logLimits?: { maxLines: number; maxBytes: number };
  /** Aborted when the task must stop because its execution was killed: its processes are killed, and the result says `killed`. */
  signal?: AbortSignal;
}

export interface ShellResult {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** The task was stopped because its execution was killed (the worker checks the kill request before believing it). */
  killed?: boolean;
  /** Lines (other than ERROR lines) the task printed past `logLimits`, counted but not passed to `log`. */
  unsent?: { lines: number; bytes: number };
}

/** Runs a shell task's script as a process, in the process calling it (the task runner's own engine). */
export type ShellRunner = (run: ShellRun) => Promise<ShellResult>;

/**
 * Whether an execution was asked to be killed, read by whoever runs its task: the execution's kill
 * flag and nothing else of it (on AWS the task runner's role may read no other attribute).
 */
export interface KillFlags {
  isKilled(executionId: string): Promise<boolean>;
}

/**
 * Runs a shell task where the worker's AWS credentials cannot be read: on AWS a task runner function
 * of its own with a role that holds nothing of value, locally a child process started with an
 * environment cleared of credentials. The worker's only way to run user code.
 *
 * Everything that happens to the task itself resolves: its exit, its timeout, a spawn failure, a
 * runner that died under it or stopped answering (a failed result, the reason logged at ERROR).
 * It rejects only when the task could not be handed over at all (the runner could not be invoked):
 * nothing ran, so the worker treats it as an infrastructure error and the message is retried.
 */
export interface TaskRunner {
  run(run: ShellRun): Promise<ShellResult>;
}

/**
 * The fields a log line may carry beyond its message: the ids an operator searches by (`executionId`,
 * `backfillId`), what happened (`outcome`, `state`…), and `error` for a thrown value.
 */
export interface LogFields {
  executionId?: string;
  backfillId?: string;
  error?: unknown;
  [key: string]: unknown;
}

/** The metrics the functions emit (see README, Observability); `Seconds` for ages and lags, `Count` otherwise. */
export type MetricUnit = 'Count' | 'Seconds';

/**
 * Structured logs and metrics, for the handlers in `functions/` (on AWS: Powertools Logger and
 * Metrics as EMF; locally: the same Logger formatted for a terminal, metrics off). Use cases report
 * through their results; this port is for whoever turns those into logs and numbers.
 */
/**
 * Where a backfill's lifecycle events go: EventBridge's default bus on AWS (`source`
 * `kestra.backfills`, a `detail-type` per event type), a JSON-lines file in the data folder locally.
 * Throws when the event was not accepted.
 */
export interface BackfillEvents {
  publish(event: BackfillEvent): Promise<void>;
}

/**
 * POSTs an event to a backfill's webhook (body: the event's JSON, header `X-Backfill-Event-Id`).
 * Throws WebhookError when it was not delivered (a non-2xx answer, a refused address, a timeout).
 */
export interface WebhookSender {
  post(url: string, event: BackfillEvent): Promise<void>;
}

export interface Telemetry {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Adds `value` to a metric of the invocation in hand; with `dimensions`, a metric of its own with those (e.g. `state`). */
  metric(name: string, unit: MetricUnit, value: number, dimensions?: Record<string, string>): void;
  /** Ends an invocation: publishes the metrics it added (one EMF document on AWS). */
  publish(): void;
}
