import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The project root, where `npm start` runs. */
const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** A free loopback port (the OS picks it; the listener is closed before the port is handed out). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface NpmStart {
  child: ChildProcess;
  /** What it printed (the last `keepChars` characters). */
  output: () => string;
  /** Its exit code once it exits. */
  exited: Promise<number | null>;
}

/**
 * `npm start` as the README says, as a real process in its own process group (so a test can signal
 * the whole tree), with exactly `env` as its environment.
 */
export function npmStart(env: NodeJS.ProcessEnv, keepChars = Number.POSITIVE_INFINITY): NpmStart {
  const child = spawn('npm', ['start', '--silent'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-keepChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
