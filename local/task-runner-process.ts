/**
 * The local default's task runner process: the same handler the task runner Lambda runs
 * (functions/task-runner.ts), in a long-lived child process of the local runtime, started by
 * LocalTaskRunner (lib/adapters/local/local-task-runner.ts) with an environment cleared of
 * credentials. So a task's parent processes, up to this one, hold no AWS secrets, as on AWS.
 *
 * On stdio, one line per message: a request is `<id>\t<request JSON>` on stdin, and each event of
 * its answer `<id>\t<event JSON>` on stdout; requests run side by side. When stdin closes (the
 * local runtime closed it, or died), this process exits, and its tasks' supervisors kill them.
 */
import { createInterface } from 'node:readline';
import { createTaskRunnerHandler } from '../functions/task-runner';
import { runShellCommands } from '../lib/adapters/process/shell-commands';

const runTask = createTaskRunnerHandler({ runShell: runShellCommands });

// Lines written in one turn of the event loop go out in one write: tens of tasks end together.
let pending: string[] = [];
const send = (line: string) => {
  if (pending.length === 0) setImmediate(flush);
  pending.push(line);
};
function flush() {
  const out = pending.join('');
  pending = [];
  process.stdout.write(out);
}

const requests = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
requests.on('line', (line) => {
  const tab = line.indexOf('\t');
  const id = line.slice(0, tab);
  let request: unknown;
  try {
    request = JSON.parse(line.slice(tab + 1));
  } catch {
    // Not JSON: the handler answers it with a failed result saying it is no request.
  }
  void runTask(request, (event) => send(`${id}\t${event}\n`));
});
requests.on('close', () => process.exit(0));
// The runtime is gone: nobody reads the answers any more.
process.stdout.on('error', () => process.exit(0));
