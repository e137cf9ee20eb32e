/**
 * Which processes belong to which task, so that none outlives its task or the worker that ran it.
 *
 * A process group is not enough: a command can leave it (`setsid`, a daemon's double fork), and
 * once its parent exits it is re-parented to init, so its ancestry is lost too. What every
 * descendant keeps is its environment, so each task runs with a cookie in it, `TASK_COOKIE_VAR`,
 * naming the worker process that owns it (`<pid>.<start time>`) and the run. Jenkins' process tree
 * killer finds a build's processes the same way (`BUILD_ID`, `JENKINS_NODE_COOKIE`). A command that
 * clears its environment on purpose (`env -i setsid …`) escapes this; nothing short of a PID
 * namespace catches that, and the Lambda runtime has no namespaces to offer (see shell-commands.ts).
 *
 * Linux only (/proc); elsewhere the functions find nothing and tasks rely on their process group.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable carrying a task's cookie: `<owner>/<run>`. */
export const TASK_COOKIE_VAR = 'KESTRA_BACKFILLS_TASK';

/** Where task working directories live: one folder per worker process, `<owner>/task-…`. */
const TASKS_ROOT = join(tmpdir(), 'kestra-backfills-tasks');

/** A process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), `undefined` if it is gone or a zombie. */
function startTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** This process as owner of tasks: its pid and start time, so that a later process reusing the pid is not taken for it. */
const OWNER = `${process.pid}.${startTime('self') ?? '0'}`;

/** Whether the process an owner string names still runs (the same process, not one that reused its pid). */
function ownerAlive(owner: string): boolean {
  const [pid, started] = owner.split('.');
  if (!pid || !/^\d+$/.test(pid)) return false;
  if (owner === OWNER) return true;
  const now = startTime(Number(pid));
  if (now !== undefined) return started === '0' || now === started;
  if (started !== '0') return false;
  // Without /proc (macOS), signal 0 tells whether the pid exists.
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
}

/** A fresh cookie for one task run of this process. */
export function newTaskCookie(): string {
  return `${OWNER}/${randomBytes(8).toString('hex')}`;
}

/** A working directory for one task, under this process's own folder (see `sweepOrphanedTasks`). */
export async function taskWorkDirRoot(): Promise<string> {
  const root = ownerTasksRoot(OWNER);
  await mkdir(root, { recursive: true });
  return root;
}

/** Pids of the processes (other than this one) whose cookie `matches`. */
async function processesWith(matches: (cookie: string) => boolean): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const prefix = `${TASK_COOKIE_VAR}=`;
  const found = await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map(async (name) => {
        try {
          const environ = await readFile(`/proc/${name}/environ`, 'latin1');
          const entry = environ.split('\0').find((e) => e.startsWith(prefix));
          return entry !== undefined && matches(entry.slice(prefix.length)) ? Number(name) : undefined;
        } catch {
          // Gone, or another user's: not ours.
          return undefined;
        }
      }),
  );
  return found.filter((pid): pid is number => pid !== undefined);
}

/**
 * SIGKILLs every process whose cookie `matches`, again until none is left (a process may fork
 * between the walk and the kill), at most `rounds` times. Returns the pids killed.
 */
async function killProcessesWith(matches: (cookie: string) => boolean, rounds = 5): Promise<number[]> {
  const killed: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const pids = (await processesWith(matches)).filter((pid) => startTime(pid) !== undefined);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch {
        // Already gone.
      }
    }
  }
  return killed;
}

/** The task runs waiting for the next scan of /proc, and that scan; one scan runs at a time. */
let batch: { cookies: Set<string>; done: Promise<void> } | undefined;
let lastScan: Promise<unknown> = Promise.resolve();

/**
 * Kills every process of one task run, wherever it went (its group, a new session, re-parented to
 * init). Task runs that end while a scan is under way share the next one: a scan reads every
 * process's environment, and with tens of tasks ending a second, one scan per task cost the
 * machine more than the tasks' own work (the seed's backfill ran a quarter slower).
 */
export function killTaskProcesses(cookie: string): Promise<void> {
  if (!batch) {
    const cookies = new Set<string>();
    const next: { cookies: Set<string>; done: Promise<void> } = {
      cookies,
      done: lastScan.then(async () => {
        // From here on, task runs that end wait for the scan after this one.
        if (batch === next) batch = undefined;
        await killProcessesWith((value) => cookies.has(value));
      }),
    };
    batch = next;
    lastScan = next.done.catch(() => undefined);
  }
  batch.cookies.add(cookie);
  return batch.done;
}

/**
 * Kills the processes of tasks whose worker process died (a SIGKILL, an out-of-memory kill, a
 * Lambda timeout), waiting up to `waitMs` for them to be gone, and removes their working directories.
 */
export async function killOrphanedTasks(waitMs = 2000): Promise<void> {
  const orphaned = (cookie: string) => !ownerAlive(cookie.split('/')[0] ?? '');
  const killed = await killProcessesWith(orphaned);
  const deadline = Date.now() + waitMs;
  while (killed.some((pid) => startTime(pid) !== undefined) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const owners = await readdir(TASKS_ROOT).catch(() => [] as string[]);
  await Promise.all(owners.filter((owner) => !ownerAlive(owner)).map((owner) => rm(join(TASKS_ROOT, owner), { recursive: true, force: true })));
}

let swept: Promise<void> | undefined;

/**
 * `killOrphanedTasks`, once per process, before its first task: so a rerun of an execution never
 * overlaps what is left of the run before the crash, those processes being gone before it starts.
 * (The supervisor kills them as the worker dies; this covers a supervisor killed with it.)
 */
export function sweepOrphanedTasks(): Promise<void> {
  swept ??= killOrphanedTasks();
  return swept;
}

/** The working-directory folder of tasks owned by `owner` (for tests: a dead owner's leftovers). */
export function ownerTasksRoot(owner: string): string {
  return join(TASKS_ROOT, owner);
}
