import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

export class DataFolderLockedError extends Error {
  constructor(folder: string, pid: number) {
    super(
      `The data folder ${folder} is in use by another running instance (pid ${pid}). ` +
        'Stop it first, or start this one with another folder (DATA_DIR=… npm start).',
    );
    this.name = 'DataFolderLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process whose parent has not reaped it yet (common in containers) still answers
  // signal 0; on Linux its state in /proc says it is a zombie.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * One process per data folder: LevelDB allows one opener, and a second dynalite on the same
 * folder would crash the process with an unhandled error. A pid file is enough on one machine
 * (and, unlike a lock library's mtime refresh, needs no timer): a stale file from a killed
 * process is detected by its pid being gone and taken over.
 */
export interface DataFolderLock {
  release(): void;
  /** The previous instance died without releasing the folder (killed, crashed). */
  previousRunCrashed: boolean;
}

export function lockDataFolder(folder: string): DataFolderLock {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'instance.lock');
  let previousRunCrashed = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(file, { force: true }), previousRunCrashed };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new DataFolderLockedError(folder, pid);
      rmSync(file, { force: true }); // stale: its process is gone
      previousRunCrashed = true;
    }
  }
  throw new Error(`Could not lock the data folder ${folder}`);
}
