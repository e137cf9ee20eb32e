import { type Execution, type ExecutionOrigin, newState, transition } from './execution';
import { resolveInputs } from './flow/inputs';
import type { Flow, Label, ScheduleTrigger } from './flow/model';
import { type CompiledSchedule, formatInZone } from './schedule';
import { renderExecutionTemplates } from './execution-templates';

export interface ScheduledExecutionRequest {
  id: string;
  flow: Flow;
  trigger: ScheduleTrigger;
  schedule: CompiledSchedule;
  tickMs: number;
  createdAt: Date;
  /** Labels and inputs of the backfill, laid over the trigger's. */
  extraLabels?: Label[];
  extraInputs?: Record<string, unknown> | null;
  origin: ExecutionOrigin;
}

export interface ScheduledExecution {
  execution: Execution;
  origin: ExecutionOrigin;
  /** Set when labels or inputs could not be rendered or validated: the execution is created FAILED with this reason. */
  failure?: string;
}

/** Kestra's `trigger.variables` for a tick: `date`, `next`, `previous` as ISO strings in the trigger's zone. */
function triggerVariables(schedule: CompiledSchedule, tickMs: number): Record<string, string> {
  const zone = schedule.spec.timezone;
  const variables: Record<string, string> = { date: formatInZone(tickMs, zone) };
  const next = schedule.next(tickMs);
  if (next !== null) variables.next = formatInZone(next, zone);
  const previous = schedule.previous(tickMs);
  if (previous !== null) variables.previous = formatInZone(previous, zone);
  return variables;
}

/**
 * Builds the execution a Schedule trigger creates for one tick, as Kestra's scheduler does:
 * labels are the flow's, then the trigger's, then the backfill's (later keys win), each value
 * rendered with the trigger variables; inputs are the flow defaults, the trigger's, then the backfill's.
 */
export function buildScheduledExecution(request: ScheduledExecutionRequest): ScheduledExecution {
  const { flow, trigger, schedule, tickMs, createdAt, id } = request;
  const variables = triggerVariables(schedule, tickMs);
  // Where it came from, beyond Kestra (which has no backfill label): searchable with labels=system.from:backfill.
  const systemLabels: Label[] = request.origin.backfillId
    ? [
        { key: 'system.from', value: 'backfill' },
        { key: 'system.backfill', value: request.origin.backfillId },
      ]
    : [{ key: 'system.from', value: 'trigger' }];
  const execution: Execution = {
    id,
    namespace: flow.namespace,
    flowId: flow.id,
    flowRevision: flow.revision,
    labels: systemLabels,
    inputs: {},
    state: newState(createdAt),
    trigger: { id: trigger.id, type: trigger.type, variables },
    taskRunList: [],
  };
  // `constant` is the same for every tick: templates reading only it render once per backfill.
  const context = {
    constant: { flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision } },
    perTick: { execution: { id, startDate: execution.state.startDate }, trigger: variables },
  };
  try {
    const merged = new Map<string, string>();
    for (const label of [...flow.labels, ...trigger.labels, ...(request.extraLabels ?? [])]) merged.set(label.key, label.value);
    const toRender = [...merged].map(([key, value]) => ({ key, value }));
    const rendered = renderExecutionTemplates(context, toRender, { ...trigger.inputs, ...(request.extraInputs ?? {}) });
    execution.labels = [...toRender.map(({ key }, i) => ({ key, value: rendered.labels[i] as string })), ...systemLabels];
    execution.inputs = resolveInputs(flow, rendered.inputs, 'inputs');
    return { execution, origin: request.origin };
  } catch (error) {
    execution.state = transition(execution.state, 'FAILED', createdAt);
    return { execution, origin: request.origin, failure: (error as Error).message };
  }
}
