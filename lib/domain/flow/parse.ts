/**
 * Flow YAML → validated, normalised {@link Flow}.
 *
 * Everything this service cannot run faithfully is rejected here with a `ValidationError`
 * naming the offending path, rather than silently ignored: a flow that parses is a flow the
 * executor runs the way Kestra would.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { compileSchedule, InvalidScheduleError } from '../schedule';
import { ValidationError } from './errors';
import type { SourceLocation } from './errors';
import { coerceInputValue, INPUT_TYPES, resolveInputs } from './inputs';
import { parseLabels } from './labels';
import {
  LOG_TYPE,
  SCHEDULE_TYPE,
  SCHEDULE_TYPE_ALIAS,
  SHELL_COMMANDS_TYPE,
} from './model';
import type {
  Flow,
  FlowInput,
  InputType,
  LogLevel,
  LogTask,
  RecoverMissedSchedules,
  ScheduleTrigger,
  ShellCommandsTask,
  Task,
} from './model';
import { describe, hasOwn, isPlainMap, ownEntries, parseDuration } from './values';

/** Kestra's flow id pattern (`Flow.id`), at most {@link FLOW_ID_MAX_LENGTH} characters. */
export const FLOW_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
export const FLOW_ID_MAX_LENGTH = 100;
/** Kestra's namespace pattern: lowercase only. */
export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
/** Kestra's id pattern for tasks, triggers and inputs (no dots). */
export const ELEMENT_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

/** Task types this service runs, as listed in error messages. */
export const SUPPORTED_TASK_TYPES: readonly string[] = [SHELL_COMMANDS_TYPE, LOG_TYPE];
/** Trigger types this service accepts (the canonical Schedule type and its legacy alias). */
export const SUPPORTED_TRIGGER_TYPES: readonly string[] = [SCHEDULE_TYPE, SCHEDULE_TYPE_ALIAS];
/** The only `taskRunner` accepted: the local process runner (same as `runner: PROCESS`). */
export const PROCESS_TASK_RUNNER_TYPE = 'io.kestra.plugin.core.runner.Process';

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const RECOVER_MISSED: readonly RecoverMissedSchedules[] = ['ALL', 'LAST', 'NONE'];
/** Kestra's `State.Type` values, accepted in `stopAfter`. */
const STATE_TYPES: readonly string[] = [
  'CREATED', 'SUBMITTED', 'RUNNING', 'PAUSED', 'RESTARTED', 'KILLING', 'SUCCESS', 'WARNING',
  'FAILED', 'KILLED', 'CANCELLED', 'QUEUED', 'RETRYING', 'RETRIED', 'SKIPPED', 'BREAKPOINT', 'RESUBMITTED',
];
/** The shells Kestra's `interpreter` may name that our process runner can honour. */
const INTERPRETERS: readonly (readonly string[])[] = [
  ['/bin/sh', '-c'],
  ['/bin/bash', '-c'],
];

const FLOW_KEYS = ['id', 'namespace', 'description', 'labels', 'inputs', 'variables', 'tasks', 'triggers', 'disabled', 'revision', 'deleted'];
const INPUT_KEYS = ['id', 'name', 'type', 'required', 'defaults', 'description', 'displayName'];
const TASK_COMMON_KEYS = ['id', 'type', 'description', 'disabled'];
const SHELL_KEYS = [...TASK_COMMON_KEYS, 'runner', 'taskRunner', 'commands', 'beforeCommands', 'env', 'timeout', 'interpreter', 'warningOnStdErr', 'failFast'];
const LOG_KEYS = [...TASK_COMMON_KEYS, 'message', 'level'];
const TRIGGER_KEYS = [
  'id', 'type', 'description', 'disabled', 'cron', 'withSeconds', 'timezone', 'inputs', 'labels',
  'recoverMissedSchedules', 'lateMaximumDelay', 'stopAfter', 'conditions', 'allowConcurrent',
];

/**
 * Sections Kestra accepts that would change how a flow runs. Rejected (unless empty) so that
 * nobody believes e.g. their `errors` handlers or `retry` policy are in effect.
 */
const UNSUPPORTED_FLOW_SECTIONS: Record<string, string> = {
  errors: 'error-handling tasks',
  finally: 'finally tasks',
  afterExecution: 'after-execution tasks',
  concurrency: 'concurrency limits',
  pluginDefaults: 'plugin defaults',
  retry: 'flow retries',
  sla: 'SLAs',
  checks: 'flow checks',
  outputs: 'flow outputs',
  workerGroup: 'worker groups',
};
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
const UNSUPPORTED_TRIGGER_PROPERTIES: Record<string, string> = {
  scheduleConditions: 'trigger conditions',
  when: 'trigger "when" expressions',
  workerGroup: 'worker groups',
  minLogLevel: 'minLogLevel',
  logToFile: 'logToFile',
};

/**
 * Parses and validates a flow's YAML source.
 *
 * @param source the YAML text, kept verbatim as `Flow.source`.
 * @param options.revision the revision to stamp (the store owns revisions; a `revision` in the
 *   YAML is ignored, as Kestra does). Default 1.
 * @returns the normalised flow: every optional field has its default filled in (e.g. trigger
 *   `timezone: 'UTC'`, task `runner: 'PROCESS'`), so consumers never re-check.
 * @throws ValidationError with path `yaml` for YAML syntax errors, otherwise with the path of
 *   the offending value (e.g. `tasks[1].type`); line/column are attached when the node is found.
 */
export function parseFlow(source: string, options?: { revision?: number }): Flow {
  if (typeof source !== 'string') {
    throw new ValidationError('yaml', `expected the flow as YAML text, got ${describe(source)}`);
  }
  const lineCounter = new LineCounter();
  // Merge keys (`<<`) are on because Kestra's YAML reader (SnakeYAML) supports them.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const loc = lineCounter.linePos(problem.pos[0]);
    throw new ValidationError('yaml', `invalid YAML: ${problem.message}`, { line: loc.line, column: loc.col });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Only alias expansion limits ("billion laughs") can fail here.
    throw new ValidationError('yaml', `invalid YAML: ${(e as Error).message}`);
  }
  try {
    return buildFlow(raw, source, options?.revision ?? 1);
  } catch (e) {
    if (e instanceof ValidationError && e.line === undefined) {
      const loc = locate(doc, lineCounter, e.path);
      if (loc) throw e.withLocation(loc);
    }
    throw e;
  }
}

function buildFlow(raw: unknown, source: string, revision: number): Flow {
  if (!isPlainMap(raw)) {
    throw new ValidationError(
      'yaml',
      `expected a YAML mapping with at least id, namespace and tasks, got ${raw === null || raw === undefined ? 'an empty document' : describe(raw)}`,
    );
  }
  checkKeys(raw, '', FLOW_KEYS, UNSUPPORTED_FLOW_SECTIONS);

  const id = requiredString(raw, 'id', 'id', 'a flow id');
  checkPattern(id, 'id', FLOW_ID_PATTERN, 'flow id');
  if (id.length > FLOW_ID_MAX_LENGTH) {
    throw new ValidationError('id', `flow id is ${id.length} characters long; expected at most ${FLOW_ID_MAX_LENGTH}`);
  }
  const namespace = requiredString(raw, 'namespace', 'namespace', 'a namespace');
  checkPattern(namespace, 'namespace', NAMESPACE_PATTERN, 'namespace');

  const description = optionalString(raw, 'description', 'description');
  const disabled = optionalBoolean(raw, 'disabled', 'disabled', false);
  if (optionalBoolean(raw, 'deleted', 'deleted', false)) {
    throw new ValidationError('deleted', 'a flow cannot be saved as deleted; expected false or no "deleted" key');
  }
  if (raw.revision !== undefined && raw.revision !== null && !(Number.isInteger(raw.revision) && (raw.revision as number) >= 1)) {
    throw new ValidationError('revision', `expected a positive integer (it is ignored: the server assigns revisions), got ${describe(raw.revision)}`);
  }
  if (raw.variables !== undefined && raw.variables !== null && !isPlainMap(raw.variables)) {
    throw new ValidationError('variables', `expected a map of variable name to value, got ${describe(raw.variables)}`);
  }

  const labels = parseLabels(raw.labels, 'labels');
  const inputs = parseInputs(raw.inputs);

  const ids = new Map<string, string>();
  const claimId = (elementId: string, path: string) => {
    const first = ids.get(elementId);
    if (first !== undefined) {
      throw new ValidationError(path, `duplicate id ${JSON.stringify(elementId)}, already used by ${first}; expected ids unique across tasks and triggers`);
    }
    ids.set(elementId, path.replace(/\.id$/, ''));
  };

  if (raw.tasks === undefined || raw.tasks === null) {
    throw new ValidationError('tasks', 'required: expected a non-empty list of tasks');
  }
  if (!Array.isArray(raw.tasks) || raw.tasks.length === 0) {
    throw new ValidationError('tasks', `expected a non-empty list of tasks, got ${Array.isArray(raw.tasks) ? 'an empty list' : describe(raw.tasks)}`);
  }
  const tasks = raw.tasks.map((t, i) => parseTask(t, `tasks[${i}]`, claimId));

  const rawTriggers = raw.triggers ?? [];
  if (!Array.isArray(rawTriggers)) {
    throw new ValidationError('triggers', `expected a list of triggers, got ${describe(rawTriggers)}`);
  }
  const triggers = rawTriggers.map((t, i) => parseTrigger(t, `triggers[${i}]`, inputs, claimId));

  const flow: Flow = { id, namespace, revision, disabled, inputs, labels, tasks, triggers, source };
  if (description !== undefined) flow.description = description;
  return flow;
}

// ---------------------------------------------------------------------------------------------
// inputs

function parseInputs(value: unknown): FlowInput[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new ValidationError('inputs', `expected a list of inputs, got ${describe(value)}`);
  }
  const seen = new Map<string, string>();
  return value.map((item, i) => {
    const path = `inputs[${i}]`;
    const map = expectMap(item, path, 'an input as {id, type, …}');
    checkKeys(map, path, INPUT_KEYS, {});

    // Kestra still accepts the pre-0.14 `name` in place of `id`.
    let id: string;
    let idPath = `${path}.id`;
    if (map.id !== undefined && map.id !== null) {
      id = requiredString(map, 'id', idPath, 'an input id');
      if (map.name !== undefined && map.name !== null && map.name !== id) {
        throw new ValidationError(`${path}.name`, `"name" (legacy) differs from "id" ${JSON.stringify(id)}; expected only "id"`);
      }
    } else if (map.name !== undefined && map.name !== null) {
      idPath = `${path}.name`;
      id = requiredString(map, 'name', idPath, 'an input id');
    } else {
      throw new ValidationError(idPath, 'required: expected an input id');
    }
    checkPattern(id, idPath, ELEMENT_ID_PATTERN, 'input id');
    const first = seen.get(id);
    if (first !== undefined) {
      throw new ValidationError(idPath, `duplicate input id ${JSON.stringify(id)}, already used by ${first}; expected unique input ids`);
    }
    seen.set(id, path);

    const typePath = `${path}.type`;
    const type = requiredString(map, 'type', typePath, `an input type (${INPUT_TYPES.join(', ')})`);
    if (!(INPUT_TYPES as readonly string[]).includes(type)) {
      throw new ValidationError(typePath, `unsupported input type ${JSON.stringify(type)}; supported: ${INPUT_TYPES.join(', ')}`);
    }
    const input: FlowInput = {
      id,
      type: type as InputType,
      required: optionalBoolean(map, 'required', `${path}.required`, true),
    };
    if (map.defaults !== undefined && map.defaults !== null) {
      input.defaults = coerceInputValue(input.type, map.defaults, `${path}.defaults`);
    }
    const description = optionalString(map, 'description', `${path}.description`);
    if (description !== undefined) input.description = description;
    optionalString(map, 'displayName', `${path}.displayName`); // validated; the model has no field for it
    return input;
  });
}

// ---------------------------------------------------------------------------------------------
// tasks

type ClaimId = (id: string, path: string) => void;

function parseTask(value: unknown, path: string, claimId: ClaimId): Task {
  const map = expectMap(value, path, 'a task as {id, type, …}');
  const id = requiredString(map, 'id', `${path}.id`, 'a task id');
  checkPattern(id, `${path}.id`, ELEMENT_ID_PATTERN, 'task id');
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
      throw new ValidationError(`${runnerPath}.type`, `unsupported task runner ${describe(taskRunner.type)}: ${docker}; expected "${PROCESS_TASK_RUNNER_TYPE}"`);
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
    const ok = Array.isArray(interpreter) && INTERPRETERS.some((allowed) => allowed.length === interpreter.length && allowed.every((a, i) => a === interpreter[i]));
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

// ---------------------------------------------------------------------------------------------
// triggers

function parseTrigger(value: unknown, path: string, inputs: FlowInput[], claimId: ClaimId): ScheduleTrigger {
  const map = expectMap(value, path, 'a trigger as {id, type, cron, …}');
  const id = requiredString(map, 'id', `${path}.id`, 'a trigger id');
  checkPattern(id, `${path}.id`, ELEMENT_ID_PATTERN, 'trigger id');
  claimId(id, `${path}.id`);

  const type = requiredString(map, 'type', `${path}.type`, `a trigger type (${SUPPORTED_TRIGGER_TYPES.join(', ')})`);
  if (type !== SCHEDULE_TYPE && type !== SCHEDULE_TYPE_ALIAS) {
    throw new ValidationError(`${path}.type`, `unknown trigger type ${JSON.stringify(type)}; supported: ${SUPPORTED_TRIGGER_TYPES.join(', ')}`);
  }
  if (hasOwn(map, 'backfill') && map.backfill !== null) {
    throw new ValidationError(`${path}.backfill`, 'backfills in the flow definition are deprecated and not supported; start backfills through PUT /api/v1/triggers');
  }
  if (hasOwn(map, 'interval') && map.interval !== null) {
    throw new ValidationError(`${path}.interval`, 'a Schedule trigger has no interval; expected no "interval" key');
  }
  // `backfill: null` and `interval: null` are harmless (Kestra exports may carry them) but are
  // left out of the "expected one of" list, as nobody should add them.
  const { backfill: _backfill, interval: _interval, ...rest } = map;
  checkKeys(rest, path, TRIGGER_KEYS, UNSUPPORTED_TRIGGER_PROPERTIES);
  if (!isEmpty(map.conditions)) {
    throw new ValidationError(`${path}.conditions`, 'trigger conditions are not supported by this service yet; remove them');
  }
  if (optionalBoolean(map, 'allowConcurrent', `${path}.allowConcurrent`, false)) {
    throw new ValidationError(`${path}.allowConcurrent`, 'concurrent scheduled executions are not supported by this service yet; expected false');
  }
  optionalString(map, 'description', `${path}.description`);

  const cron = requiredString(map, 'cron', `${path}.cron`, 'a cron expression such as "*/30 * * * *"');
  const withSeconds = optionalBoolean(map, 'withSeconds', `${path}.withSeconds`, false);
  const timezone = optionalString(map, 'timezone', `${path}.timezone`) ?? 'UTC';
  try {
    compileSchedule({ cron, withSeconds, timezone });
  } catch (e) {
    if (e instanceof InvalidScheduleError) throw new ValidationError(`${path}.${e.field}`, e.message);
    throw e;
  }

  const trigger: ScheduleTrigger = {
    id,
    type,
    cron,
    withSeconds,
    timezone,
    // Partial: these are merged with backfill inputs and defaults when an execution is created.
    inputs: resolveInputs({ inputs }, map.inputs, `${path}.inputs`, { partial: true }),
    labels: parseLabels(map.labels, `${path}.labels`),
    disabled: optionalBoolean(map, 'disabled', `${path}.disabled`, false),
  };
  if (map.recoverMissedSchedules !== undefined && map.recoverMissedSchedules !== null) {
    trigger.recoverMissedSchedules = optionalEnum(map, 'recoverMissedSchedules', `${path}.recoverMissedSchedules`, RECOVER_MISSED, 'ALL');
  }
  if (map.lateMaximumDelay !== undefined && map.lateMaximumDelay !== null) {
    parseDuration(map.lateMaximumDelay, `${path}.lateMaximumDelay`);
    trigger.lateMaximumDelay = map.lateMaximumDelay as string;
  }
  if (map.stopAfter !== undefined && map.stopAfter !== null) {
    const stopAfter = stringList(map.stopAfter, `${path}.stopAfter`, false);
    stopAfter.forEach((state, i) => {
      if (!STATE_TYPES.includes(state)) {
        throw new ValidationError(`${path}.stopAfter[${i}]`, `unknown execution state ${JSON.stringify(state)}; expected one of ${STATE_TYPES.join(', ')}`);
      }
    });
    trigger.stopAfter = stopAfter;
  }
  return trigger;
}

// ---------------------------------------------------------------------------------------------
// generic field helpers

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** Rejects unsupported-but-known keys (unless empty) and unknown keys, naming the key. */
function checkKeys(map: Record<string, unknown>, path: string, allowed: readonly string[], unsupported: Record<string, string>): void {
  for (const [key, value] of ownEntries(map)) {
    if (allowed.includes(key)) continue;
    if (hasOwn(unsupported, key)) {
      // An empty section changes nothing, and exported flows sometimes carry one.
      if (isEmpty(value)) continue;
      throw new ValidationError(join(path, key), `${unsupported[key]} ("${key}") are not supported by this service yet; remove "${key}"`);
    }
    throw new ValidationError(join(path, key), `unknown key ${JSON.stringify(key)}; expected one of: ${allowed.join(', ')}`);
  }
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (Array.isArray(value) && value.length === 0) ||
    (isPlainMap(value) && Object.keys(value).length === 0)
  );
}

function expectMap(value: unknown, path: string, what: string): Record<string, unknown> {
  if (!isPlainMap(value)) throw new ValidationError(path, `expected ${what}, got ${describe(value)}`);
  return value;
}

function requiredString(map: Record<string, unknown>, key: string, path: string, what: string): string {
  const value = hasOwn(map, key) ? map[key] : undefined;
  if (value === undefined || value === null) throw new ValidationError(path, `required: expected ${what}`);
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(path, `expected ${what} as a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function optionalString(map: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = hasOwn(map, key) ? map[key] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError(path, `expected a string, got ${describe(value)}`);
  return value;
}

function optionalBoolean(map: Record<string, unknown>, key: string, path: string, fallback: boolean): boolean {
  const value = hasOwn(map, key) ? map[key] : undefined;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new ValidationError(path, `expected true or false, got ${describe(value)}`);
  return value;
}

function optionalEnum<T extends string>(map: Record<string, unknown>, key: string, path: string, values: readonly T[], fallback: T): T {
  const value = hasOwn(map, key) ? map[key] : undefined;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw new ValidationError(path, `expected one of ${values.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** A list of strings; a single string is accepted as a one-element list (as Kestra does). */
function stringList(value: unknown, path: string, required: boolean): string[] {
  if (value === undefined || value === null) {
    if (required) throw new ValidationError(path, 'required: expected a non-empty list of strings');
    return [];
  }
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) throw new ValidationError(path, `expected a list of strings, got ${describe(value)}`);
  if (required && value.length === 0) throw new ValidationError(path, 'expected a non-empty list of strings, got an empty list');
  value.forEach((item, i) => {
    if (typeof item !== 'string') {
      throw new ValidationError(`${path}[${i}]`, `expected a string, got ${describe(item)}${isPlainMap(item) ? ' (quote the line if it contains ": ")' : ''}`);
    }
  });
  return value as string[];
}

function checkPattern(value: string, path: string, pattern: RegExp, what: string): void {
  if (!pattern.test(value)) {
    throw new ValidationError(path, `invalid ${what} ${JSON.stringify(value)}: expected to match ${pattern.source}`);
  }
}

// ---------------------------------------------------------------------------------------------
// source locations

/** `tasks[1].env.FOO` → `['tasks', 1, 'env', 'FOO']`. */
function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]);
  return out;
}

/**
 * Finds the YAML node an error path points at (a map entry's key, or a list item) and returns
 * its position. Best effort: stops at the deepest node found; keys containing dots (label keys)
 * are matched by re-joining segments.
 */
function locate(doc: Document, lineCounter: LineCounter, path: string): SourceLocation | undefined {
  const segments = splitPath(path);
  let node: unknown = doc.contents;
  let found: YamlNode | undefined;
  for (let i = 0; i < segments.length && node; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = segments[i];
    if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node && (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node))) found = node as YamlNode;
      else break;
    } else if (isMap(node) && typeof seg === 'string') {
      let matched = false;
      for (let j = i, key = ''; j < segments.length && typeof segments[j] === 'string'; j++) {
        key = key ? `${key}.${segments[j]}` : (segments[j] as string);
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === key);
        if (pair) {
          found = (pair.key as YamlNode) ?? found;
          node = pair.value;
          i = j;
          matched = true;
          break;
        }
      }
      if (!matched) break;
    } else break;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}
