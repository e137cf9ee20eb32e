/**
 * Flow YAML → validated, normalised {@link Flow}.
 *
 * Everything this service cannot run faithfully is rejected here with a `ValidationError`
 * naming the offending path, rather than silently ignored: a flow that parses is a flow the
 * executor runs the way Kestra would.
 */
import { LineCounter, parseDocument } from 'yaml';
import { MAX_LENGTH, checkLength } from '../id-limits';
import { uniqueIdClaimer } from './element-ids';
import { ValidationError } from './errors';
import { checkKeys, checkPattern, optionalBoolean, optionalString, requiredString } from './field-readers';
import { parseLabels } from './labels';
import { locateInYaml } from './locate-in-yaml';
import type { Flow } from './model';
import { parseInputs } from './parse-inputs';
import { parseTask } from './parse-task';
import { parseTrigger } from './parse-trigger';
import { describe, isPlainMap } from './values';

/** Kestra's flow id pattern (`Flow.id`); its length limit is in `MAX_LENGTH`. */
const FLOW_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
/** Kestra's namespace pattern: lowercase only. */
const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

const FLOW_KEYS = ['id', 'namespace', 'description', 'labels', 'inputs', 'variables', 'tasks', 'triggers', 'disabled', 'revision', 'deleted'];

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
      const loc = locateInYaml(doc, lineCounter, e.path);
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
  checkLength(id, 'id', 'flow id', MAX_LENGTH.flowId);
  checkPattern(id, 'id', FLOW_ID_PATTERN, 'flow id');
  const namespace = requiredString(raw, 'namespace', 'namespace', 'a namespace');
  checkLength(namespace, 'namespace', 'namespace', MAX_LENGTH.namespace);
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

  const claimId = uniqueIdClaimer();

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
