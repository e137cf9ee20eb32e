/**
 * The local default as a user runs it (`npm start`, a real process tree on a temp data folder),
 * observed from outside: /proc memory of the server process, bytes it wrote to disk, the data
 * folder's size, the processes its shell tasks run, and the latency of the API it serves.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, npmStart } from '../support/npm-start';

const MiB = 1024 * 1024;

export interface Sample {
  atSeconds: number;
  /** Executions finished (SUCCESS or FAILED) of the flows watched. */
  executions: number;
  rssAnonMiB: number;
  vmRssMiB: number;
  dataBytes: number;
  /** Bytes the server process caused to be written to storage so far (/proc/<pid>/io write_bytes). */
  writtenBytes: number;
  /** Processes under the server (shell tasks: sh and what it runs). */
  childProcesses: number;
  /** Latency of the GET that read the progress. */
  probeMs: number;
}

export interface LocalProcess {
  readonly baseUrl: string;
  readonly dataDir: string;
  /** The node process that serves the API (below npm, sh and tsx's launcher). */
  serverPid(): number;
  call<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: T; ms: number }>;
  /** Memory, disk and process figures of the server, now. */
  measure(): Omit<Sample, 'atSeconds' | 'executions' | 'probeMs'>;
  output(): string;
  stop(): Promise<void>;
}

/** `npm start` with default settings except the port and data folder (and `extraEnv`, e.g. WORKER_CONCURRENCY). */
export async function startLocalProcess(extraEnv: Record<string, string> = {}, readyTimeoutMs = 120_000): Promise<LocalProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-data-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, ...extraEnv };
  // Only what the caller sets: a developer's shell settings must not change the defaults measured.
  for (const name of Object.keys(env)) if (/^(BACKFILL_|WORKER_|API_|TASK_|LIVE_)/.test(name) && !(name in extraEnv)) delete env[name];
  const { child, output, exited: exitCode } = npmStart(env, 20_000);
  const exited = exitCode.then(() => undefined);
  const baseUrl = `http://127.0.0.1:${port}`;

  const call = async <T>(method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const started = performance.now();
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed as T, ms };
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const up = await call('GET', '/api/v1/flows/search').catch(() => undefined);
    if (up?.status === 200) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      killGroup(child);
      throw new Error(`npm start did not serve the API: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  let server: number | undefined;
  const serverPid = () => (server ??= findServerPid(child.pid as number));
  return {
    baseUrl,
    dataDir,
    serverPid,
    call,
    measure: () => {
      const pid = serverPid();
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      return {
        rssAnonMiB: (kB('RssAnon') * 1024) / MiB,
        vmRssMiB: (kB('VmRSS') * 1024) / MiB,
        dataBytes: folderBytes(dataDir),
        writtenBytes: Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? Number.NaN),
        childProcesses: descendants(pid).length,
      };
    },
    output,
    stop: async () => {
      killGroup(child, 'SIGTERM');
      const forced = setTimeout(() => killGroup(child, 'SIGKILL'), 30_000);
      await exited;
      clearTimeout(forced);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-(child.pid as number), signal);
  } catch {
    // already gone
  }
}

/** `du -sb`: bytes of the files in the folder, as the issue measured them. */
function folderBytes(folder: string): number {
  const out = spawnSync('du', ['-sb', folder], { encoding: 'utf8' });
  return Number(out.stdout.split('\t')[0]);
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // gone meanwhile
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const found: number[] = [];
  const stack = [...(children.get(root) ?? [])];
  for (let i = 0; i < 100_000 && stack.length > 0; i++) {
    const pid = stack.pop() as number;
    found.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** npm → sh → tsx's launcher (node) → node running local/main.ts: the deepest process whose command names local/main.ts. */
function findServerPid(npmPid: number): number {
  const candidates = [npmPid, ...descendants(npmPid)].filter((pid) => commandLine(pid).includes('local/main.ts'));
  const server = candidates.find((pid) => !descendants(pid).some((d) => candidates.includes(d)));
  if (!server) throw new Error(`no process runs local/main.ts under npm (pid ${npmPid})`);
  return server;
}
