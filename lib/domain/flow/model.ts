/**
 * The flow model: the subset of Kestra's flow YAML this product runs.
 *
 * A `Flow` is what `parseFlow` returns after validation; every field here has been checked,
 * so the rest of the code never re-validates YAML.
 */

export const SCHEDULE_TYPE = 'io.kestra.plugin.core.trigger.Schedule';
/** Kestra's older name for the same trigger, still accepted (the seed uses it). */
export const SCHEDULE_TYPE_ALIAS = 'io.kestra.core.models.triggers.types.Schedule';
export const SHELL_COMMANDS_TYPE = 'io.kestra.plugin.scripts.shell.Commands';
export const LOG_TYPE = 'io.kestra.plugin.core.log.Log';

export type InputType = 'STRING' | 'INT' | 'FLOAT' | 'BOOLEAN' | 'DATETIME' | 'DATE' | 'JSON';

export interface FlowInput {
  id: string;
  type: InputType;
  /** Kestra defaults `required` to true. */
  required: boolean;
  defaults?: unknown;
  description?: string;
}

export interface Label {
  key: string;
  value: string;
}

export interface ShellCommandsTask {
  id: string;
  type: typeof SHELL_COMMANDS_TYPE;
  runner: 'PROCESS';
  commands: string[];
  beforeCommands: string[];
  env: Record<string, string>;
  /** ISO-8601 duration as written in the YAML, e.g. `PT5M`. */
  timeout?: string;
  /** Parsed `timeout` in milliseconds. */
  timeoutMs?: number;
}

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface LogTask {
  id: string;
  type: typeof LOG_TYPE;
  /** One message or several; each is a Pebble template. */
  message: string | string[];
  level: LogLevel;
}

export type Task = ShellCommandsTask | LogTask;

export type RecoverMissedSchedules = 'ALL' | 'LAST' | 'NONE';

export interface ScheduleTrigger {
  id: string;
  /** The type exactly as written (the canonical name or its alias). */
  type: typeof SCHEDULE_TYPE | typeof SCHEDULE_TYPE_ALIAS;
  /** The cron as written; `@daily` and friends are kept as is. */
  cron: string;
  withSeconds: boolean;
  /** IANA zone id; Kestra's documented default is UTC. */
  timezone: string;
  inputs: Record<string, unknown>;
  labels: Label[];
  disabled: boolean;
  recoverMissedSchedules?: RecoverMissedSchedules;
  lateMaximumDelay?: string;
  stopAfter?: string[];
}

export type Trigger = ScheduleTrigger;

export interface Flow {
  id: string;
  namespace: string;
  description?: string;
  revision: number;
  disabled: boolean;
  inputs: FlowInput[];
  labels: Label[];
  tasks: Task[];
  triggers: Trigger[];
  /** The YAML exactly as the user sent it, returned by the flows API as `source`. */
  source: string;
}

export function isSchedule(trigger: { type: string }): trigger is ScheduleTrigger {
  return trigger.type === SCHEDULE_TYPE || trigger.type === SCHEDULE_TYPE_ALIAS;
}
