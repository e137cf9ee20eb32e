/**
 * A flow's triggers: Kestra's `Schedule` (and its legacy alias), the one trigger type a
 * backfill replays, with every property that would make it fire differently rejected.
 */
import { KESTRA_STATE_TYPES } from '../execution';
import { compileSchedule, InvalidScheduleError } from '../schedule';
import { type ClaimId, checkElementId } from './element-ids';
import { ValidationError } from './errors';
import { checkKeys, expectMap, isEmpty, optionalBoolean, optionalEnum, optionalString, requiredString, stringList } from './field-readers';
import { resolveInputs } from './inputs';
import { parseLabels } from './labels';
import { SCHEDULE_TYPE, SCHEDULE_TYPE_ALIAS } from './model';
import type { FlowInput, RecoverMissedSchedules, ScheduleTrigger } from './model';
import { hasOwn, parseDuration } from './values';

/** Trigger types this service accepts (the canonical Schedule type and its legacy alias). */
const SUPPORTED_TRIGGER_TYPES: readonly string[] = [SCHEDULE_TYPE, SCHEDULE_TYPE_ALIAS];

const RECOVER_MISSED: readonly RecoverMissedSchedules[] = ['ALL', 'LAST', 'NONE'];

const TRIGGER_KEYS = [
  'id',
  'type',
  'description',
  'disabled',
  'cron',
  'withSeconds',
  'timezone',
  'inputs',
  'labels',
  'recoverMissedSchedules',
  'lateMaximumDelay',
  'stopAfter',
  'conditions',
  'allowConcurrent',
];
const UNSUPPORTED_TRIGGER_PROPERTIES: Record<string, string> = {
  scheduleConditions: 'trigger conditions',
  when: 'trigger "when" expressions',
  workerGroup: 'worker groups',
  minLogLevel: 'minLogLevel',
  logToFile: 'logToFile',
};

/**
 * Parses one item of the flow's `triggers` list.
 *
 * @param path the item's path, e.g. `triggers[0]`.
 * @param inputs the flow's input declarations, which the trigger's own `inputs` must match.
 * @param claimId records the trigger's id, shared with the tasks so ids stay unique across both.
 * @returns the trigger with its defaults filled in (e.g. `timezone: 'UTC'`, `withSeconds: false`).
 * @throws ValidationError at the offending path, including an invalid cron or time zone.
 */
export function parseTrigger(value: unknown, path: string, inputs: FlowInput[], claimId: ClaimId): ScheduleTrigger {
  const map = expectMap(value, path, 'a trigger as {id, type, cron, …}');
  const id = requiredString(map, 'id', `${path}.id`, 'a trigger id');
  checkElementId(id, `${path}.id`, 'trigger id');
  claimId(id, `${path}.id`);

  const type = requiredString(map, 'type', `${path}.type`, `a trigger type (${SUPPORTED_TRIGGER_TYPES.join(', ')})`);
  if (type !== SCHEDULE_TYPE && type !== SCHEDULE_TYPE_ALIAS) {
    throw new ValidationError(`${path}.type`, `unknown trigger type ${JSON.stringify(type)}; supported: ${SUPPORTED_TRIGGER_TYPES.join(', ')}`);
  }
  if (hasOwn(map, 'backfill') && map.backfill !== null) {
    throw new ValidationError(
      `${path}.backfill`,
      'backfills in the flow definition are deprecated and not supported; start backfills through PUT /api/v1/triggers',
    );
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
      if (!KESTRA_STATE_TYPES.includes(state)) {
        throw new ValidationError(
          `${path}.stopAfter[${i}]`,
          `unknown execution state ${JSON.stringify(state)}; expected one of ${KESTRA_STATE_TYPES.join(', ')}`,
        );
      }
    });
    trigger.stopAfter = stopAfter;
  }
  return trigger;
}
