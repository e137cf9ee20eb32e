/**
 * dynalite in a worker thread of its own (see startLocalDynamo's `thread` option): started with
 * `workerData.path`, it answers `{ port }` once listening and `{ closed: true }` after 'close'.
 */
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { writeItemsWithTheirIndexes } from './dynalite-atomic-writes';
import { closeDynaliteIterators } from './dynalite-iterator-fix';

if (!parentPort) throw new Error('dynalite-thread.ts runs as a worker thread only');
const port = parentPort;
closeDynaliteIterators();
// dynalite 4.0.0 writes index entries and their item apart: a kill in between leaves orphans.
writeItemsWithTheirIndexes();
const server = dynalite({ path: (workerData as { path?: string }).path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error: Error) => port.postMessage({ error: error.message }));
server.listen(0, '127.0.0.1', () => port.postMessage({ port: (server.address() as AddressInfo).port }));
port.on('message', (message) => {
  // dynalite's close also closes its LevelDB, releasing the data folder's lock for the next start.
  if (message === 'close') server.close(() => port.postMessage({ closed: true }));
});
