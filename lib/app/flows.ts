import { FlowNotFoundError } from '../domain/errors';
import { ValidationError } from '../domain/flow/errors';
import {
  LOG_TYPE,
  type Flow,
  type FlowInput,
  type Label,
  type LogTask,
  type ScheduleTrigger,
  type ShellCommandsTask,
  type Task,
  type Trigger,
  isSchedule,
} from '../domain/flow/model';
import { parseFlow } from '../domain/flow/parse';
import { formatInZone } from '../domain/schedule';
import type { Settings } from '../config';
import { isoDuration } from '../domain/execution';
import type { BackfillWorkflows, Clock, FlowStore, TriggerStore } from '../ports';
import { OUTCOME_MARGIN_MS } from './worker';
import { scheduleOf } from './schedules';

/** A task as the flows API shows it: as defined, without what parsing derived for internal use. */
export type TaskJson = Omit<ShellCommandsTask, 'timeoutMs'> | LogTask;

/** Kestra's flow JSON (`FlowWithSource`). */
export interface FlowJson {
  id: string;
  namespace: string;
  revision: number;
  description?: string;
  inputs: FlowInput[];
  labels: Label[];
  tasks: TaskJson[];
  triggers: Trigger[];
  disabled: boolean;
  /** Always false: deleted flows are not returned. */
  deleted: false;
  /** The YAML exactly as sent. */
  source: string;
}

/** Kestra's flow JSON (`FlowWithSource`): the definition, its revision and the YAML it came from. */
export function toFlowJson(flow: Flow): FlowJson {
  return {
    id: flow.id,
    namespace: flow.namespace,
    revision: flow.revision,
    ...(flow.description ? { description: flow.description } : {}),
    inputs: flow.inputs,
    labels: flow.labels,
    tasks: flow.tasks.map((task): TaskJson => {
      const { timeoutMs: _internal, ...json } = task as Task & { timeoutMs?: number };
      return json as TaskJson;
    }),
    triggers: flow.triggers,
    disabled: flow.disabled,
    deleted: false,
    source: flow.source,
  };
}

export interface GetFlowDeps {
  flows: Pick<FlowStore, 'get'>;
}

/** Writing a flow also keeps its triggers' rows in step (and stops the backfills of removed triggers). */
export interface SaveFlowDeps {
  settings: Pick<Settings, 'worker'>;
  clock: Clock;
  flows: Pick<FlowStore, 'get' | 'create' | 'update' | 'highestRevision'>;
  triggers: Pick<TriggerStore, 'createIfAbsent' | 'updateSchedule' | 'listByFlow' | 'delete'>;
  workflows: Pick<BackfillWorkflows, 'stop'>;
}

export interface DeleteFlowDeps {
  flows: Pick<FlowStore, 'get' | 'delete'>;
  triggers: Pick<TriggerStore, 'listByFlow' | 'delete'>;
  workflows: Pick<BackfillWorkflows, 'stop'>;
}

export interface FlowRevisionsDeps {
  flows: Pick<FlowStore, 'listRevisions'>;
}

/**
 * Every revision of a flow, oldest first (Kestra's `GET flows/{namespace}/{id}/revisions`): those it
 * left (kept since revisions are kept: a flow written by an earlier version lists fewer) and its
 * current one. A deleted flow is not found, as by `getFlow`.
 */
export async function listFlowRevisions(deps: FlowRevisionsDeps, namespace: string, id: string): Promise<Flow[]> {
  const revisions = await deps.flows.listRevisions(namespace, id);
  if (!revisions.length) throw new FlowNotFoundError(`Flow ${namespace}.${id} not found`);
  return revisions;
}

export async function getFlow(deps: GetFlowDeps, namespace: string, id: string): Promise<Flow> {
  const flow = await deps.flows.get(namespace, id);
  if (!flow) throw new FlowNotFoundError(`Flow ${namespace}.${id} not found`);
  return flow;
}

/**
 * Refuses a task whose timeout is longer than a worker can give it: one worker invocation runs a
 * whole execution, within WORKER_TIMEOUT_SECONDS (Lambda's timeout on AWS), less the time kept to
 * record the outcome. Accepting it would only fail it later, after it had run for that long; a
 * refusal now names the task. (Tasks that fit one by one but not together are clamped at run time,
 * and the task that runs out of time fails saying so.)
 */
function checkTaskTimeouts(flow: Flow, worker: Settings['worker']): void {
  const allowedMs = worker.timeoutSeconds * 1000 - OUTCOME_MARGIN_MS;
  flow.tasks.forEach((task, i) => {
    if (task.type === LOG_TYPE) return;
    const timeoutMs = task.timeoutMs ?? worker.defaultTaskTimeoutSeconds * 1000;
    if (timeoutMs > allowedMs) {
      const declared = task.timeoutMs === undefined ? ` (the default, TASK_DEFAULT_TIMEOUT_SECONDS)` : '';
      throw new ValidationError(
        `tasks[${i}].timeout`,
        `task "${task.id}" may run for ${isoDuration(timeoutMs)}${declared}, longer than a worker can give one task: at most ${isoDuration(allowedMs)} ` +
          `(WORKER_TIMEOUT_SECONDS ${worker.timeoutSeconds} less ${OUTCOME_MARGIN_MS / 1000} s to record the outcome)`,
      );
    }
  });
}

/**
 * Creates a flow at revision 1, or, for the id of a deleted flow, at the revision after its last (as
 * Kestra does): revisions are kept (see FlowStore), so a number never names two definitions.
 */
export async function createFlow(deps: SaveFlowDeps, source: string): Promise<Flow> {
  const parsed = parseFlow(source, { revision: 1 });
  checkTaskTimeouts(parsed, deps.settings.worker);
  const flow = { ...parsed, revision: (await deps.flows.highestRevision(parsed.namespace, parsed.id)) + 1 };
  await deps.flows.create(flow);
  await syncTriggerRows(deps, flow, undefined);
  return flow;
}

/** Replaces a flow's definition; an unchanged source keeps its revision, as Kestra does. */
export async function updateFlow(deps: SaveFlowDeps, namespace: string, id: string, source: string): Promise<Flow> {
  const current = await getFlow(deps, namespace, id);
  const flow = parseFlow(source, { revision: current.revision + 1 });
  checkTaskTimeouts(flow, deps.settings.worker);
  if (flow.namespace !== namespace) {
    throw new ValidationError('namespace', `the YAML says "${flow.namespace}" but the URL updates namespace "${namespace}"`);
  }
  if (flow.id !== id) throw new ValidationError('id', `the YAML says "${flow.id}" but the URL updates flow "${id}"`);
  if (flow.source === current.source) return current;
  await deps.flows.update(flow, current.revision);
  await syncTriggerRows(deps, flow, current);
  return flow;
}

/** Creates the flow or, when it exists with another source, updates it (loading `./flows` at start). */
export async function upsertFlow(deps: SaveFlowDeps, source: string): Promise<{ flow: Flow; action: 'created' | 'updated' | 'unchanged' }> {
  const parsed = parseFlow(source);
  const current = await deps.flows.get(parsed.namespace, parsed.id);
  if (!current) return { flow: await createFlow(deps, source), action: 'created' };
  const flow = await updateFlow(deps, parsed.namespace, parsed.id, source);
  // updateFlow keeps the revision of an unchanged source (it reads the flow again, so compare revisions, not objects).
  return { flow, action: flow.revision === current.revision ? 'unchanged' : 'updated' };
}

export async function deleteFlow(deps: DeleteFlowDeps, namespace: string, id: string): Promise<void> {
  const flow = await getFlow(deps, namespace, id);
  for (const state of await deps.triggers.listByFlow(namespace, id)) {
    for (const backfill of state.backfills) await deps.workflows.stop(backfill.executionName);
    await deps.triggers.delete(state);
  }
  await deps.flows.delete(flow.namespace, flow.id);
}

function sameSchedule(a: ScheduleTrigger, b: ScheduleTrigger): boolean {
  return a.cron === b.cron && a.withSeconds === b.withSeconds && a.timezone === b.timezone && a.disabled === b.disabled;
}

/**
 * Keeps one trigger row per Schedule trigger of the flow: new triggers get a row with their next
 * tick, changed schedules get a new next tick, removed triggers lose their row (and any backfill).
 */
async function syncTriggerRows(deps: SaveFlowDeps, flow: Flow, previous: Flow | undefined): Promise<void> {
  const now = deps.clock.now();
  const updatedDate = now.toISOString();
  for (const trigger of flow.triggers.filter(isSchedule)) {
    const schedule = scheduleOf(trigger);
    const next = schedule.next(now.getTime());
    const nextExecutionDate = trigger.disabled || next === null ? null : formatInZone(next, trigger.timezone);
    const ref = { namespace: flow.namespace, flowId: flow.id, triggerId: trigger.id };
    const created = await deps.triggers.createIfAbsent({ ...ref, nextExecutionDate, disabled: trigger.disabled, updatedDate, backfills: [] });
    const before = previous?.triggers.find((t) => t.id === trigger.id);
    if (!created && (!before || !sameSchedule(before, trigger))) {
      await deps.triggers.updateSchedule(ref, { nextExecutionDate, disabled: trigger.disabled, updatedDate });
    }
  }
  const kept = new Set(flow.triggers.map((t) => t.id));
  for (const state of await deps.triggers.listByFlow(flow.namespace, flow.id)) {
    if (kept.has(state.triggerId)) continue;
    for (const backfill of state.backfills) await deps.workflows.stop(backfill.executionName);
    await deps.triggers.delete(state);
  }
}
