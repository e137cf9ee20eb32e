import { TASK_COOKIE_VAR } from './task-processes';

/**
 * A tiny `/bin/sh` supervisor between the worker and a task, so that the task dies with the worker.
 *
 * The worker holds the write end of a pipe, the supervisor's stdin, and never writes to it: the
 * *lifeline*. The kernel closes it when the worker exits in any way, SIGKILL included; the
 * supervisor's watcher then reads end-of-file and kills every process of the task (its cookie, see
 * task-processes.ts) and the supervisor's own process group. The worker ends the lifeline itself to
 * stop a task (timeout, or leftovers once it ended).
 *
 * Why this and not the alternatives, on Debian 12 and on Lambda (Amazon Linux 2023, nodejs20.x):
 * - `setpriv --pdeathsig KILL` (util-linux) signals only the direct child, not what it started, and
 *   the Lambda image, built from the AL2023 minimal image, need not have util-linux (nor perl, for
 *   a perl supervisor).
 * - `unshare --pid --fork --kill-child` (a PID namespace: everything dies with its init) works on
 *   Debian as root or with user namespaces, but Lambda's sandbox allows no namespaces.
 * - A Node supervisor would cost a Node start (about 40 MB) per task.
 * The lifeline needs nothing but `/bin/sh` builtins, the same everywhere; `grep` (for the cookie
 * walk on the worker's death) is used when present, and the next worker to start kills what is
 * left in any case (`sweepOrphanedTasks`).
 *
 * Arguments: `$1` the task's script, `$2` its cookie. The task runs with stdin from /dev/null and
 * without the lifeline (fd 3 closed), so only the worker holds its write end.
 */
export const SUPERVISOR_SCRIPT = `exec 3<&0
( ${TASK_COOKIE_VAR}=$2; export ${TASK_COOKIE_VAR}; exec /bin/sh -c "$1" ) </dev/null 3<&- &
task=$!
{
  while read -r _; do :; done
  if command -v grep >/dev/null 2>&1; then
    for round in 1 2 3; do
      for f in $(grep -lzx "${TASK_COOKIE_VAR}=$2" /proc/[0-9]*/environ 2>/dev/null); do
        p=\${f#/proc/}
        kill -s KILL "\${p%/environ}" 2>/dev/null
      done
    done
  fi
  kill -s KILL 0
} <&3 >/dev/null 2>&1 &
exec 3<&-
wait "$task"
`;
