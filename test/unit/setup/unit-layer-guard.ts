/**
 * Setup file of the unit project: the unit layer runs in memory, so starting dynalite or a child
 * process from it fails at once, with a message saying where such a test belongs. This guards
 * what a test does, not what it imports: importing a Lambda entry pulls in the shell runner and the
 * AWS wiring (harmless), while running a shell task or the local runtime must not happen here.
 */
import { vi } from 'vitest';

function forbidden(what: string): never {
  throw new Error(`The unit layer must not ${what}: use the fakes in test/support/fakes, or move the test to test/integration`);
}

vi.mock('dynalite', () => ({ default: () => forbidden('start dynalite') }));

const PROCESS_STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

async function guardedChildProcess(importOriginal: () => Promise<typeof import('node:child_process')>) {
  const actual = await importOriginal();
  const guarded = Object.fromEntries(PROCESS_STARTERS.map((name) => [name, () => forbidden(`start a process (child_process.${name})`)]));
  return { ...actual, ...guarded, default: { ...actual, ...guarded } };
}

vi.mock('node:child_process', guardedChildProcess);
vi.mock('child_process', guardedChildProcess);
