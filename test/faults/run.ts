/**
 * `npm run test:faults`: a backfill of 500+ ticks under each fault, then the table of faults ×
 * outcomes. Every run must end with every tick exactly once, every execution terminal, none FAILED,
 * the backfill ended COMPLETED and the search agreeing with the store; the exit code says whether
 * they all did. `FAULTS=name,name` runs some of them; `FAULT_SEED` changes the seed.
 */
import { type InProcessPlan, runInProcess } from './in-process';
import { type RunOutcome, outcomeTable } from './outcome';
import { type KillPlan, runWithKills } from './sigkill';

const seed = Number(process.env.FAULT_SEED ?? 12);
const TICKS = 500;

type Plan = ({ kind: 'in-process' } & InProcessPlan) | ({ kind: 'sigkill' } & KillPlan);

const plans: Plan[] = [
  { kind: 'in-process', name: 'none (control)', ticks: TICKS, flow: 'log', seed },
  { kind: 'in-process', name: 'none (control), shell', ticks: TICKS, flow: 'shell', seed },
  { kind: 'in-process', name: 'DynamoDB throttling 10%', ticks: TICKS, flow: 'log', seed, dynamo: { throttle: 0.1 } },
  { kind: 'in-process', name: 'DynamoDB 500s 10%', ticks: TICKS, flow: 'log', seed, dynamo: { error500: 0.1 } },
  { kind: 'in-process', name: 'DynamoDB slow 30% (≤300 ms)', ticks: TICKS, flow: 'log', seed, dynamo: { slow: 0.3, delayMs: 300 } },
  { kind: 'in-process', name: 'DynamoDB answers lost 5%', ticks: TICKS, flow: 'log', seed, dynamo: { lostAnswer: 0.05 } },
  { kind: 'in-process', name: 'DynamoDB answers lost 5%, shell', ticks: TICKS, flow: 'shell', seed, dynamo: { lostAnswer: 0.05 } },
  { kind: 'in-process', name: 'queue duplicates 20%', ticks: TICKS, flow: 'log', seed, queue: { duplicate: 0.2 } },
  { kind: 'in-process', name: 'queue late 20% (≤3 s)', ticks: TICKS, flow: 'log', seed, queue: { delay: 0.2, delayMs: 3000 } },
  { kind: 'in-process', name: 'queue losses 5%', ticks: TICKS, flow: 'log', seed, queue: { lose: 0.05 } },
  { kind: 'in-process', name: 'worker crash 10%, shell', ticks: TICKS, flow: 'shell', seed, process: { workerCrash: 0.1 } },
  { kind: 'in-process', name: 'dispatch crash 15% per write', ticks: TICKS, flow: 'log', seed, process: { dispatchCrash: 0.15 } },
  {
    kind: 'in-process',
    name: 'all of the above at once',
    ticks: TICKS,
    flow: 'shell',
    seed,
    dynamo: { throttle: 0.03, error500: 0.03, slow: 0.1, delayMs: 200, lostAnswer: 0.02 },
    queue: { duplicate: 0.05, delay: 0.05, delayMs: 2000, lose: 0.02 },
    process: { workerCrash: 0.05, dispatchCrash: 0.1 },
  },
  {
    kind: 'in-process',
    name: 'all of the above, 4 backfills at once',
    ticks: TICKS,
    flow: 'shell',
    seed,
    // The window cut into four backfills of one trigger, created at the same moment.
    backfills: 4,
    dynamo: { throttle: 0.03, error500: 0.03, slow: 0.1, delayMs: 200, lostAnswer: 0.02 },
    queue: { duplicate: 0.05, delay: 0.05, delayMs: 2000, lose: 0.02 },
    process: { workerCrash: 0.05, dispatchCrash: 0.1 },
  },
  { kind: 'sigkill', name: 'SIGKILL ×4 (npm start)', ticks: TICKS, flow: 'log', seed, kills: 4 },
];

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const only = process.env.FAULTS?.split(',').map((s) => s.trim().toLowerCase());
  const chosen = only ? plans.filter((p) => only.some((o) => p.name.toLowerCase().includes(o))) : plans;
  const outcomes: RunOutcome[] = [];
  for (const plan of chosen) {
    process.stderr.write(`[faults] ${plan.name} … `);
    // The product logs every retried failure (that is what it must do); kept aside, shown for a bad run.
    const logged = captureConsole();
    let outcome: RunOutcome;
    try {
      outcome = plan.kind === 'sigkill' ? await runWithKills(plan) : await runInProcess(plan);
    } finally {
      logged.restore();
    }
    process.stderr.write(
      `${outcome.problems.length ? outcome.problems.join('; ') : 'ok'} (${outcome.wallSeconds.toFixed(1)} s, ${logged.lines.length} lines logged)\n`,
    );
    if (outcome.problems.length) process.stderr.write(`${logged.lines.slice(-40).join('\n')}\n`);
    outcomes.push(outcome);
  }
  console.log(`\nFault injection, seed ${seed}:\n`);
  console.log(outcomeTable(outcomes));
  const bad = outcomes.filter((o) => o.problems.length);
  if (bad.length) {
    console.log(`\n${bad.length} run(s) did not end as they must:`);
    for (const o of bad) console.log(`- ${o.name}: ${o.problems.join('; ')}`);
    process.exitCode = 1;
  }
}

function captureConsole(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const { log, error, warn } = console;
  const keep = (...args: unknown[]) => {
    lines.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' '));
  };
  console.log = keep;
  console.error = keep;
  console.warn = keep;
  return {
    lines,
    restore: () => {
      Object.assign(console, { log, error, warn });
    },
  };
}

main().then(
  // Stray timers of a failed run must not keep the process up.
  () => process.exit(),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
