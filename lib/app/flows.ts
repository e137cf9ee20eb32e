import { NotFoundError } from '../domain/errors';
import { ValidationError } from '../domain/flow/errors';
import { type Flow, type ScheduleTrigger, type Task, isSchedule } from '../domain/flow/model';
import { parseFlow } from '../domain/flow/parse';
import { formatInZone } from '../domain/schedule';
import type { Services } from '../services';
import { scheduleOf } from './schedules';

/** Kestra's flow JSON (`FlowWithSource`): the definition, its revision and the YAML it came from. */
export function toFlowJson(flow: Flow): Record<string, unknown> {
  return {
    id: flow.id,
    namespace: flow.namespace,
    revision: flow.revision,
    ...(flow.description ? { description: flow.description } : {}),
    inputs: flow.inputs,
    labels: flow.labels,
    tasks: flow.tasks.map((task) => {
      const { timeoutMs: _internal, ...json } = task as Task & { timeoutMs?: number };
      return json;
    }),
    triggers: flow.triggers,
    disabled: flow.disabled,
    deleted: false,
    source: flow.source,
  };
}

export async function getFlow(svc: Services, namespace: string, id: string): Promise<Flow> {
  const flow = await svc.flows.get(namespace, id);
  if (!flow) throw new NotFoundError(`Flow ${namespace}.${id} not found`);
  return flow;
}

export async function createFlow(svc: Services, source: string): Promise<Flow> {
  const flow = parseFlow(source, { revision: 1 });
  await svc.flows.create(flow);
  await syncTriggerRows(svc, flow, undefined);
  return flow;
}

/** Replaces a flow's definition; an unchanged source keeps its revision, as Kestra does. */
export async function updateFlow(svc: Services, namespace: string, id: string, source: string): Promise<Flow> {
  const current = await getFlow(svc, namespace, id);
  const flow = parseFlow(source, { revision: current.revision + 1 });
  if (flow.namespace !== namespace) {
    throw new ValidationError('namespace', `the YAML says "${flow.namespace}" but the URL updates namespace "${namespace}"`);
  }
  if (flow.id !== id) throw new ValidationError('id', `the YAML says "${flow.id}" but the URL updates flow "${id}"`);
  if (flow.source === current.source) return current;
  await svc.flows.update(flow, current.revision);
  await syncTriggerRows(svc, flow, current);
  return flow;
}

/** Creates the flow or, when it exists with another source, updates it (loading `./flows` at start). */
export async function upsertFlow(svc: Services, source: string): Promise<{ flow: Flow; action: 'created' | 'updated' | 'unchanged' }> {
  const parsed = parseFlow(source);
  const current = await svc.flows.get(parsed.namespace, parsed.id);
  if (!current) return { flow: await createFlow(svc, source), action: 'created' };
  const flow = await updateFlow(svc, parsed.namespace, parsed.id, source);
  return { flow, action: flow === current ? 'unchanged' : 'updated' };
}

export async function deleteFlow(svc: Services, namespace: string, id: string): Promise<void> {
  const flow = await getFlow(svc, namespace, id);
  for (const state of await svc.triggers.listByFlow(namespace, id)) {
    if (state.backfill) await svc.workflows.stop(state.backfill.executionName);
    await svc.triggers.delete(state);
  }
  await svc.flows.delete(flow.namespace, flow.id);
}

function sameSchedule(a: ScheduleTrigger, b: ScheduleTrigger): boolean {
  return a.cron === b.cron && a.withSeconds === b.withSeconds && a.timezone === b.timezone && a.disabled === b.disabled;
}

/**
 * Keeps one trigger row per Schedule trigger of the flow: new triggers get a row with their next
 * tick, changed schedules get a new next tick, removed triggers lose their row (and any backfill).
 */
async function syncTriggerRows(svc: Services, flow: Flow, previous: Flow | undefined): Promise<void> {
  const now = svc.clock.now();
  const updatedDate = now.toISOString();
  for (const trigger of flow.triggers.filter(isSchedule)) {
    const schedule = scheduleOf(trigger);
    const next = schedule.next(now.getTime());
    const nextExecutionDate = trigger.disabled || next === null ? null : formatInZone(next, trigger.timezone);
    const ref = { namespace: flow.namespace, flowId: flow.id, triggerId: trigger.id };
    const created = await svc.triggers.createIfAbsent({ ...ref, nextExecutionDate, disabled: trigger.disabled, updatedDate });
    const before = previous?.triggers.find((t) => t.id === trigger.id);
    if (!created && (!before || !sameSchedule(before, trigger))) {
      await svc.triggers.updateSchedule(ref, { nextExecutionDate, disabled: trigger.disabled, updatedDate });
    }
  }
  const kept = new Set(flow.triggers.map((t) => t.id));
  for (const state of await svc.triggers.listByFlow(flow.namespace, flow.id)) {
    if (kept.has(state.triggerId)) continue;
    if (state.backfill) await svc.workflows.stop(state.backfill.executionName);
    await svc.triggers.delete(state);
  }
}
