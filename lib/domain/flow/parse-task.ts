/**
 * A flow's tasks: the two Kestra task types this service runs (Shell `Commands` and `Log`),
 * with every property that would make them run differently from Kestra rejected.
 */
import { type ClaimId, checkElementId } from './element-ids';
import { ValidationError } from './errors';
import { checkKeys, expectMap, optionalBoolean, optionalEnum, optionalString, requiredString, stringList } from './field-readers';
import { LOG_TYPE, SHELL_COMMANDS_TYPE } from './model';
import type { LogLevel, LogTask, ShellCommandsTask, Task } from './model';
import { describe, hasOwn, ownEntries, parseDuration } from './values';

/** Task types this service runs, as listed in error messages. */
const SUPPORTED_TASK_TYPES: readonly string[] = [SHELL_COMMANDS_TYPE, LOG_TYPE];
/** The only `taskRunner` accepted: the local process runner (same as `runner: PROCESS`). */
const PROCESS_TASK_RUNNER_TYPE = 'io.kestra.plugin.core.runner.Process';

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
/** The shells Kestra's `interpreter` may name that our process runner can honour. */
const INTERPRETERS: readonly (readonly string[])[] = [
  ['/bin/sh', '-c'],
  ['/bin/bash', '-c'],
];

const TASK_COMMON_KEYS = ['id', 'type', 'description', 'disabled'];
const SHELL_KEYS = [...TASK_COMMON_KEYS, 'runner', 'taskRunner', 'commands', 'beforeCommands', 'env', 'timeout', 'interpreter', 'warningOnStdErr', 'failFast'];
const LOG_KEYS = [...TASK_COMMON_KEYS, 'message', 'level'];
/** Kestra task properties that would change run semantics; rejected on every task type. */
const UNSUPPORTED_TASK_PROPERTIES: Record<string, string> = {
  retry: 'task retries',
  allowFailure: 'allowFailure',
  allowWarning: 'allowWarning',
  runIf: 'runIf conditions',
  workerGroup: 'worker groups',
  logLevel: 'task log levels',
  logToFile: 'logToFile',
  outputFiles: 'output files',
  inputFiles: 'input files',
  namespaceFiles: 'namespace files',
  taskCache: 'task caching',
  targetOS: 'targetOS',
};

/**
 * Parses one item of the flow's `tasks` list.
 *
 * @param path the item's path, e.g. `tasks[1]`.
 * @param claimId records the task's id, shared with the triggers so ids stay unique across both.
 * @returns the task with its defaults filled in (`runner: 'PROCESS'`, log `level: 'INFO'`).
 * @throws ValidationError at the offending path.
 */
export function parseTask(value: unknown, path: string, claimId: ClaimId): Task {
  const map = expectMap(value, path, 'a task as {id, type, …}');
  const id = requiredString(map, 'id', `${path}.id`, 'a task id');
  checkElementId(id, `${path}.id`, 'task id');
  claimId(id, `${path}.id`);

  const type = requiredString(map, 'type', `${path}.type`, `a task type (${SUPPORTED_TASK_TYPES.join(', ')})`);
  if (type !== SHELL_COMMANDS_TYPE && type !== LOG_TYPE) {
    throw new ValidationError(`${path}.type`, `unknown task type ${JSON.stringify(type)}; supported: ${SUPPORTED_TASK_TYPES.join(', ')}`);
  }
  // A disabled task is skipped by Kestra; the model cannot express that, so refuse rather than run it.
  if (optionalBoolean(map, 'disabled', `${path}.disabled`, false)) {
    throw new ValidationError(`${path}.disabled`, 'disabled tasks are not supported by this service yet; expected false, or remove the task');
  }
  return type === SHELL_COMMANDS_TYPE ? parseShellTask(map, path, id) : parseLogTask(map, path, id);
}

function parseShellTask(map: Record<string, unknown>, path: string, id: string): ShellCommandsTask {
  const docker = 'this service runs commands as local processes and has no Docker runner';
  for (const key of ['containerImage', 'docker']) {
    if (hasOwn(map, key)) {
      throw new ValidationError(`${path}.${key}`, `"${key}" needs a Docker runner, which is not supported: ${docker}; remove it (runner PROCESS is used)`);
    }
  }
  checkKeys(map, path, SHELL_KEYS, UNSUPPORTED_TASK_PROPERTIES);

  // Kestra's default is a Docker runner; the only one here is PROCESS, so absence means PROCESS.
  if (map.runner !== undefined && map.runner !== null && map.runner !== 'PROCESS') {
    throw new ValidationError(`${path}.runner`, `unsupported runner ${describe(map.runner)}: ${docker}; expected "PROCESS"`);
  }
  if (map.taskRunner !== undefined && map.taskRunner !== null) {
    const runnerPath = `${path}.taskRunner`;
    const taskRunner = expectMap(map.taskRunner, runnerPath, `{type: ${PROCESS_TASK_RUNNER_TYPE}}`);
    if (taskRunner.type !== PROCESS_TASK_RUNNER_TYPE) {
      throw new ValidationError(
        `${runnerPath}.type`,
        `unsupported task runner ${describe(taskRunner.type)}: ${docker}; expected "${PROCESS_TASK_RUNNER_TYPE}"`,
      );
    }
    checkKeys(taskRunner, runnerPath, ['type'], {});
  }

  const commands = stringList(map.commands, `${path}.commands`, true);
  const beforeCommands = stringList(map.beforeCommands, `${path}.beforeCommands`, false);

  const env: Record<string, string> = {};
  if (map.env !== undefined && map.env !== null) {
    const envMap = expectMap(map.env, `${path}.env`, 'a map of environment variable name to value');
    for (const [name, v] of ownEntries(envMap)) {
      if (typeof v === 'string') env[name] = v;
      else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') env[name] = String(v);
      else throw new ValidationError(`${path}.env.${name}`, `expected a string, number or boolean, got ${describe(v)}`);
    }
  }

  if (map.interpreter !== undefined && map.interpreter !== null) {
    const interpreter = map.interpreter;
    const ok =
      Array.isArray(interpreter) && INTERPRETERS.some((allowed) => allowed.length === interpreter.length && allowed.every((a, i) => a === interpreter[i]));
    if (!ok) {
      throw new ValidationError(`${path}.interpreter`, `unsupported interpreter; expected ${INTERPRETERS.map((i) => JSON.stringify(i)).join(' or ')}`);
    }
  }
  // Accepted for compatibility; validated so typos in their values are still caught.
  optionalBoolean(map, 'warningOnStdErr', `${path}.warningOnStdErr`, false);
  optionalBoolean(map, 'failFast', `${path}.failFast`, true);
  optionalString(map, 'description', `${path}.description`);

  const task: ShellCommandsTask = { id, type: SHELL_COMMANDS_TYPE, runner: 'PROCESS', commands, beforeCommands, env };
  if (map.timeout !== undefined && map.timeout !== null) {
    task.timeoutMs = parseDuration(map.timeout, `${path}.timeout`);
    task.timeout = map.timeout as string;
  }
  return task;
}

function parseLogTask(map: Record<string, unknown>, path: string, id: string): LogTask {
  checkKeys(map, path, LOG_KEYS, { ...UNSUPPORTED_TASK_PROPERTIES, timeout: 'task timeouts on Log' });
  optionalString(map, 'description', `${path}.description`);
  const msgPath = `${path}.message`;
  let message: string | string[];
  if (typeof map.message === 'string') message = map.message;
  else if (Array.isArray(map.message)) message = stringList(map.message, msgPath, true);
  else if (map.message === undefined || map.message === null) throw new ValidationError(msgPath, 'required: expected a message string or a list of strings');
  else throw new ValidationError(msgPath, `expected a message string or a list of strings, got ${describe(map.message)}`);
  const level = optionalEnum(map, 'level', `${path}.level`, LOG_LEVELS, 'INFO');
  return { id, type: LOG_TYPE, message, level };
}
