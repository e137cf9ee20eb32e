import { TERMINAL_STATES, type StateType } from '../../lib/domain/execution';
import type { TriggerRef } from '../../lib/domain/trigger-state';
import type { Api } from '../support/local';

/** What one fault run left behind, and whether that is what it must be. */
export interface RunOutcome {
  name: string;
  ticks: number;
  /** Executions of the backfill's window. */
  executions: number;
  /** Executions beyond one per tick. */
  duplicates: number;
  /** Ticks without an execution. */
  missing: number;
  nonTerminal: number;
  failed: number;
  backfillEnded: boolean;
  /** The search API's `total` for the flow (it must agree with the store). */
  searchTotal: number;
  wallSeconds: number;
  injected: string;
  problems: string[];
}

export interface Window {
  start: string;
  end: string;
  fromMs: number;
  toMs: number;
}

/** Per-minute ticks two days back: `ticks` of them. */
export function backfillWindow(ticks: number): Window {
  const begin = new Date(Date.now() - 2 * 86_400_000);
  begin.setUTCSeconds(0, 0);
  const fromMs = begin.getTime();
  const toMs = fromMs + (ticks - 1) * 60_000;
  return { start: new Date(fromMs).toISOString(), end: new Date(toMs).toISOString(), fromMs, toMs };
}

/** The window cut into `parts` consecutive windows of (nearly) equal ticks, disjoint, together all of it. */
export function splitWindow(window: Window, parts: number): Window[] {
  const ticks = (window.toMs - window.fromMs) / 60_000 + 1;
  return Array.from({ length: parts }, (_, i) => {
    const fromMs = window.fromMs + Math.floor((i * ticks) / parts) * 60_000;
    const toMs = window.fromMs + (Math.floor(((i + 1) * ticks) / parts) - 1) * 60_000;
    return { start: new Date(fromMs).toISOString(), end: new Date(toMs).toISOString(), fromMs, toMs };
  });
}

export function flowYaml(ref: TriggerRef, kind: 'log' | 'shell'): string {
  const task =
    kind === 'log'
      ? `  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: "tick {{ trigger.date }}"\n`
      : `  - id: run\n    type: io.kestra.plugin.scripts.shell.Commands\n    commands:\n      - echo "tick {{ trigger.date }}"\n`;
  return `id: ${ref.flowId}\nnamespace: ${ref.namespace}\ntasks:\n${task}triggers:\n  - id: ${ref.triggerId}\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "* * * * *"\n`;
}

/**
 * PUT /api/v1/triggers with a backfill, as a client does when the answer may be lost: a 5xx is
 * tried again, and a 409 after a 5xx is the earlier try having worked (the trigger shows it).
 * Returns the backfill's id.
 */
export async function putBackfill(api: Api, ref: TriggerRef, window: Window): Promise<string> {
  let sawServerError = false;
  for (let attempt = 0; attempt < 10; attempt++) {
    const put = await api
      .call('PUT', '/api/v1/triggers', { ...ref, backfill: { start: window.start, end: window.end } })
      .catch(() => ({ status: 0, body: null }));
    if (put.status === 200) return put.body.backfill.id ?? (await currentBackfillId(api, ref, window));
    if (put.status === 409 && sawServerError) return currentBackfillId(api, ref, window);
    if (put.status !== 0 && put.status < 500) throw new Error(`PUT backfill answered ${put.status}: ${JSON.stringify(put.body)}`);
    sawServerError = true;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('PUT backfill kept failing');
}

/** The id of the trigger's active backfill over `window` (a trigger may run several, on disjoint windows). */
async function currentBackfillId(api: Api, ref: TriggerRef, window: Window): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const got = await api.call('GET', `/api/v1/triggers/${ref.namespace}/${ref.flowId}`).catch(() => ({ status: 0, body: null }));
    const row = got.status === 200 ? got.body.results.find((r: { triggerId: string }) => r.triggerId === ref.triggerId) : undefined;
    const ours = (row?.backfills ?? []).find((b: { id: string; start: string }) => Date.parse(b.start) === window.fromMs);
    if (ours) return ours.id;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the backfill cannot be read back');
}

/** Checks a run's executions (by tick) against what every run must end with. */
export function summarize(run: {
  name: string;
  expectedTicks: number;
  window: Window;
  byTick: Map<number, { id: string; state: StateType }[]>;
  backfillEnded: boolean;
  searchTotal: number;
  injected: string;
  wallSeconds: number;
}): RunOutcome {
  const all = [...run.byTick.values()].flat();
  const duplicates = [...run.byTick.values()].reduce((sum, runs) => sum + Math.max(0, runs.length - 1), 0);
  let missing = 0;
  for (let tick = run.window.fromMs; tick <= run.window.toMs; tick += 60_000) if (!run.byTick.get(tick)?.length) missing++;
  const nonTerminal = all.filter((e) => !TERMINAL_STATES.has(e.state)).length;
  const failed = all.filter((e) => e.state === 'FAILED').length;
  const problems: string[] = [];
  if (missing) problems.push(`${missing} ticks without an execution`);
  if (duplicates) problems.push(`${duplicates} duplicate executions`);
  if (nonTerminal) problems.push(`${nonTerminal} executions not terminal`);
  if (failed) problems.push(`${failed} executions FAILED`);
  if (!run.backfillEnded) problems.push('the backfill did not end COMPLETED');
  if (run.searchTotal !== all.length) problems.push(`search total ${run.searchTotal} for ${all.length} stored executions`);
  return {
    name: run.name,
    ticks: run.expectedTicks,
    executions: all.length,
    duplicates,
    missing,
    nonTerminal,
    failed,
    backfillEnded: run.backfillEnded,
    searchTotal: run.searchTotal,
    wallSeconds: run.wallSeconds,
    injected: run.injected,
    problems,
  };
}

/** The table the suite prints: one row per fault. */
export function outcomeTable(outcomes: RunOutcome[]): string {
  const header = [
    'fault',
    'ticks',
    'executions',
    'duplicates',
    'missing',
    'non-terminal',
    'FAILED',
    'backfill ended',
    'search total',
    'wall s',
    'ok',
    'injected',
  ];
  const rows = outcomes.map((o) => [
    o.name,
    String(o.ticks),
    String(o.executions),
    String(o.duplicates),
    String(o.missing),
    String(o.nonTerminal),
    String(o.failed),
    o.backfillEnded ? 'yes' : 'NO',
    String(o.searchTotal),
    o.wallSeconds.toFixed(1),
    o.problems.length ? 'NO' : 'yes',
    o.injected,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
