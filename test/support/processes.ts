import { existsSync, readFileSync } from 'node:fs';

/**
 * Whether a process still runs: gone, a zombie nobody reaped yet, or dead (`Z`, `X` in
 * `/proc/<pid>/stat`) is not running. Without `/proc` (macOS), signal 0 tells whether the pid exists,
 * zombies included.
 */
export function isRunning(pid: number): boolean {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}
